/**
 * The sample model, from the consumed record to the validated sample:
 * {@link dev.headstream.core.ingest.RawSample}, {@link dev.headstream.core.ingest.ValidSample}
 * with its {@link dev.headstream.core.ingest.UserKey}, {@link dev.headstream.core.ingest.Label}s and
 * {@link dev.headstream.core.ingest.Split}; what a task's labels look like
 * ({@link dev.headstream.core.ingest.TaskKind}); why a record was not applied
 * ({@link dev.headstream.core.ingest.Rejection}, {@link dev.headstream.core.ingest.SampleRejectedException});
 * and admission ({@link dev.headstream.core.ingest.RateLimit}).
 *
 * <p>May use {@code core.embed} and the wire contract's reject reason codes
 * ({@code dev.headstream.schemas.v1.RejectReason}); nothing else of the core.
 */
package dev.headstream.core.ingest;
