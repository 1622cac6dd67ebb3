/**
 * Speech from Debian's synthesizers, as the service needs it: {@link dev.headstream.runtime.speech.SpeechSynth}
 * runs {@code espeak-ng} and {@code sox} ({@link dev.headstream.runtime.speech.ToolRunner}: every process under a
 * timeout, bit-for-bit repeatable output), {@link dev.headstream.runtime.speech.ClipAssembler} places speech in a
 * fixed-length clip, and {@link dev.headstream.runtime.speech.NearMisses} makes phrases one phoneme away from a
 * wake phrase. The adapter synthesizes an own-word task's near-miss negatives with them; the test kit builds its
 * synthetic users (flite, Festival, caching, catalogs) on top.
 */
package dev.headstream.runtime.speech;
