/**
 * Fault injection, the seam the crash tests use: {@link dev.headstream.adapter.fault.FaultInjector}
 * with its hooks before a batch's processing, inside its transaction and before a partition's restore,
 * {@link dev.headstream.adapter.fault.NoFaults} (what production runs) and
 * {@link dev.headstream.adapter.fault.ConfiguredFaults} (only with {@code headstream.fault.enabled=true}).
 * {@link dev.headstream.adapter.fault.FaultInjectorProducer} picks one at start and refuses a fault
 * setting that comes without {@code enabled=true}.
 *
 * <p>May use Mutiny, MicroProfile/SmallRye Config, CDI, JBoss Logging and the wire contracts (to
 * read a sample's id); nothing else of the adapter, so that the production path depends on this
 * package only through the interface.
 */
package dev.headstream.adapter.fault;
