/**
 * Speaker attribution per household, measured in-process on the raw backbone: synthetic
 * households of distinct speakers, a per-household head on per-utterance vectors, open-set
 * rejection calibrated on the negative bank's calibration speech ({@code bench-speakers}).
 */
package dev.headstream.tools.speakers;
