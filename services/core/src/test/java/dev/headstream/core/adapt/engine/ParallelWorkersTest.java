package dev.headstream.core.adapt.engine;

import static dev.headstream.core.adapt.engine.SmallEngine.NOW;
import static dev.headstream.core.adapt.engine.SmallEngine.control;
import static dev.headstream.core.adapt.engine.SmallEngine.record;
import static dev.headstream.core.adapt.engine.SmallEngine.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.task.AlarmAction;
import dev.headstream.core.adapt.task.BankNegatives;
import dev.headstream.core.adapt.task.BankTraining;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.HeadRecipe;
import dev.headstream.core.bank.BankPart;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.BackboneInfo;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.Rejection;
import dev.headstream.schemas.v1.ControlAction;
import dev.headstream.schemas.v1.Sample;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An engine on several worker threads computes exactly what one thread computes: the same
 * rejections in the same order, the same head versions, metrics and state records, byte for byte,
 * batch after batch, with duplicates, a rate limit, control commands and online rehearsal in the
 * mix.
 */
class ParallelWorkersTest {

    private static final int USERS = 9;

    /** Batch {@code b}: every user's samples on its partition (user index mod 3), interleaved. */
    private static List<RawSample> samples(int b) {
        List<RawSample> out = new ArrayList<>();
        long[] offsets = new long[3];
        for (int round = 0; round < 4; round++) {
            for (int u = 0; u < USERS; u++) {
                if ((u + round) % 4 == 3) {
                    continue; // users send different numbers of samples
                }
                int p = u % 3;
                String id = "b" + b + "-u" + u + "-r" + round;
                // a repeat of the previous round's sample id: DUPLICATE (it applied) or applied (it was refused)
                if (round == 2 && u == 4) {
                    id = "b" + b + "-u" + u + "-r1";
                }
                String tenant = u % 2 == 0 ? "acme" : "globex";
                out.add(record(p, 1_000L * b + offsets[p]++, sample(tenant, "user" + u, id, (u + round) % 2 == 0)));
            }
        }
        return out;
    }

    private static List<RawSample> controls(int b) {
        if (b == 1) {
            return List.of(control(1, 0, "globex", "user1", ControlAction.CONTROL_ACTION_RESET));
        }
        if (b == 2) {
            return List.of(control(2, 1, "acme", "user2", ControlAction.CONTROL_ACTION_ERASE));
        }
        return List.of();
    }

    /** Everything a batch sends and keeps, as comparable bytes and strings. */
    private static List<Object> outputs(AdaptationEngine engine, BatchResult r) {
        List<Object> out = new ArrayList<>();
        for (Rejection j : r.rejections()) {
            out.add(j.reason() + " " + j.source().partition() + "/" + j.source().offset() + " " + j.sampleId() + " "
                    + j.message());
        }
        r.heads().forEach(h -> out.add(h.toByteString()));
        r.metrics().forEach(m -> out.add(m.toByteString()));
        engine.stateRecords(r).forEach(s -> out.add(s.toByteString()));
        out.add(new ArrayList<>(r.staged().keySet()));
        out.add(r.applied());
        out.add(r.erasures());
        return out;
    }

    private static List<List<Object>> run(int workers, AdaptationEngine.OnlineRehearsal online) {
        AdaptationEngine engine = SmallEngine.engine(online, new RateLimit(60, 3), workers);
        assertThat(engine.workers()).isEqualTo(workers);
        List<List<Object>> batches = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            BatchResult r = engine.process(samples(b), controls(b), NOW + b);
            batches.add(outputs(engine, r));
            engine.commit(r);
        }
        return batches;
    }

    @Test
    void severalWorkersGiveWhatOneGivesByteForByte() {
        List<List<Object>> one = run(1, AdaptationEngine.OnlineRehearsal.OFF);
        assertThat(one.get(0)).as("the batch applies and rejects something").anyMatch(o -> o instanceof String);
        assertThat(run(2, AdaptationEngine.OnlineRehearsal.OFF)).isEqualTo(one);
        assertThat(run(4, AdaptationEngine.OnlineRehearsal.OFF)).isEqualTo(one);
    }

    @Test
    void withOnlineRehearsalAPartitionsUsersShareOneWorkerAndTheSameBitsComeOut() {
        AdaptationEngine.OnlineRehearsal online = new AdaptationEngine.OnlineRehearsal(6, Set.of("acme"), 2);
        List<List<Object>> one = run(1, online);
        assertThat(run(3, online)).isEqualTo(one);
        assertThat(run(1, AdaptationEngine.OnlineRehearsal.OFF))
                .as("online rehearsal changes what acme's users train on")
                .isNotEqualTo(one);
    }

    @Test
    void aFailureOnAWorkerFailsTheWholeBatchAsItWasThrownAndTheNextBatchRuns() {
        // a backbone that fails on one clip: the second of two chunks, embedded on the pool thread
        TensorBackbone inner = new TensorBackbone("identity", "0".repeat(64), SmallEngine.FRAMES, SmallEngine.DIM);
        Backbone failing = new Backbone() {
            @Override
            public BackboneInfo info() {
                return inner.info();
            }

            @Override
            public List<EmbeddingSequence> embed(List<? extends BackboneInput> inputs) {
                for (BackboneInput in : inputs) {
                    if (((BackboneInput.Tensor) in).values()[1] == 99f) {
                        throw new UnsupportedOperationException("poison clip");
                    }
                    if (((BackboneInput.Tensor) in).values()[1] == 98f) {
                        throw new OutOfMemoryError("as if out of memory");
                    }
                }
                return inner.embed(inputs);
            }

            @Override
            public boolean embedsEachInputAlone() {
                return inner.embedsEachInputAlone();
            }

            @Override
            public void validate(BackboneInput input) {
                inner.validate(input);
            }

            @Override
            public void close() {}
        };
        AdaptationEngine engine = SmallEngine.engine(failing, 2);
        List<RawSample> batch = new ArrayList<>(samples(0));
        Sample.Builder poison = sample("acme", "user0", "poison", true);
        poison.getTensorBuilder().setValues(1, 99f);
        batch.add(record(0, 999, poison));
        assertThatThrownBy(() -> engine.process(batch, NOW))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessage("poison clip");
        assertThat(engine.users()).isZero();
        // an Error on one worker wins over an exception on another, whichever came first
        List<RawSample> both = new ArrayList<>();
        Sample.Builder first = sample("acme", "user0", "first", true);
        first.getTensorBuilder().setValues(1, 99f);
        both.add(record(0, 900, first));
        both.addAll(samples(0));
        Sample.Builder oom = sample("acme", "user1", "oom", true);
        oom.getTensorBuilder().setValues(1, 98f);
        both.add(record(1, 900, oom));
        assertThatThrownBy(() -> engine.process(both, NOW))
                .isInstanceOf(OutOfMemoryError.class)
                .satisfies(e -> assertThat(e.getSuppressed())
                        .singleElement()
                        .isInstanceOf(UnsupportedOperationException.class));
        BatchResult r = engine.process(samples(0), NOW);
        assertThat(r.applied()).isPositive();
        engine.commit(r);
        assertThat(engine.users()).isEqualTo(USERS);
    }

    @Test
    void withOnlineRehearsalAUserOnTwoPartitionsJoinsThemOnOneWorker() {
        // the partition check is off in the engine, so a user's records may sit on two partitions
        AdaptationEngine.OnlineRehearsal online = new AdaptationEngine.OnlineRehearsal(6, Set.of("acme"), 2);
        List<RawSample> batch = List.of(
                record(0, 0, sample("acme", "alice", "a1", true)),
                record(1, 0, sample("acme", "alice", "a2", false)),
                record(0, 1, sample("acme", "alice", "a3", true)),
                record(1, 1, sample("acme", "alice", "a1", false)),
                record(0, 2, sample("acme", "bob", "b1", false)),
                record(2, 0, sample("acme", "carol", "c1", false)));
        List<List<Object>> outputs = new ArrayList<>();
        for (int workers : new int[] {1, 2, 3}) {
            AdaptationEngine engine = SmallEngine.engine(online, RateLimit.OFF, workers);
            BatchResult r = engine.process(batch, NOW);
            outputs.add(outputs(engine, r));
            assertThat(r.rejections())
                    .as("%d workers: alice's repeated id is a duplicate", workers)
                    .extracting(Rejection::sampleId)
                    .containsExactly("a1");
        }
        assertThat(outputs.get(1)).isEqualTo(outputs.get(0));
        assertThat(outputs.get(2)).isEqualTo(outputs.get(0));
    }

    @Test
    void aLoraTaskOnANegativeBankGivesTheSameBytesOnAnyNumberOfWorkers(@TempDir Path dir) throws IOException {
        // the default kind of task: LoRA deltas, hard negatives mined from a bank, thresholds on a
        // calibration pool moved by slices; every worker has its own task instance on the shared bank
        SplittableRandom r = new SplittableRandom(17);
        float[] train = new float[400 * SmallEngine.DIM];
        float[] first = new float[1_000 * SmallEngine.DIM];
        float[] second = new float[2_000 * SmallEngine.DIM];
        for (float[] part : List.of(train, first, second)) {
            for (int i = 0; i < part.length; i++) {
                part[i] = (float) (r.nextGaussian() - (i % SmallEngine.DIM == 0 ? 1.0 : 0.0));
            }
        }
        BankPart.write(
                dir.resolve(NegativeBank.TRAIN_FILE),
                "0".repeat(64),
                SmallEngine.DIM,
                List.of("v1"),
                List.of(new BankPart.Segment(0, 400)),
                List.of(train));
        BankPart.write(
                dir.resolve(NegativeBank.CALIBRATION_FILE),
                "0".repeat(64),
                SmallEngine.DIM,
                List.of("v2", "v3"),
                List.of(new BankPart.Segment(0, 1_000), new BankPart.Segment(1, 2_000)),
                List.of(first, second));
        NegativeBank bank = NegativeBank.open(dir);
        HeadRecipe lora = new HeadRecipe(
                1, HeadRecipe.OptimizerKind.ADAM, 1e-2f, 1e-3f, 10f, 3, 8, 2, 2, SmallEngine.WINDOW, 0.75f, true, 2);
        BankNegatives prepared = BinaryHeadTask.prepareBank(bank, SmallEngine.source(), lora);
        List<List<Object>> outputs = new ArrayList<>();
        for (int workers : new int[] {1, 2, 3}) {
            BinaryHeadTask task = new BinaryHeadTask(
                    SmallEngine.TASK,
                    SmallEngine.source(),
                    lora,
                    SmallEngine.rehearsal(),
                    AlarmAction.PROBATION,
                    2.0,
                    prepared,
                    BankTraining.defaults().withMining(64, 8).withCalibration(32, 7));
            AdaptationEngine engine = SmallEngine.engine(task, workers);
            List<Object> all = new ArrayList<>();
            for (int b = 0; b < 3; b++) {
                BatchResult result = engine.process(samples(b), controls(b), NOW + b);
                all.addAll(outputs(engine, result));
                engine.commit(result);
            }
            outputs.add(all);
        }
        assertThat(outputs.get(0))
                .as("heads were published")
                .anyMatch(o -> o instanceof com.google.protobuf.ByteString);
        assertThat(outputs.get(1)).isEqualTo(outputs.get(0));
        assertThat(outputs.get(2)).isEqualTo(outputs.get(0));
    }

    @Test
    void theWorkerCountIsChecked() {
        assertThatThrownBy(() -> SmallEngine.engine(AdaptationEngine.OnlineRehearsal.OFF, RateLimit.OFF, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("workers");
        assertThatThrownBy(() -> SmallEngine.engine(
                        AdaptationEngine.OnlineRehearsal.OFF, RateLimit.OFF, AdaptationEngine.MAX_WORKERS + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(SmallEngine.engine(AdaptationEngine.OnlineRehearsal.OFF, RateLimit.OFF, 0)
                        .workers())
                .isEqualTo(Runtime.getRuntime().availableProcessors());
    }
}
