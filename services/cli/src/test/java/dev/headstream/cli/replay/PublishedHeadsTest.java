package dev.headstream.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.Control;
import dev.headstream.schemas.v1.ControlAction;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** What the replay compares against: the published heads filed by record key, forged records skipped. */
class PublishedHeadsTest {

    private static final String ALICE = "acme/alice/wake";
    private static final String BOB = "acme/bob/wake";

    private final HeadReplay.Published heads = new HeadReplay.Published();
    private long offset;

    @Test
    void aForgedHeadUnderAnotherKeyIsSkippedAndTheUsersTombstoneStillErases() {
        feed(ALICE, head(ALICE, 3));
        feed(BOB, head(ALICE, Long.MAX_VALUE));
        assertThat(heads.newest()).containsOnlyKeys(ALICE);
        assertThat(heads.newest().get(ALICE).getVersion()).isEqualTo(3);

        feed(ALICE, null);
        assertThat(heads.newest()).isEmpty();
        assertThat(heads.skipped()).singleElement().asString().contains("payload names head 'acme/alice/wake'");
    }

    @Test
    void anOperatorCommandIsNotedUnderTheKeyNotThePayloadsHead() {
        feed(ALICE, head(ALICE, 1));
        feed(
                BOB,
                head(ALICE, 2).toBuilder()
                        .setStatus(HeadStatus.HEAD_STATUS_RESET)
                        .setStatusReason("operator reset")
                        .build());

        assertThat(heads.operated()).isEmpty();
    }

    @Test
    void aVersionNeverGoesBackAndUnreadableOrKeylessRecordsAreListedBounded() {
        feed(ALICE, head(ALICE, 4));
        feed(
                ALICE,
                head(ALICE, 2).toBuilder()
                        .setStatus(HeadStatus.HEAD_STATUS_ROLLED_BACK)
                        .build());
        assertThat(heads.newest().get(ALICE).getVersion()).isEqualTo(4);

        heads.accept(new ConsumerRecord<>(
                Topics.HEADS, 0, offset++, null, head(ALICE, 9).toByteArray()));
        for (int i = 0; i < HeadReplay.MAX_SKIPPED_LISTED + 5; i++) {
            heads.accept(new ConsumerRecord<>(Topics.HEADS, 0, offset++, bytes(BOB), new byte[] {(byte) 0xff}));
        }
        assertThat(heads.skipped()).hasSize(HeadReplay.MAX_SKIPPED_LISTED + 1).endsWith("... and 6 more");
        assertThat(heads.skipped().get(0)).contains("no key");
        assertThat(heads.newest()).containsOnlyKeys(ALICE);
    }

    @Test
    void onlyAResetByTheUsersNewWakePhraseIsRebuiltAndEveryOtherResetOrOperatorsVersionIsLeftOut() {
        String carol = "acme/carol/wake";
        String dave = "acme/dave/wake";
        String erin = "acme/erin/wake";
        // a reset whose reason an alarm's rollback in the same batch replaced: left out (the rollback
        // to the last good version depends on where publications fell)
        feed(ALICE, reset(ALICE, 2, "negative transfer: loss gap 0.41 over 24 samples; rolled back"));
        feed(BOB, reset(BOB, 2, "new wake phrase 'hey marble' (was 'okay nova')"));
        feed(carol, reset(carol, 5, "reset on restore: the stored training state did not decode"));
        // a reset on restore that a new phrase followed in its batch still says so first (HeadState)
        feed(
                erin,
                reset(
                        erin,
                        3,
                        "reset on restore: the stored head did not decode; then new wake phrase 'hey"
                                + " marble' (was 'okay nova')"));
        feed(
                dave,
                head(dave, 3).toBuilder()
                        .setStatus(HeadStatus.HEAD_STATUS_ROLLED_BACK)
                        .setStatusReason("operator rollback to the source head: asked by support")
                        .build());

        assertThat(heads.operated()).containsOnlyKeys(ALICE, carol, dave, erin);
        assertThat(heads.operated().get(carol)).startsWith("version 5 reset on restore");
    }

    @Test
    void aCommandOnTheControlTopicLeavesOutTheHeadsItActsOnUnlessTheAdapterRejectedIt() {
        HeadReplay.Commands commands = new HeadReplay.Commands(Set.of("0@1"));
        commands.accept(control(
                "acme/alice",
                Control.newBuilder()
                        .setTenant("acme")
                        .setUser("alice")
                        .setAction(ControlAction.CONTROL_ACTION_FREEZE)));
        // offset 1: its payload names another user, so the adapter rejected it
        commands.accept(control(
                "acme/bob",
                Control.newBuilder()
                        .setTenant("evil")
                        .setUser("carol")
                        .setTask("wake")
                        .setAction(ControlAction.CONTROL_ACTION_RESET)));
        commands.accept(control(
                "acme/dan",
                Control.newBuilder()
                        .setTenant("acme")
                        .setUser("dan")
                        .setTask("wake")
                        .setAction(ControlAction.CONTROL_ACTION_RESET)));
        commands.accept(control(
                "acme/erin",
                Control.newBuilder()
                        .setTenant("acme")
                        .setUser("erin")
                        .setTask("wake")
                        .setAction(ControlAction.CONTROL_ACTION_ERASE)));
        commands.accept(
                new ConsumerRecord<>(Topics.CONTROL, 0, offset++, bytes("acme/carol"), new byte[] {(byte) 0xff}));
        commands.accept(new ConsumerRecord<>(
                Topics.CONTROL,
                0,
                offset++,
                bytes("no-slash"),
                control("x", Control.newBuilder()).value()));

        assertThat(commands.on(head(ALICE, 1)))
                .hasValueSatisfying(d -> assertThat(d).isEqualTo("control freeze at headstream.control-0@0"));
        assertThat(commands.on(head("acme/alice/speaker", 1)))
                .as("every head of the user")
                .isPresent();
        assertThat(commands.on(head(BOB, 1)))
                .as("a command the adapter rejected")
                .isEmpty();
        assertThat(commands.on(head("evil/carol/wake", 1))).isEmpty();
        assertThat(commands.on(head("acme/dan/wake", 1))).isPresent();
        assertThat(commands.on(head("acme/dan/speaker", 1)))
                .as("only the named task")
                .isEmpty();
        assertThat(commands.on(head("acme/erin/speaker", 1)))
                .as("an erase forgets every head of the user, whatever task it names")
                .isPresent();
        assertThat(commands.on(head("acme/carol/wake", 1)))
                .as("a payload that does not parse")
                .isEmpty();
    }

    private ConsumerRecord<byte[], byte[]> control(String key, Control.Builder c) {
        return new ConsumerRecord<>(
                Topics.CONTROL, 0, offset++, bytes(key), c.build().toByteArray());
    }

    private static HeadUpdate reset(String headId, long version, String reason) {
        return head(headId, version).toBuilder()
                .setStatus(HeadStatus.HEAD_STATUS_RESET)
                .setStatusReason(reason)
                .build();
    }

    private void feed(String key, HeadUpdate value) {
        heads.accept(new ConsumerRecord<>(
                Topics.HEADS, 0, offset++, bytes(key), value == null ? null : value.toByteArray()));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static HeadUpdate head(String headId, long version) {
        String[] p = headId.split("/");
        return HeadUpdate.newBuilder()
                .setHeadId(headId)
                .setTenant(p[0])
                .setUser(p[1])
                .setTask(p[2])
                .setVersion(version)
                .setStatus(HeadStatus.HEAD_STATUS_ACTIVE)
                .build();
    }
}
