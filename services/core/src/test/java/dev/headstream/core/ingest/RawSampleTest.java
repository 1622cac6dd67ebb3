package dev.headstream.core.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link RawSample#brokerTime}: only a log-append time counts for the rate limit. */
class RawSampleTest {

    private static final RateLimit LIMIT = new RateLimit(1, 1);

    @Test
    void aProducersCreateTimeIsNotCounted() {
        assertThat(RawSample.brokerTime(1_700_000_000_000L, true)).isEqualTo(1_700_000_000_000L);
        assertThat(RawSample.brokerTime(1_700_000_000_000L, false)).isEqualTo(-1);
        assertThat(RawSample.brokerTime(-1, true)).isEqualTo(-1);
    }

    @Test
    void createTimesSteppedForwardNeitherRefillNorStarveABucket() {
        RateLimit.Bucket b = LIMIT.take(RateLimit.Bucket.EMPTY, 60_000).bucket();
        // a producer's timestamp a day ahead would refill the bucket; not counted, it changes nothing
        RateLimit.Admission a = LIMIT.take(b, RawSample.brokerTime(86_400_000L, false));
        assertThat(a.admitted()).isTrue();
        assertThat(a.bucket()).isEqualTo(b);
        assertThat(LIMIT.take(b, RawSample.brokerTime(61_000, true)).admitted())
                .as("the broker's time still limits")
                .isFalse();
    }
}
