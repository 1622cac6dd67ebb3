/**
 * The in-process benchmarks and the quality sweep (no Kafka): {@code bench-quiet}, {@code
 * bench-bank-size}, {@code bench-heads}, {@code bench-transfer}, {@code bench-clean} and
 * {@code sweep}, with what they share: synthetic populations embedded once
 * ({@link dev.headstream.tools.bench.SyntheticBench}, {@link dev.headstream.tools.bench.QuietBench}),
 * held-out speech scored as a detector scores it ({@link dev.headstream.tools.bench.HeldOutSpeech}),
 * holdout scoring and tables ({@link dev.headstream.tools.bench.HoldoutEvaluator},
 * {@link dev.headstream.tools.bench.HoldoutTable}) and headless plots
 * ({@link dev.headstream.tools.bench.LinePlot}). Each command's results, with the command line that
 * produced them, are in {@code docs/} ({@code docs/benchmarks.md} lists them); none is kept here.
 *
 * <p>May use core, the runtime, the DL4J reference engine ({@code bench-heads} only), the test
 * kit's {@code synth} and the {@code bank} tool.
 */
package dev.headstream.tools.bench;
