package dev.headstream.cli.heads;

import dev.headstream.cli.KafkaSecurityOption;
import dev.headstream.client.KafkaConnection;
import dev.headstream.client.TopicReader;
import dev.headstream.schemas.Topics;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Lists the newest committed version of every head on {@value Topics#HEADS} (read to its end, the
 * whole compacted topic) with the alarms of its newest record on {@value Topics#METRICS}.
 */
@Command(
        name = "heads",
        mixinStandardHelpOptions = true,
        description = "List users' newest head versions from headstream.heads with the alarms of their newest"
                + " metrics (read_committed). When the newest metrics record scored another version than the one"
                + " listed (metrics lag the heads), ALARMS says which: 'held-at-source (metrics of v4)'.")
public final class HeadsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--bootstrap",
            defaultValue = "127.0.0.1:9092",
            description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}).")
    String bootstrap;

    @Mixin
    KafkaSecurityOption kafkaSecurity;

    @Option(names = "--tenant", description = "Only heads of this tenant (repeatable).")
    List<String> tenants = new ArrayList<>();

    @Option(names = "--user", description = "Only heads of this user id, in any tenant unless --tenant (repeatable).")
    List<String> users = new ArrayList<>();

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Option(
            names = "--timeout",
            defaultValue = "PT30S",
            description = "How long to read each topic for, ISO-8601 (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() {
        HeadList list = new HeadList(new HeadList.Filter(Set.copyOf(tenants), Set.copyOf(users)));
        KafkaConnection kafka = kafkaSecurity.connection(bootstrap);
        TopicReader.forEach(kafka, Topics.HEADS, timeout, true, list::acceptHead);
        TopicReader.forEach(kafka, Topics.METRICS, timeout, true, list::acceptMetrics);
        List<HeadList.Row> rows = list.rows();
        List<String> skipped = list.skipped();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.print(HeadTable.json(rows, skipped));
        } else {
            PrintWriter err = spec.commandLine().getErr();
            skipped.forEach(line -> err.println("warning: skipped " + line));
            err.flush();
            out.print(HeadTable.text(rows));
        }
        out.flush();
        return 0;
    }
}
