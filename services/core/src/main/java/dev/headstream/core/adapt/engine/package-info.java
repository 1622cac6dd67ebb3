/**
 * The adaptation pipeline of one processing thread, free of Kafka:
 * {@link dev.headstream.core.adapt.engine.AdaptationEngine} takes a batch of raw records and
 * returns a {@link dev.headstream.core.adapt.engine.BatchResult} (output records and staged state,
 * made live on commit). It orchestrates: decoding and output records are {@code core.wire}'s,
 * per-head work is the task's.
 *
 * <p>May use every other core package; only it and {@code core.assembly} use both the domain and
 * {@code core.wire}. Nothing in the core but {@code core.assembly} uses it.
 */
package dev.headstream.core.adapt.engine;
