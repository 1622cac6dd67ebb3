/**
 * Reproducible synthetic speech users for demos, tests and benchmarks of wake-word
 * personalization.
 *
 * <p>{@link dev.headstream.cli.synth.SpeechSynth} turns text into 16 kHz mono int16 speech
 * with {@code espeak-ng} and {@code sox}; {@link dev.headstream.cli.synth.CachingSynthesizer}
 * keeps the results on disk; {@link dev.headstream.cli.synth.ClipAssembler} places the speech
 * in a fixed-length clip with noise; {@link dev.headstream.cli.synth.SyntheticUsers} plans and
 * renders whole populations (users with train/holdout clips, and background speakers) from
 * one seed, bit for bit the same on every run.
 */
package dev.headstream.cli.synth;
