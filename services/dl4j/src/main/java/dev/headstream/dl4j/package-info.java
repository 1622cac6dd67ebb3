/**
 * The Deeplearning4j reference engine ({@link dev.headstream.dl4j.Dl4jHeadEngine}, with
 * {@link dev.headstream.dl4j.Dl4jLayerNorm} as a SameDiff layer): core's
 * {@link dev.headstream.core.head.HeadEngine} on a DL4J network, for the parity tests and the
 * {@code bench-heads} comparison, never on the serving path.
 *
 * <p>The only package whose types hold ND4J or DL4J objects; they never leave it. May use core's
 * {@code head} package; nothing else of the project.
 */
package dev.headstream.dl4j;
