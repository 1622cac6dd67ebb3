package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.testkit.audit.OutputAudit;
import dev.headstream.testkit.synth.SyntheticPopulation;
import dev.headstream.testkit.synth.SyntheticUsers;
import dev.headstream.tools.soak.FaultSoak;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Faults (1) kill -9 three times, (2) rebalance 1 -> 3 -> 1 and (3) broker restart, CI-sized:
 * 16 users x 8 samples on 4 partitions, the producer still sending when each fault strikes. Every
 * invariant is asserted on its own: all samples applied, exactly one metrics record per sample
 * (each head's samples_seen runs 1..8), every head version once and in order, no reject, and every
 * head bit-identical to a replay of the samples topic. {@code ./headstream soak} runs the same
 * scenarios at full size (10,000 samples over 200 users).
 */
class FaultSoakIT {

    private static final int USERS = 16;
    private static final int SAMPLES_PER_USER = 8;

    private static SyntheticPopulation pool;
    private static Path work;
    private static Path rehearsal;

    @BeforeAll
    static void population() throws Exception {
        work = Files.createTempDirectory(Path.of("target"), "fault-soak-it");
        pool = ItSupport.population(SyntheticUsers.Config.defaults(17)
                .withUsers(4)
                .withTrain(4, 4)
                .withHoldout(0, 0)
                .withBackground(2, 4));
        rehearsal = ItSupport.writeReferenceSet(work, pool, FaultSoak.TASK);
    }

    @ParameterizedTest
    @EnumSource(FaultSoak.Scenario.class)
    void outputIsExactlyOnceAndHeadsEqualTheReplay(FaultSoak.Scenario scenario) throws Exception {
        soak(scenario, false);
    }

    /**
     * The same with each instance's users on disk: kills restart from the store's checkpoints, the
     * rebalance hands partitions back to an instance whose store kept them while others wrote on.
     */
    @ParameterizedTest
    @EnumSource(
            value = FaultSoak.Scenario.class,
            names = {"KILL", "REBALANCE"})
    void withStateOnDiskOutputIsExactlyOnceAndHeadsEqualTheReplay(FaultSoak.Scenario scenario) throws Exception {
        soak(scenario, true);
    }

    private static void soak(FaultSoak.Scenario scenario, boolean stateOnDisk) throws Exception {
        String label = scenario.label() + (stateOnDisk ? "-on-disk" : "");
        FaultSoak.Config config = new FaultSoak.Config(
                scenario,
                USERS,
                SAMPLES_PER_USER,
                4,
                2,
                32,
                ItSupport.models(),
                ItSupport.adapterJar(),
                work.resolve(label),
                rehearsal,
                ItSupport.testBank(),
                Duration.ofMinutes(6),
                stateOnDisk);
        FaultSoak.Report r = FaultSoak.run(config, pool.users(), line -> System.out.println("[" + label + "] " + line));

        assertThat(r.faultsInjected())
                .as("faults injected mid-stream")
                .isEqualTo(r.faultsPlanned())
                .isPositive();
        assertThat(r.sendFailures()).isZero();
        OutputAudit.Result a = r.audit();
        assertThat(a.errors()).as("exactly-once violations").isEmpty();
        assertThat(a.metricsRecords()).as("one metrics record per sample").isEqualTo((long) USERS * SAMPLES_PER_USER);
        assertThat(a.heads()).isEqualTo(USERS);
        assertThat(a.rejectCount()).isZero();
        assertThat(r.replay().differences()).isEmpty();
        assertThat(r.replay().identical())
                .as("heads bit-identical to the replay")
                .isEqualTo(USERS);
        assertThat(r.passed()).isTrue();
        if (stateOnDisk) {
            // the instances that restarted (kill) or got their partitions back (rebalance: instance a)
            // read at least one partition from their store's checkpoint, not from the changelog's start
            List<String> logs = scenario == FaultSoak.Scenario.KILL
                    ? List.of("adapter-a-2.log", "adapter-a-3.log", "adapter-a-4.log")
                    : List.of("adapter-a-1.log");
            for (String log : logs) {
                assertThat(read(work.resolve(label).resolve(log)))
                        .as("%s read a partition from its state store's checkpoint", log)
                        .contains("(the state store's checkpoint)");
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
