/**
 * Stream monitors for negative transfer, drift and over-fitting, framework-free and
 * deterministic.
 *
 * <p>Every monitor follows the lifecycle of MOA's {@code ChangeDetector}: construct with an
 * immutable configuration, feed observations in stream order ({@code input(..)}), read the
 * published state (statistic, threshold, alarm) after any input, and {@code reset()} after an
 * alarm has been acted on. The hot path ({@code input}) allocates nothing. The mutable state of a
 * monitor is compact: {@link dev.headstream.core.monitor.MonitorState} copies it and writes it to
 * (and reads it back from) a flat {@code double[]}; the configuration is not part of it.
 *
 * <p>Monitors are not thread-safe: each instance is owned by the thread processing its user's
 * partition, which updates a {@code copy()} and swaps it in after the batch commits.
 *
 * <ul>
 *   <li>{@link dev.headstream.core.monitor.PrequentialStats}: windowed and fading-factor
 *       prequential loss and accuracy (Gama, Sebastiao and Rodrigues 2013).
 *   <li>{@link dev.headstream.core.monitor.NegativeTransferMonitor}: one-sided CUSUM (Page 1954)
 *       on the paired loss gap, its threshold calibrated to an ARL0 by
 *       {@link dev.headstream.core.monitor.ArlCalibrator}.
 *   <li>{@link dev.headstream.core.monitor.Adwin}: ADWIN2 adaptive windowing (Bifet and Gavalda
 *       2007); {@link dev.headstream.core.monitor.PageHinkley}: the Page-Hinkley test for a
 *       mean increase.
 *   <li>{@link dev.headstream.core.monitor.MmdDriftDetector}: unbiased MMD^2 with a Gaussian kernel
 *       and a permutation test (Gretton et al. 2012) against a source reference set.
 *   <li>{@link dev.headstream.core.monitor.GeneralizationGap}: prequential minus training loss.
 * </ul>
 *
 * <p>Uses no other core package.
 */
package dev.headstream.core.monitor;
