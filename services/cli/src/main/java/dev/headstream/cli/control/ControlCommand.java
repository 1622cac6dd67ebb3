package dev.headstream.cli.control;

import dev.headstream.cli.KafkaSecurityOption;
import dev.headstream.client.SampleSender;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.Control;
import dev.headstream.schemas.v1.ControlAction;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code headstream control}: sends one operator command to {@code headstream.control}, keyed
 * {@code <tenant>/<user>} like the user's samples, so the adapter instance that owns the user
 * applies it in the same transaction as that partition's samples.
 */
@Command(
        name = "control",
        mixinStandardHelpOptions = true,
        description =
                "Send an operator command for one user: reset, rollback (to the source head), freeze, unfreeze, erase,"
                        + " or forget-output (a class task's head forgets one output's data, e.g. a household member).")
public final class ControlCommand implements Callable<Integer> {

    /** The commands, as typed on the command line. */
    enum Action {
        RESET(ControlAction.CONTROL_ACTION_RESET),
        ROLLBACK(ControlAction.CONTROL_ACTION_ROLLBACK),
        FREEZE(ControlAction.CONTROL_ACTION_FREEZE),
        UNFREEZE(ControlAction.CONTROL_ACTION_UNFREEZE),
        ERASE(ControlAction.CONTROL_ACTION_ERASE),
        FORGET_OUTPUT(ControlAction.CONTROL_ACTION_FORGET_OUTPUT);

        final ControlAction wire;

        Action(ControlAction wire) {
            this.wire = wire;
        }
    }

    @Spec
    CommandSpec spec;

    @Parameters(
            index = "0",
            description =
                    "What to do: reset, rollback, freeze, unfreeze, erase or forget-output (needs --task and --output).")
    String action;

    @Parameters(index = "1", description = "The user, as '<tenant>/<user>'.")
    String user;

    @Option(
            names = "--task",
            defaultValue = "",
            description = "Only this task's head (default: every head of the user).")
    String task;

    @Option(
            names = "--output",
            defaultValue = "",
            description = "forget-output: the output (class or label name) of the class task --task to forget.")
    String output;

    @Option(
            names = "--reason",
            defaultValue = "",
            description = "Free text carried into the published head's status reason.")
    String reason;

    @Option(
            names = "--bootstrap",
            defaultValue = "127.0.0.1:9092",
            description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}).")
    String bootstrap;

    @Mixin
    KafkaSecurityOption kafkaSecurity;

    @Override
    public Integer call() {
        Action a;
        try {
            a = Action.valueOf(action.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "unknown action '" + action
                            + "'; expected one of reset, rollback, freeze, unfreeze, erase, forget-output");
        }
        if ((a == Action.FORGET_OUTPUT) != !output.isEmpty() || (a == Action.FORGET_OUTPUT && task.isEmpty())) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    a == Action.FORGET_OUTPUT
                            ? "forget-output needs --task (a class task) and --output (one of its outputs)"
                            : "--output goes with forget-output only");
        }
        UserKey key;
        try {
            key = UserKey.parse(user);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "bad user '" + user + "': " + e.getMessage());
        }
        Control c = Control.newBuilder()
                .setTenant(key.tenant())
                .setUser(key.user())
                .setTask(task)
                .setAction(a.wire)
                .setReason(reason)
                .setOutput(output)
                .build();
        try (SampleSender sender = new SampleSender(kafkaSecurity.connection(bootstrap))) {
            sender.send(Topics.CONTROL, key.toString(), c.toByteArray());
            sender.flush();
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
                Locale.ROOT,
                "sent %s for %s%s to %s; %s (rejects on %s)%n",
                a.name().toLowerCase(Locale.ROOT).replace('_', '-'),
                key,
                (task.isEmpty() ? "" : " task " + task) + (output.isEmpty() ? "" : " output " + output),
                Topics.CONTROL,
                a == Action.FREEZE || a == Action.UNFREEZE
                        ? "the adapter keeps it in the user's state on " + Topics.ADAPTER_STATE
                                + " (no head version or metrics record: the head is scored"
                                + (a == Action.FREEZE ? " but not trained" : " and trained again") + ")"
                        : "the adapter publishes the result on " + Topics.HEADS,
                Topics.REJECTED);
        out.flush();
        return 0;
    }
}
