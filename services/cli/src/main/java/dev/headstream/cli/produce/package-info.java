/**
 * {@code headstream produce}: users' own labeled recordings streamed to {@code headstream.samples}.
 *
 * <p>Inputs: {@link dev.headstream.cli.produce.ProduceInputs} (WAV files and folders of one user,
 * {@code positive/} and {@code negative/} folders as in {@code eval --clips}) and
 * {@link dev.headstream.cli.produce.ProduceManifest} (CSV or JSON lines) give
 * {@link dev.headstream.cli.produce.ProduceClip}s, labels and splits read by
 * {@link dev.headstream.cli.produce.ProduceLabels}; {@link dev.headstream.cli.produce.ClipReader}
 * reads each clip whole through {@code eval}'s {@link dev.headstream.cli.evaluate.AudioLoader}
 * (native WAV as it is, anything else converted with sox) or skips it with the reason;
 * {@link dev.headstream.cli.produce.SampleIds} skips a sample id the run already sent for the user;
 * {@link dev.headstream.cli.produce.ProduceCommand} sends with the client's
 * {@link dev.headstream.client.SampleProducer} and prints a
 * {@link dev.headstream.cli.produce.ProduceSummary}.
 *
 * <p>May use the client and schemas modules, {@code eval}'s audio reading
 * ({@code dev.headstream.cli.evaluate}), the runtime's {@code WakeWordBackbone} constants and
 * core's default recipe ({@code HeadRecipe.wakeWordDefault()}, the window a head reads); {@code sox} as an external program.
 */
package dev.headstream.cli.produce;
