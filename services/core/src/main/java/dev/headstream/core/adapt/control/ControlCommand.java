package dev.headstream.core.adapt.control;

import dev.headstream.core.adapt.state.ClassHeadState;
import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.ingest.UserKey;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A validated operator command from {@code headstream.control} for one user: reset, roll back to
 * the source head, freeze or unfreeze their heads (all of them, or one task's), or erase the user.
 * The record key, not the payload, names the user; a command whose payload names another user
 * never gets this far. Immutable.
 *
 * @param key    the user
 * @param action what to do
 * @param task   the task whose head it acts on; empty for every head of the user
 * @param reason the operator's reason, or empty
 * @param output {@link Action#FORGET_OUTPUT}: the output's name; else empty
 */
public record ControlCommand(UserKey key, Action action, String task, String reason, String output) {

    /** How the status reason of every head version a command made starts. */
    public static final String REASON_PREFIX = "operator ";

    /** What a command does. */
    public enum Action {
        /** Back to the source head with every per-head setting of a new head; published as RESET. */
        RESET,
        /** Back to the source head (keeping the frozen flag); published as ROLLED_BACK. */
        ROLLBACK,
        /** Stop training: samples are still scored; metrics only. */
        FREEZE,
        /** Resume training. */
        UNFREEZE,
        /** Forget the user: their state and heads get tombstones. */
        ERASE,
        /**
         * A class head forgets one output's data and is rebuilt from its start on what it keeps;
         * published as RESET.
         */
        FORGET_OUTPUT
    }

    public ControlCommand {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(output, "output");
    }

    /** A command that names no output (every action but {@link Action#FORGET_OUTPUT}). */
    public ControlCommand(UserKey key, Action action, String task, String reason) {
        this(key, action, task, reason, "");
    }

    /** Whether the command acts on every head of the user rather than one task's. */
    public boolean allTasks() {
        return task.isEmpty();
    }

    /** The action as a verb, for messages: {@code "reset"}, {@code "rollback"}, ... */
    public String verb() {
        return action.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The tasks of {@code user}'s heads the command acts on, in the user's task order: every head,
     * or the named task's if the user has one; none when {@code user} is null.
     */
    public List<String> tasksOf(UserState user) {
        if (allTasks()) {
            return user == null ? List.of() : List.copyOf(user.taskNames());
        }
        return user != null && user.taskNames().contains(task) ? List.of(task) : List.of();
    }

    /**
     * Applies the command to one head {@code h} of {@code headTask} (not for {@link Action#ERASE},
     * which acts on the user).
     */
    public void applyTo(BinaryHeadTask headTask, HeadState h) {
        String why = reason.isEmpty() ? "" : ": " + reason;
        switch (action) {
            case RESET -> headTask.operatorReset(h, REASON_PREFIX + "reset" + why);
            case ROLLBACK -> headTask.operatorRollback(h, REASON_PREFIX + "rollback to the source head" + why);
            case FREEZE -> headTask.operatorFreeze(h, true);
            case UNFREEZE -> headTask.operatorFreeze(h, false);
            case ERASE -> throw new IllegalStateException("an erasure acts on the user, not on a head");
            case FORGET_OUTPUT -> throw new IllegalStateException("a binary head has no outputs to forget");
        }
    }

    /** {@link #applyTo(BinaryHeadTask, HeadState)} for a head {@code h} of class task {@code headTask}. */
    public void applyTo(ClassHeadTask headTask, ClassHeadState h) {
        String why = reason.isEmpty() ? "" : ": " + reason;
        switch (action) {
            case RESET -> headTask.operatorReset(h, REASON_PREFIX + "reset" + why);
            case ROLLBACK -> headTask.operatorRollback(h, REASON_PREFIX + "rollback to the start head" + why);
            case FREEZE -> h.freeze(true);
            case UNFREEZE -> h.freeze(false);
            case ERASE -> throw new IllegalStateException("an erasure acts on the user, not on a head");
            case FORGET_OUTPUT ->
                headTask.forgetOutput(
                        h,
                        headTask.recipe().labels().indexOf(output),
                        REASON_PREFIX + "removed output '" + output + "'" + why);
        }
    }
}
