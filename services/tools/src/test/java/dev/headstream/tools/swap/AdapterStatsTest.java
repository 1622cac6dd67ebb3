package dev.headstream.tools.swap;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AdapterStatsTest {

    @Test
    void sumsTheCommittedBatchesAndTheCountersOverTheirSeries() {
        String text = """
                # TYPE headstream_batch_seconds summary
                headstream_batch_seconds_count{outcome="committed"} 10.0
                headstream_batch_seconds_sum{outcome="committed"} 2.5
                headstream_batch_seconds_count{outcome="aborted"} 3.0
                headstream_batch_seconds_max{outcome="committed"} 0.9
                headstream_samples_applied_total 40.0
                headstream_heads_published_total{status="HEAD_STATUS_ACTIVE"} 30.0
                headstream_heads_published_total{status="HEAD_STATUS_ERASED"} 2.0
                headstream_rejects_total{reason="CAPACITY"} 1.0
                """;

        AdapterStats s = AdapterStats.parse(text);

        assertThat(s).isEqualTo(new AdapterStats(10, 2.5, 40, 32, 1));
        assertThat(s.msPerBatch()).isEqualTo(250);
        assertThat(s.since(new AdapterStats(4, 1.0, 10, 2, 1))).isEqualTo(new AdapterStats(6, 1.5, 30, 30, 0));
    }
}
