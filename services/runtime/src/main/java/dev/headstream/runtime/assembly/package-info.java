/**
 * The one composition root of an adaptation engine: {@link dev.headstream.runtime.assembly.EngineAssembly}
 * turns an {@link dev.headstream.core.assembly.EngineSpec} into a checked backbone, each task's
 * source head, reference set and negative bank, and the engine. The adapter, {@code replay}, the
 * demo, the soak and the integration tests all assemble here, so a replay rebuilds what the
 * adapter ran.
 *
 * <p>May use: the core module and this module's {@code backbone} and {@code onnx} packages. No
 * Kafka, Quarkus or CLI types.
 */
package dev.headstream.runtime.assembly;
