/**
 * What a consumer does with a published head: a streaming wake-word detector's activations with a
 * refractory period, false accepts per hour and thresholds set in false accepts per hour
 * ({@link dev.headstream.core.detect.Detections}); a class head's probabilities for a clip
 * ({@link dev.headstream.core.detect.ClassHeadScorer}).
 *
 * <p>May use {@code core.head} and {@code core.embed}; nothing else of the core.
 */
package dev.headstream.core.detect;
