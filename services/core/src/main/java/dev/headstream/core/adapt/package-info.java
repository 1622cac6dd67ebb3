/**
 * Per-user adaptation, in the order a sample flows through it. Holds no classes itself; its
 * sub-packages, from the bottom up:
 * <ul>
 *   <li>{@code adapt.state}: what the adapter holds per user and head (the one owner of each
 *       head's mutable state);</li>
 *   <li>{@code adapt.task}: how a task's heads score, train, alarm, calibrate and publish;</li>
 *   <li>{@code adapt.control}: operator commands, as domain values;</li>
 *   <li>{@code adapt.engine}: the orchestrator of one processing thread, the only adaptation
 *       package that also uses {@code core.wire}.</li>
 * </ul>
 * The samples they act on come from {@code core.ingest}; protobuf mapping lives in
 * {@code core.wire}.
 */
package dev.headstream.core.adapt;
