/**
 * Operator commands from {@code headstream.control} as domain values
 * ({@link dev.headstream.core.adapt.control.ControlCommand}): which heads of a user a command acts
 * on and how it acts on one. Decoding and validating the records is {@code core.wire}'s.
 *
 * <p>May use {@code core.adapt.task}, {@code core.adapt.state} and {@code core.ingest}; never
 * {@code core.wire} or the engine.
 */
package dev.headstream.core.adapt.control;
