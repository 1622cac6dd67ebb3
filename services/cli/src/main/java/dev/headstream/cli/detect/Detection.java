package dev.headstream.cli.detect;

/**
 * One activation of a detector.
 *
 * @param window  the window index since the start of the stream (one per 80 ms step)
 * @param seconds the end of the window's audio, seconds since the start of the stream
 * @param score   the head's score (sigmoid of the logit)
 * @param head    the head version that scored it
 */
public record Detection(long window, double seconds, float score, DetectorHead head) {}
