package dev.headstream.core.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.core.adapt.control.ControlCommand;
import dev.headstream.core.ingest.SampleRejectedException;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.v1.Control;
import dev.headstream.schemas.v1.ControlAction;
import dev.headstream.schemas.v1.RejectReason;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns a raw {@code headstream.control} record into a {@link ControlCommand}, or throws a
 * {@link SampleRejectedException} with the reason code (its sample id is empty). Checks, in order:
 * size (before parsing), key (its length first), protobuf, tenant/user consistency with the key,
 * task, action (a rollback only to version 0, the source head). Rejection messages quote payload
 * values only {@link Bounded bounded}; the operator's reason is kept to {@value #MAX_REASON_CHARS}
 * characters. Thread-safe.
 */
public final class ControlDecoder {

    /** Largest control record accepted, in bytes (checked before parsing). */
    public static final int MAX_CONTROL_BYTES = 64 * 1024;

    /** Most characters of an operator's reason kept (and published); a longer one is cut and marked. */
    public static final int MAX_REASON_CHARS = 512;

    private final Set<String> tasks;

    /** @param tasks the configured task names */
    public ControlDecoder(Collection<String> tasks) {
        this.tasks = new TreeSet<>(tasks);
    }

    public ControlCommand decode(byte[] key, byte[] value) {
        if (value != null && value.length > MAX_CONTROL_BYTES) {
            throw reject(
                    RejectReason.TOO_LARGE,
                    "control record of " + value.length + " bytes exceeds " + MAX_CONTROL_BYTES);
        }
        UserKey user;
        try {
            UserKey.checkLength(key);
            user = UserKey.parse(key == null ? null : new String(key, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw reject(RejectReason.BAD_KEY, e.getMessage());
        }
        Control cmd;
        try {
            cmd = Control.parseFrom(value == null ? new byte[0] : value);
        } catch (InvalidProtocolBufferException e) {
            throw reject(RejectReason.MALFORMED, "not a Control record: " + e.getMessage());
        }
        if (!cmd.getTenant().equals(user.tenant()) || !cmd.getUser().equals(user.user())) {
            throw reject(
                    RejectReason.TENANT_MISMATCH,
                    "control for '" + Bounded.id(cmd.getTenant()) + "/" + Bounded.id(cmd.getUser())
                            + "' under record key '" + user + "'");
        }
        if (!cmd.getTask().isEmpty() && !tasks.contains(cmd.getTask())) {
            throw reject(
                    RejectReason.UNKNOWN_TASK,
                    "unknown task '" + Bounded.id(cmd.getTask()) + "'; configured: " + tasks);
        }
        ControlAction action = cmd.getAction();
        ControlCommand.Action a = switch (action) {
            case CONTROL_ACTION_ERASE -> ControlCommand.Action.ERASE;
            case CONTROL_ACTION_RESET -> ControlCommand.Action.RESET;
            case CONTROL_ACTION_FREEZE -> ControlCommand.Action.FREEZE;
            case CONTROL_ACTION_UNFREEZE -> ControlCommand.Action.UNFREEZE;
            case CONTROL_ACTION_ROLLBACK -> {
                if (cmd.getToVersion() != 0) {
                    throw reject(
                            RejectReason.MALFORMED,
                            "rollback to version " + cmd.getToVersion()
                                    + " is not possible: earlier versions are not kept, only to_version 0 (the source head)");
                }
                yield ControlCommand.Action.ROLLBACK;
            }
            case CONTROL_ACTION_FORGET_OUTPUT -> {
                if (cmd.getTask().isEmpty() || cmd.getOutput().isEmpty()) {
                    throw reject(
                            RejectReason.MALFORMED,
                            "forget-output needs the class task (task) and the output's name (output)");
                }
                yield ControlCommand.Action.FORGET_OUTPUT;
            }
            default -> throw reject(RejectReason.MALFORMED, "control record has no action (" + action + ")");
        };
        if (a != ControlCommand.Action.FORGET_OUTPUT && !cmd.getOutput().isEmpty()) {
            throw reject(RejectReason.MALFORMED, "only forget-output names an output");
        }
        // the reason is published in the head's status_reason and kept in its state
        return new ControlCommand(
                user, a, cmd.getTask(), Bounded.text(cmd.getReason(), MAX_REASON_CHARS), Bounded.id(cmd.getOutput()));
    }

    private static SampleRejectedException reject(RejectReason reason, String message) {
        return new SampleRejectedException(reason, message, "");
    }
}
