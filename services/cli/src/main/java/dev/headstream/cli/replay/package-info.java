/**
 * {@code headstream replay}: rebuilds every head from {@code headstream.samples} with the engine
 * the adapter runs (one {@link dev.headstream.core.assembly.EngineSpec} read from the same
 * {@code headstream.*} properties, assembled by {@link dev.headstream.runtime.assembly.EngineAssembly})
 * and compares it bit for bit with its newest published version
 * ({@link dev.headstream.cli.replay.HeadReplay}). The demo, the soak and the integration tests call
 * {@code HeadReplay} too.
 *
 * <p>May use the runtime module's assembly, core, the client module's
 * {@link dev.headstream.client.TopicReader} and the schemas.
 */
package dev.headstream.cli.replay;
