package dev.headstream.tools.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ScrapeTest {

    private static final String TEXT = """
            # HELP headstream_stage_seconds_total time the engine spent in each stage of its batches
            # TYPE headstream_stage_seconds_total counter
            headstream_stage_seconds_total{stage="decode"} 0.5
            headstream_stage_seconds_total{stage="embed"} 12.25
            headstream_stage_seconds_total{stage="train"} 30.0
            headstream_stage_seconds_total{stage="publish"} 8.0
            headstream_stage_seconds_total{stage="encode_state"} 1.5
            headstream_stage_seconds_total{stage="transaction"} 4.0
            headstream_batch_seconds_count{outcome="committed"} 10.0
            headstream_batch_seconds_sum{outcome="committed"} 55.0
            headstream_samples_applied_total 640.0
            headstream_users_erased_total 10.0
            headstream_users_resident 3.0
            headstream_rejects_total{reason="CAPACITY"} 2.0
            """;

    @Test
    void readsEveryStageCounterWithTheAdaptersOtherCounters() {
        Scrape s = Scrape.parse(42, TEXT);

        assertThat(s.nanos()).isEqualTo(42);
        assertThat(s.stageSeconds())
                .containsExactly(
                        org.assertj.core.api.Assertions.entry("decode", 0.5),
                        org.assertj.core.api.Assertions.entry("embed", 12.25),
                        org.assertj.core.api.Assertions.entry("train", 30.0),
                        org.assertj.core.api.Assertions.entry("publish", 8.0),
                        org.assertj.core.api.Assertions.entry("encode_state", 1.5),
                        org.assertj.core.api.Assertions.entry("transaction", 4.0));
        assertThat(s.applied()).isEqualTo(640);
        assertThat(s.stats().batches()).isEqualTo(10);
        assertThat(s.stats().batchSeconds()).isEqualTo(55);
        assertThat(s.stats().rejected()).isEqualTo(2);
        assertThat(s.erased()).isEqualTo(10);
        assertThat(s.resident()).isEqualTo(3);
    }

    @Test
    void readsAStageAmongOtherLabelsAndKeepsAStageItDoesNotKnowAfterTheKnownOnes() {
        Scrape s = Scrape.parse(0, """
                headstream_stage_seconds_total{application="headstream-adapter",stage="calibrate"} 2.0
                headstream_stage_seconds_total{stage="embed",application="headstream-adapter"} 1.0
                headstream_stage_seconds_totally{stage="embed"} 99.0
                """);

        assertThat(s.stage("embed")).isEqualTo(1.0);
        assertThat(s.stage("calibrate")).isEqualTo(2.0);
        assertThat(s.stage("train")).isZero();
        assertThat(Scrape.stages(s)).endsWith("transaction", "commit_check", "store_state", "calibrate");
    }

    @Test
    void countsAbsentSeriesAsZero() {
        Scrape s = Scrape.parse(0, "");

        assertThat(s.applied()).isZero();
        assertThat(s.stageSeconds()).isEmpty();
        assertThat(s.erased()).isZero();
    }
}
