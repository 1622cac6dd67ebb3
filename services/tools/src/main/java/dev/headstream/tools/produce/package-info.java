/**
 * {@code headstream produce-synth}: synthesizes reproducible users with the test kit's speech synthesis
 * and streams their labeled clips to {@code headstream.samples} with the client's
 * {@link dev.headstream.client.SampleSender}.
 *
 * <p>May use the test kit's {@code synth}, the client and picocli.
 */
package dev.headstream.tools.produce;
