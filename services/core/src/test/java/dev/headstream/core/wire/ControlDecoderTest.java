package dev.headstream.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.control.ControlCommand;
import dev.headstream.core.ingest.SampleRejectedException;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.v1.Control;
import dev.headstream.schemas.v1.ControlAction;
import dev.headstream.schemas.v1.RejectReason;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControlDecoderTest {

    private final ControlDecoder decoder = new ControlDecoder(List.of("wake", "kws"));

    private static byte[] key(String k) {
        return k.getBytes(StandardCharsets.UTF_8);
    }

    private static Control.Builder control(ControlAction action) {
        return Control.newBuilder().setTenant("acme").setUser("alice").setAction(action);
    }

    private RejectReason rejection(byte[] key, byte[] value) {
        try {
            decoder.decode(key, value);
        } catch (SampleRejectedException e) {
            assertThat(e.sampleId()).isEmpty();
            return e.reason();
        }
        throw new AssertionError("not rejected");
    }

    @Test
    void decodesEveryActionWithItsTaskAndReason() {
        ControlCommand c = decoder.decode(
                key("acme/alice"),
                control(ControlAction.CONTROL_ACTION_RESET)
                        .setTask("wake")
                        .setReason("ticket 42")
                        .build()
                        .toByteArray());
        assertThat(c)
                .isEqualTo(new ControlCommand(
                        new UserKey("acme", "alice"), ControlCommand.Action.RESET, "wake", "ticket 42"));
        assertThat(c.verb()).isEqualTo("reset");
        assertThat(c.allTasks()).isFalse();
        assertThat(decoder.decode(
                                key("acme/alice"),
                                control(ControlAction.CONTROL_ACTION_ROLLBACK)
                                        .build()
                                        .toByteArray())
                        .action())
                .isEqualTo(ControlCommand.Action.ROLLBACK);
        assertThat(decoder.decode(
                                key("acme/alice"),
                                control(ControlAction.CONTROL_ACTION_FREEZE)
                                        .build()
                                        .toByteArray())
                        .action())
                .isEqualTo(ControlCommand.Action.FREEZE);
        assertThat(decoder.decode(
                                key("acme/alice"),
                                control(ControlAction.CONTROL_ACTION_UNFREEZE)
                                        .build()
                                        .toByteArray())
                        .action())
                .isEqualTo(ControlCommand.Action.UNFREEZE);
        ControlCommand erase = decoder.decode(
                key("acme/alice"),
                control(ControlAction.CONTROL_ACTION_ERASE).build().toByteArray());
        assertThat(erase.action()).isEqualTo(ControlCommand.Action.ERASE);
        assertThat(erase.allTasks()).isTrue();
    }

    @Test
    void rejectsEachProblemWithItsReasonCode() {
        byte[] reset = control(ControlAction.CONTROL_ACTION_RESET).build().toByteArray();
        assertThat(rejection(key("acme/alice"), new byte[ControlDecoder.MAX_CONTROL_BYTES + 1]))
                .isEqualTo(RejectReason.TOO_LARGE);
        assertThat(rejection(null, reset)).isEqualTo(RejectReason.BAD_KEY);
        assertThat(rejection(key("acme-alice"), reset)).isEqualTo(RejectReason.BAD_KEY);
        assertThat(rejection(key("acme/alice"), new byte[] {(byte) 0xff})).isEqualTo(RejectReason.MALFORMED);
        assertThat(rejection(key("acme/bob"), reset)).isEqualTo(RejectReason.TENANT_MISMATCH);
        assertThat(rejection(
                        key("acme/alice"),
                        control(ControlAction.CONTROL_ACTION_ERASE)
                                .setTask("other")
                                .build()
                                .toByteArray()))
                .isEqualTo(RejectReason.UNKNOWN_TASK);
        assertThat(rejection(
                        key("acme/alice"),
                        control(ControlAction.CONTROL_ACTION_UNSPECIFIED)
                                .build()
                                .toByteArray()))
                .isEqualTo(RejectReason.MALFORMED);
        assertThat(rejection(key("acme/alice"), null))
                .as("an empty record names no user")
                .isEqualTo(RejectReason.TENANT_MISMATCH);
        assertThatThrownBy(() -> decoder.decode(
                        key("acme/alice"),
                        control(ControlAction.CONTROL_ACTION_ROLLBACK)
                                .setToVersion(3)
                                .build()
                                .toByteArray()))
                .isInstanceOf(SampleRejectedException.class)
                .hasMessage("rollback to version 3 is not possible: earlier versions are not kept, only to_version 0"
                        + " (the source head)");
        assertThatThrownBy(() -> decoder.decode(
                        key("acme/alice"),
                        control(ControlAction.CONTROL_ACTION_RESET)
                                .setTask("other")
                                .build()
                                .toByteArray()))
                .hasMessage("unknown task 'other'; configured: [kws, wake]");
    }
}
