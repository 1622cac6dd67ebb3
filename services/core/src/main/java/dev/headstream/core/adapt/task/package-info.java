/**
 * How a binary task's per-user heads adapt: {@link dev.headstream.core.adapt.task.BinaryHeadTask}
 * applies one sample (scoring, the head's tests in
 * {@link dev.headstream.core.adapt.task.HeadMonitors}, training in
 * {@link dev.headstream.core.adapt.task.ReplayTrainer}) and delegates what an alarm does to
 * {@link dev.headstream.core.adapt.task.AlarmPolicy} and what is published to
 * {@link dev.headstream.core.adapt.task.PublishPolicy} (with the
 * {@link dev.headstream.core.adapt.task.ThresholdCalibrator}); the recipe, the negative bank's
 * training settings, the clip scorer and the rehearsal negatives (a reference set, an online
 * reservoir) are its inputs.
 *
 * <p>May use {@code core.adapt.state}, {@code core.ingest}, {@code core.head}, {@code core.monitor},
 * {@code core.bank}, {@code core.detect} and {@code core.embed}; never {@code core.wire} or the
 * engine.
 */
package dev.headstream.core.adapt.task;
