/**
 * {@code headstream control}: one operator command (reset, rollback, freeze, unfreeze, erase) sent
 * to {@code headstream.control}, keyed {@code <tenant>/<user>} like the user's samples so that the
 * instance owning the user applies it in that partition's batch transaction.
 *
 * <p>May use the client module's {@link dev.headstream.client.SampleSender}, the schemas and core's
 * domain types.
 */
package dev.headstream.cli.control;
