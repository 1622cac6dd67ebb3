/**
 * {@code headstream eval}: wake-word heads scored on real audio the way a streaming detector
 * scores them.
 *
 * <p>Inputs: {@link dev.headstream.cli.evaluate.EvalInputs} finds labeled clips and speech
 * recordings; {@link dev.headstream.cli.evaluate.AudioLoader} opens them as 16 kHz mono 16-bit
 * {@link dev.headstream.cli.evaluate.Recording}s, reading native WAV files itself
 * ({@link dev.headstream.cli.evaluate.WavReader}) and converting anything else with
 * {@link dev.headstream.cli.evaluate.Sox} into temporary native WAV files read the same way
 * ({@link dev.headstream.cli.evaluate.ConvertedWav});
 * {@link dev.headstream.cli.evaluate.HeadLoader} loads the source head and the users' adapted
 * heads (files or {@code headstream.heads}) as {@link dev.headstream.cli.evaluate.EvalHead}s.
 *
 * <p>Scoring: {@link dev.headstream.cli.evaluate.SegmentScorer} embeds a range of 80 ms steps with
 * the runtime module's streaming front end ({@code WakeWordBackbone}) and scores every
 * 16-embedding window;
 * {@link dev.headstream.cli.evaluate.Evaluator} runs it over all clips and speech on a thread pool
 * into an {@link dev.headstream.cli.evaluate.EvalRun}.
 *
 * <p>Results: {@link dev.headstream.cli.evaluate.EvalReport} (table, rates with their counts,
 * threshold sweeps), {@link dev.headstream.cli.evaluate.EvalJson} and
 * {@link dev.headstream.cli.evaluate.RecallFaPlot}; {@link dev.headstream.cli.evaluate.EvalCommand}
 * wires them to the command line.
 *
 * <p>May use the runtime module ({@code backbone}, {@code onnx}), core ({@code head},
 * {@code detect}, {@code embed}, {@code wire}, and {@code ClipScorer} of its adaptation code), the
 * {@code export} command's {@link dev.headstream.cli.export.HeadExport}, the client module's
 * {@link dev.headstream.client.TopicReader} and the schemas; {@code sox} as an external program.
 */
package dev.headstream.cli.evaluate;
