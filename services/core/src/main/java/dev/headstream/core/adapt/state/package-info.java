/**
 * What the adapter holds per user: {@link dev.headstream.core.adapt.state.UserState} (a head per
 * task, the dedup window, the rate-limit bucket) and {@link dev.headstream.core.adapt.state.HeadState}
 * (one user's head of one task: vector, optimizer, replay buffer of
 * {@link dev.headstream.core.adapt.state.StoredClip}s, threshold, counters,
 * {@link dev.headstream.core.adapt.state.ScoreStats} and monitors), each the only writer of its
 * fields, through methods named for each step of adaptation.
 *
 * <p>May use {@code core.ingest}, {@code core.embed}, {@code core.head} and {@code core.monitor};
 * never the task that changes it, the engine or {@code core.wire}.
 */
package dev.headstream.core.adapt.state;
