/**
 * Reproducible synthetic speech: wake-word users for demos, tests and benchmarks, and hours of
 * other people's read speech for a negative bank.
 *
 * <p>Engines: {@link dev.headstream.runtime.speech.SpeechSynth} ({@code espeak-ng}),
 * {@link dev.headstream.testkit.synth.FliteSynth} ({@code flite}) and
 * {@link dev.headstream.testkit.synth.FestivalSynth} (Festival) turn a
 * {@link dev.headstream.runtime.speech.SynthRequest} into 16 kHz mono int16 speech through {@code sox};
 * {@link dev.headstream.testkit.synth.MultiEngineSynth} speaks all three;
 * {@link dev.headstream.testkit.synth.CachingSynthesizer} keeps the results on disk.
 *
 * <p>Users: {@link dev.headstream.runtime.speech.ClipAssembler} places speech in a fixed-length clip
 * with noise; {@link dev.headstream.testkit.synth.SyntheticUsers} plans and renders whole populations
 * (users with train/holdout clips, and background speakers) from one seed, bit for bit the same
 * on every run, from every espeak-ng voice or from a given voice pool.
 *
 * <p>Negative bank: {@link dev.headstream.testkit.synth.VoiceCatalog} splits every voice, by speaker,
 * into the disjoint {@link dev.headstream.testkit.synth.Part}s; {@link dev.headstream.testkit.synth.TextCorpus}
 * splits the Debian fortunes into disjoint text pools; {@link dev.headstream.testkit.synth.CorpusPlan}
 * lists the streams of a corpus and {@link dev.headstream.testkit.synth.ReadSpeech} renders each one as
 * continuous read speech in a room, band and noise of its own.
 *
 * <p>Runs {@code espeak-ng}, {@code flite}, {@code festival} and {@code sox} as external programs;
 * may use the schemas ({@code Sample} records) and nothing else of the project.
 */
package dev.headstream.testkit.synth;
