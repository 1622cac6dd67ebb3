/**
 * Speaker attribution per household, measured in-process on the raw backbone: synthetic
 * households of distinct speakers, a per-household head on per-utterance vectors (from the
 * backbone's embeddings or from its streaming front end's mel frames), open-set rejection
 * calibrated on other people's speech ({@code bench-speakers}).
 */
package dev.headstream.tools.speakers;
