package dev.headstream.cli.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.cli.Main;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.AdaptationMetrics;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Provenance;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * watch names heads and metrics by record key and shows a record whose payload names another head as
 * skipped; with --until-samples it stops once the named heads' newest committed versions have
 * applied enough samples (on a {@link MockConsumer}, no broker).
 */
class WatchCommandTest {

    private static final String ALICE = "acme/alice/wake";
    private static final String BOB = "acme/bob/wake";
    private static final TopicPartition HEADS_0 = new TopicPartition(Topics.HEADS, 0);

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final StringWriter out = new StringWriter();

    @Test
    void showsAHeadUnderItsKey() {
        assertThat(WatchCommand.describe(
                        record(Topics.HEADS, ALICE, head(ALICE, 3).toByteArray())))
                .startsWith("head    acme/alice/wake v3 ");
    }

    @Test
    void showsAForgedHeadOrMetricsRecordAsSkippedNotAsTheHeadItNames() {
        String head = WatchCommand.describe(
                record(Topics.HEADS, "acme/bob/wake", head(ALICE, 999).toByteArray()));
        String metrics = WatchCommand.describe(record(
                Topics.METRICS,
                "acme/bob/wake",
                AdaptationMetrics.newBuilder()
                        .setHeadId(ALICE)
                        .setTenant("acme")
                        .setUser("alice")
                        .setTask("wake")
                        .build()
                        .toByteArray()));

        assertThat(head).startsWith("skipped headstream.heads-0@7: payload names head 'acme/alice/wake'");
        assertThat(metrics).startsWith("skipped headstream.metrics-0@7: payload names head 'acme/alice/wake'");
    }

    @Test
    void aTombstoneErasesTheHeadOfItsKeyAndLongKeysAreCut() {
        assertThat(WatchCommand.describe(record(Topics.HEADS, ALICE, null)))
                .isEqualTo("head    acme/alice/wake ERASED (tombstone)");
        assertThat(WatchCommand.describe(record(Topics.HEADS, "k".repeat(100_000), null)))
                .hasSizeLessThan(200);
        assertThat(WatchCommand.describe(record(Topics.METRICS, ALICE, null))).startsWith("skipped ");
        assertThat(WatchCommand.describe(record(Topics.HEADS, null, null))).contains("without a key");
    }

    @Test
    void stopsAsSoonAsEveryNamedHeadHasAppliedTheSamples() {
        topics(3);
        consumer.schedulePollTask(() -> {
            consumer.addRecord(headRecord(0, ALICE, versioned(ALICE, 1, 5)));
            consumer.addRecord(headRecord(1, BOB, versioned(BOB, 1, 9)));
            consumer.addRecord(headRecord(2, ALICE, versioned(ALICE, 2, 12)));
        });
        consumer.schedulePollTask(() -> consumer.addRecord(headRecord(3, BOB, versioned(BOB, 2, 10))));
        consumer.schedulePollTask(() -> {
            throw new AssertionError("polled again after the goal was reached");
        });

        int exit = watch(goal(10, ALICE, BOB), Duration.ofSeconds(30));

        assertThat(exit).isZero();
        assertThat(out.toString())
                .as("records from before the start are filed, not printed")
                .doesNotContain("head    acme/alice/wake v2")
                .contains("head    acme/bob/wake v2 HEAD_STATUS_ACTIVE samples=10")
                .endsWith("watch: every head has applied at least 10 samples: acme/alice/wake 12 (v2),"
                        + " acme/bob/wake 10 (v2)\n");
    }

    @Test
    void anOlderVersionDoesNotCountWhileTheHeadsTopicIsNotReadToWhereItEnded() {
        topics(2);
        consumer.schedulePollTask(() -> consumer.addRecord(headRecord(0, ALICE, versioned(ALICE, 3, 30))));
        consumer.schedulePollTask(() -> consumer.addRecord(headRecord(
                1,
                ALICE,
                versioned(ALICE, 4, 0).toBuilder()
                        .setStatus(HeadStatus.HEAD_STATUS_RESET)
                        .build())));

        assertThatThrownBy(() -> watch(goal(10, ALICE), Duration.ofMillis(300)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("timed out after PT0.3S with 1 of 1 heads short of 10 samples: acme/alice/wake 0 (v4)");
    }

    @Test
    void timesOutNamingTheHeadsStillShortWithTheirCounts() {
        topics(0);
        consumer.schedulePollTask(() -> {
            consumer.addRecord(headRecord(0, ALICE, versioned(ALICE, 7, 24)));
            consumer.addRecord(headRecord(1, BOB, versioned(BOB, 3, 6)));
        });

        assertThatThrownBy(() -> watch(goal(24, ALICE, BOB, "acme/carol/wake"), Duration.ofMillis(300)))
                .hasMessage("timed out after PT0.3S with 2 of 3 heads short of 24 samples: acme/bob/wake 6 (v3),"
                        + " acme/carol/wake no version");
    }

    @Test
    void theGoalFilesHeadsByKeyAndATombstoneTakesTheVersionAway() {
        SampleGoal goal = goal(5, ALICE, BOB);
        goal.accept(record(Topics.HEADS, ALICE, versioned(ALICE, 1, 8).toByteArray()));
        goal.accept(record(Topics.HEADS, BOB, versioned(ALICE, 9, 99).toByteArray()));
        goal.accept(record(Topics.HEADS, ALICE, versioned(BOB, 9, 99).toByteArray()));
        goal.accept(record(Topics.HEADS, BOB, new byte[] {(byte) 0xff}));
        assertThat(goal.reached()).isFalse();
        assertThat(goal.progress()).containsExactly("acme/alice/wake 8 (v1)", "acme/bob/wake no version");

        goal.accept(record(Topics.HEADS, BOB, versioned(BOB, 2, 5).toByteArray()));
        assertThat(goal.reached()).isTrue();

        goal.accept(record(Topics.HEADS, ALICE, null));
        assertThat(goal.reached()).isFalse();
        goal.accept(record(Topics.HEADS, ALICE, versioned(ALICE, 1, 6).toByteArray()));
        assertThat(goal.reached()).as("after a tombstone, any version counts").isTrue();
    }

    @Test
    void untilSamplesOptionsAreCheckedBeforeConnecting() {
        assertThat(run("--until-samples", "5")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(out.toString()).contains("--until-samples needs at least one --head");
        assertThat(run("--head", ALICE)).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(out.toString()).contains("--head and --timeout go with --until-samples");
        assertThat(run("--head", "acme/alice", "--until-samples", "5")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(out.toString()).contains("--head must be tenant/user/task, got 'acme/alice'");
        assertThat(run("--head", ALICE, "--until-samples", "5", "--duration", "PT1S"))
                .isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(out.toString()).contains("--duration does not go with --until-samples; use --timeout");
        assertThat(run("--head", ALICE, "--until-samples", "-1")).isEqualTo(CommandLine.ExitCode.USAGE);
    }

    private int run(String... args) {
        String[] all = new String[args.length + 3];
        all[0] = "watch";
        all[1] = "--bootstrap";
        all[2] = "127.0.0.1:1";
        System.arraycopy(args, 0, all, 3, args.length);
        PrintWriter w = new PrintWriter(out, true);
        return Main.commandLine()
                .setOut(w)
                .setErr(w)
                .setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF))
                .execute(all);
    }

    private int watch(SampleGoal goal, Duration timeout) {
        return WatchCommand.watch(consumer, new PrintWriter(out, true), false, timeout, goal, "mock");
    }

    private static SampleGoal goal(long samples, String... heads) {
        return new SampleGoal(new LinkedHashSet<>(List.of(heads)), samples);
    }

    /** One partition per topic; the heads topic ends at {@code headsEnd} when the watch starts. */
    private void topics(long headsEnd) {
        Map<TopicPartition, Long> begin = new HashMap<>();
        Map<TopicPartition, Long> end = new HashMap<>();
        for (String t : List.of(Topics.HEADS, Topics.METRICS, Topics.REJECTED)) {
            consumer.updatePartitions(t, List.of(new PartitionInfo(t, 0, Node.noNode(), new Node[0], new Node[0])));
            begin.put(new TopicPartition(t, 0), 0L);
            end.put(new TopicPartition(t, 0), 0L);
        }
        end.put(HEADS_0, headsEnd);
        consumer.updateBeginningOffsets(begin);
        consumer.updateEndOffsets(end);
    }

    private static ConsumerRecord<byte[], byte[]> headRecord(long offset, String key, HeadUpdate value) {
        return new ConsumerRecord<>(Topics.HEADS, 0, offset, key.getBytes(StandardCharsets.UTF_8), value.toByteArray());
    }

    private static HeadUpdate versioned(String headId, long version, long samples) {
        return head(headId, version).toBuilder()
                .setStatus(HeadStatus.HEAD_STATUS_ACTIVE)
                .setProvenance(Provenance.newBuilder().setSamplesApplied(samples))
                .build();
    }

    private static ConsumerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ConsumerRecord<>(topic, 0, 7, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
    }

    private static HeadUpdate head(String headId, long version) {
        String[] p = headId.split("/");
        return HeadUpdate.newBuilder()
                .setHeadId(headId)
                .setTenant(p[0])
                .setUser(p[1])
                .setTask(p[2])
                .setVersion(version)
                .build();
    }
}
