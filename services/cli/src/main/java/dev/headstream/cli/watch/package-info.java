/**
 * {@code headstream watch}: prints head versions, adaptation metrics and rejects as a
 * {@code read_committed} consumer sees them.
 *
 * <p>May use kafka-clients and the schemas; nothing of the engine.
 */
package dev.headstream.cli.watch;
