package dev.headstream.cli.produce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Split;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The closing lines of {@code produce}: what they count, what they name, and what "sent" means. */
class ProduceSummaryTest {

    private static ProduceClip clip(String name, String user, Split split) {
        return new ProduceClip(Path.of("/m"), name, 0, "acme", user, Map.of(), split, null);
    }

    @Test
    void keepsTheFirstNamesPerReasonAndCountsTheRest() {
        ProduceSummary summary = new ProduceSummary(200_004, false, "kafka:9092");
        for (int i = 0; i < 100_000; i++) {
            summary.skipped(SkipReason.NOT_FOUND, "missing-" + i + ".wav");
            summary.skipped(SkipReason.DUPLICATE_ID, "again-" + i + ".wav");
        }
        summary.sent(clip("a.wav", "alice", Split.SPLIT_TRAIN));
        summary.sent(clip("b.wav", "alice", Split.SPLIT_HOLDOUT));
        summary.failed("c.wav", new IllegalStateException("broker away"));
        summary.failed("d.wav", new IllegalStateException("broker still away"));

        assertThat(summary.skipped()).isEqualTo(200_000);
        assertThat(summary.exitCode()).isEqualTo(1);
        assertThat(summary.lines())
                .contains(
                        "skipped 200000:",
                        "  not found: 100000 (missing-0.wav, missing-1.wav, missing-2.wav, and 99997 more)",
                        "  duplicate sample id: 100000 (again-0.wav, again-1.wav, again-2.wav, and 99997 more)",
                        "failed to send 2 (c.wav, d.wav): broker away");

        ProduceSummary.Tally tally = new ProduceSummary.Tally();
        for (int i = 0; i < 100_000; i++) {
            tally.add("n" + i);
        }
        assertThat(tally.count()).isEqualTo(100_000);
        assertThat(tally.kept()).containsExactly("n0", "n1", "n2");
    }

    @Test
    void saysThatSentIsTheBrokersAcknowledgementAndWhereTheAdaptersVerdictsArrive() {
        ProduceSummary summary = new ProduceSummary(2, false, "kafka:9092");
        summary.sent(clip("a.wav", "alice", Split.SPLIT_TRAIN));
        summary.sent(clip("b.wav", "bob", Split.SPLIT_HOLDOUT));

        assertThat(summary.exitCode()).isZero();
        assertThat(summary.lines())
                .containsExactly(
                        "sent 2 of 2 clips (1 train, 1 holdout) of 2 users, each acknowledged by the broker",
                        "  acme/alice: 1 (1 train, 0 holdout)",
                        "  acme/bob: 1 (0 train, 1 holdout)",
                        "sent: written to headstream.samples and acknowledged by the broker, not yet applied: the"
                                + " adapter's own verdicts (DUPLICATE of a sample id sent before, UNKNOWN_TASK,"
                                + " RATE_LIMITED, CAPACITY, ...) arrive on headstream.rejected; ./headstream watch"
                                + " --bootstrap kafka:9092 shows them");

        assertThat(new ProduceSummary(1, false, "kafka:9092").lines())
                .as("nothing sent: no verdicts to wait for")
                .containsExactly("sent 0 of 1 clips (0 train, 0 holdout) of 0 users");
    }

    @Test
    void listsTheTasksItSendsLabelsFor() {
        ProduceSummary summary = new ProduceSummary(3, true, "kafka:9092");
        for (String name : new String[] {"a.wav", "b.wav"}) {
            summary.sent(new ProduceClip(
                    Path.of("/m"), name, 0, "acme", "alice", Map.of("wake", YES), Split.SPLIT_TRAIN, null));
        }
        summary.sent(new ProduceClip(
                Path.of("/m"), "c.wav", 0, "acme", "alice", Map.of("wkae", YES, "wake", YES), Split.SPLIT_TRAIN, null));

        assertThat(summary.lines()).contains("labels for tasks: wake (3 clips), wkae (1 clip)");
    }

    private static final Label YES = Label.newBuilder().setBinary(true).build();
}
