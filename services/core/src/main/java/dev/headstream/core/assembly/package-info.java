/**
 * The one composition spec: {@link dev.headstream.core.assembly.EngineSpec} reads the
 * {@code headstream.*} properties (defaults in one place) into what decides an engine's output.
 * The runtime module's {@code EngineAssembly} builds the engine from it.
 *
 * <p>May use every other core package; nothing in the core uses it.
 */
package dev.headstream.core.assembly;
