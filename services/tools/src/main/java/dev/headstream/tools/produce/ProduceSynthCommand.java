package dev.headstream.tools.produce;

import dev.headstream.cli.KafkaSecurityOption;
import dev.headstream.client.SampleSender;
import dev.headstream.runtime.speech.SpeechSynth;
import dev.headstream.testkit.synth.CachingSynthesizer;
import dev.headstream.testkit.synth.SampleRecords;
import dev.headstream.testkit.synth.SynthProgress;
import dev.headstream.testkit.synth.SyntheticClip;
import dev.headstream.testkit.synth.SyntheticPopulation;
import dev.headstream.testkit.synth.SyntheticUser;
import dev.headstream.testkit.synth.SyntheticUsers;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Synthesizes reproducible users with espeak-ng + sox and streams their labeled clips to
 * {@code headstream.samples}: every user's training clips interleaved across users, then the
 * holdout clips. The same seed gives the same users and the same bytes.
 */
@Command(
        name = "produce-synth",
        mixinStandardHelpOptions = true,
        description = "Stream synthetic users' labeled wake-word clips into headstream.samples.")
public final class ProduceSynthCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--bootstrap",
            defaultValue = "127.0.0.1:9092",
            description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}).")
    String bootstrap;

    @Mixin
    KafkaSecurityOption kafkaSecurity;

    @Option(names = "--tenant", defaultValue = "demo", description = "Tenant of the users (default ${DEFAULT-VALUE}).")
    String tenant;

    @Option(
            names = "--task",
            defaultValue = "wake",
            description = "Task the labels are for (default ${DEFAULT-VALUE}).")
    String task;

    @Option(names = "--users", defaultValue = "8", description = "Number of users (default ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--train",
            defaultValue = "12",
            description = "Training clips per label per user (default ${DEFAULT-VALUE}).")
    int train;

    @Option(
            names = "--holdout",
            defaultValue = "10",
            description = "Holdout clips per label per user (default ${DEFAULT-VALUE}).")
    int holdout;

    @Option(
            names = "--cache-dir",
            defaultValue = "${sys:headstream.home:-.}/.run/synth-cache",
            description = "Synthesized speech cache (default ${DEFAULT-VALUE}).")
    Path cacheDir;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        SyntheticPopulation pop = new SyntheticUsers(SyntheticUsers.Config.defaults(seed)
                        .withUsers(users)
                        .withTrain(train, train)
                        .withHoldout(holdout, holdout)
                        .withBackground(0, 0))
                .generate(new CachingSynthesizer(new SpeechSynth(), cacheDir), 2, SynthProgress.lines(100, line -> {
                    out.println(line);
                    out.flush();
                }));
        try (SampleSender sender = new SampleSender(kafkaSecurity.connection(bootstrap))) {
            int max = pop.users().stream().mapToInt(u -> u.train().size()).max().orElse(0);
            for (int i = 0; i < max; i++) {
                for (SyntheticUser u : pop.users()) {
                    if (i < u.train().size()) {
                        send(sender, u.train().get(i));
                    }
                }
            }
            for (SyntheticUser u : pop.users()) {
                u.holdout().forEach(c -> send(sender, c));
            }
            sender.flush();
            out.printf(
                    "produce-synth: %d samples of %d users sent to %s%n",
                    sender.sent(), pop.users().size(), bootstrap);
        }
        return 0;
    }

    private void send(SampleSender sender, SyntheticClip c) {
        sender.send(
                SampleRecords.key(tenant, c.userId()),
                SampleRecords.sample(tenant, task, c).toByteArray());
    }
}
