package dev.headstream.core.adapt;

/**
 * A record as consumed from the samples topic, before validation.
 *
 * @param partition source partition
 * @param offset    source offset
 * @param key       record key bytes (may be null)
 * @param value     record value bytes (may be null)
 */
public record RawSample(int partition, long offset, byte[] key, byte[] value) {
}
