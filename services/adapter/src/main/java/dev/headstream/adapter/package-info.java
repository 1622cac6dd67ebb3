/**
 * The adapter service's shared ground: the channel names ({@link dev.headstream.adapter.Channels}),
 * its own settings ({@link dev.headstream.adapter.HeadstreamConfig}) and the producer of the
 * backbone and engine ({@link dev.headstream.adapter.EngineProducer}, through
 * {@code dev.headstream.core.assembly.EngineSpec} and {@code dev.headstream.runtime.assembly.EngineAssembly}).
 * The flow, the transaction, state restore, health and fault injection live in subpackages, which
 * may use this package; this package uses none of them.
 */
package dev.headstream.adapter;
