package dev.headstream.core.adapt.engine;

import static dev.headstream.core.adapt.engine.SmallEngine.NOW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.NearMissSet;
import dev.headstream.core.adapt.task.NearMissesBusyException;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.BackboneStoppedException;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.ingest.RateLimit;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.wire.SampleDecoder;
import dev.headstream.schemas.v1.FloatTensor;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.RejectReason;
import dev.headstream.schemas.v1.Sample;
import dev.headstream.schemas.v1.Split;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * A task whose wake phrase each user names in their samples, through the engine: the phrase comes
 * from the sample (as a head keeps it), a head learns its phrase's near misses, another phrase
 * resets the head, and a phrase nobody can use is rejected with the reason.
 */
class PhrasePerUserEngineTest {

    private static final String OWN = "own";

    /** Phrases asked of the library, with how often. */
    private final Map<String, Integer> asked = new ConcurrentHashMap<>();

    private NearMissSet nearMisses(String phrase) {
        asked.merge(phrase, 1, Integer::sum);
        if (phrase.equals("mmm")) {
            throw new IllegalArgumentException("'mmm' (m@m) has no phoneme that has a near miss");
        }
        if (phrase.equals("tools down")) {
            throw new IllegalStateException("espeak-ng exited 1");
        }
        if (phrase.equals("tools hiccup") && asked.get(phrase) == 1) {
            throw new IllegalStateException("espeak-ng could not start");
        }
        if (phrase.equals("shutting down")) {
            // the near misses' embedding met a backbone that stopped with the process
            throw new IllegalStateException(
                    "cannot embed the near misses", new BackboneStoppedException("no model runs now"));
        }
        if (phrase.equals("one too many")) {
            throw new NearMissesBusyException("this batch already made those of 2 phrases");
        }
        List<EmbeddingSequence> clips = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            // near misses score just under the positives on the source head ([z, 0] -> z)
            clips.add(new EmbeddingSequence(1, 2, new float[] {1f + 0.1f * i + phrase.length() * 0.01f, 0f}));
        }
        return NearMissSet.of(phrase, List.of(phrase), clips);
    }

    private AdaptationEngine engine() {
        Backbone backbone = new TensorBackbone("pass-through", "1".repeat(64), 1, 2);
        BinaryHeadTask own = TinyEngine.task(OWN, TinyEngine.SOURCE.sha256()).withPhrasePerUser(this::nearMisses);
        SampleDecoder decoder = new SampleDecoder(
                1 << 16, backbone, Map.of(OWN, TaskKind.binary(), TinyEngine.TASK, TaskKind.binary()), Set.of(OWN));
        return new AdaptationEngine(
                backbone,
                decoder,
                Map.of(OWN, own, TinyEngine.TASK, TinyEngine.task(TinyEngine.SOURCE.sha256())),
                64,
                1,
                AdaptationEngine.OnlineRehearsal.OFF,
                RateLimit.OFF,
                AdaptationEngine.UNBOUNDED,
                2);
    }

    private static RawSample sample(long offset, String user, String task, String phrase) {
        return sample(offset, user, task, phrase, true, Split.SPLIT_TRAIN);
    }

    private static RawSample sample(
            long offset, String user, String task, String phrase, boolean positive, Split split) {
        Sample s = Sample.newBuilder()
                .setSampleId("s" + offset)
                .setTensor(FloatTensor.newBuilder()
                        .addShape(1)
                        .addShape(2)
                        .addValues(2f)
                        .addValues(0f))
                .putLabels(task, Label.newBuilder().setBinary(positive).build())
                .setPhrase(phrase)
                .setSplit(split)
                .build();
        return new RawSample(0, offset, user.getBytes(StandardCharsets.UTF_8), s.toByteArray());
    }

    private static HeadUpdate head(BatchResult r, String user) {
        return r.heads().stream()
                .filter(h -> h.getUser().equals(user) && h.getTask().equals(OWN))
                .reduce((a, b) -> b)
                .orElseThrow();
    }

    @Test
    void eachUsersHeadLearnsTheNearMissesOfThePhraseTheirSamplesName() {
        AdaptationEngine engine = engine();
        BatchResult r = engine.process(
                List.of(
                        sample(0, "acme/alice", OWN, "Okay  Nova"),
                        sample(1, "acme/bob", OWN, "hello sunny"),
                        sample(2, "acme/alice", OWN, ""),
                        sample(3, "acme/bob", OWN, "hello sunny")),
                NOW);
        assertThat(r.rejections()).isEmpty();
        HeadUpdate alice = head(r, "alice");
        HeadUpdate bob = head(r, "bob");
        assertThat(alice.getProvenance().getPhrase())
                .as("as a head keeps a phrase")
                .isEqualTo("okay nova");
        assertThat(bob.getProvenance().getPhrase()).isEqualTo("hello sunny");
        assertThat(alice.getProvenance().getNearMissesLearned()).isEqualTo(4);
        assertThat(alice.getProvenance().getNearMissesSha256())
                .isEqualTo(nearMisses("okay nova").sha256())
                .isNotEqualTo(bob.getProvenance().getNearMissesSha256());
        assertThat(alice.getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_ACTIVE);
        engine.commit(r);

        // another phrase is another wake word: back to the start, published as RESET
        BatchResult again = engine.process(List.of(sample(4, "acme/alice", OWN, "wake up luna")), NOW + 1);
        HeadUpdate reset = head(again, "alice");
        assertThat(reset.getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_RESET);
        assertThat(reset.getStatusReason()).contains("new wake phrase 'wake up luna' (was 'okay nova')");
        assertThat(reset.getProvenance().getPhrase()).isEqualTo("wake up luna");
        assertThat(reset.getProvenance().getNearMissesLearned()).isEqualTo(2);
        assertThat(reset.getVersion()).isGreaterThan(alice.getVersion());
    }

    @Test
    void aPhraseThatIsNotSpeakableOrThatNoLabeledTaskTakesIsRejectedMalformed() {
        AdaptationEngine engine = engine();
        BatchResult r = engine.process(
                List.of(
                        sample(0, "acme/alice", OWN, "hey-jarvis!"),
                        sample(1, "acme/alice", TinyEngine.TASK, "okay nova"),
                        sample(2, "acme/alice", OWN, "x".repeat(65)),
                        sample(3, "acme/alice", TinyEngine.TASK, "")),
                NOW);
        assertThat(r.rejections()).hasSize(3);
        assertThat(r.rejections()).allSatisfy(j -> assertThat(j.reason()).isEqualTo(RejectReason.MALFORMED));
        assertThat(r.rejections().get(0).message()).contains("phrase must be English words");
        assertThat(r.rejections().get(1).message())
                .contains("labels no task whose phrase is per user")
                .contains("[own]");
        assertThat(r.applied()).as("the sample without a phrase").isEqualTo(1);
        assertThat(asked).as("nothing synthesized for a rejected phrase").isEmpty();
    }

    @Test
    void aPhraseWhoseNearMissesCannotBeMadeRejectsItsSampleAndTheRestApplies() {
        AdaptationEngine engine = engine();
        BatchResult r = engine.process(
                List.of(
                        sample(0, "acme/alice", OWN, "mmm"),
                        sample(1, "acme/bob", OWN, "tools down"),
                        sample(2, "acme/carol", OWN, "okay nova"),
                        sample(3, "acme/dave", OWN, "one too many")),
                NOW);
        assertThat(r.rejections())
                .extracting(j -> j.reason())
                .containsExactly(RejectReason.PROCESSING_FAILED, RejectReason.PROCESSING_FAILED, RejectReason.CAPACITY);
        assertThat(r.rejections().get(2).message())
                .contains("this batch already made those of 2 phrases")
                .endsWith("send it again later");
        assertThat(r.rejections().get(0).message())
                .contains("the near misses of wake phrase 'mmm' could not be made")
                .contains("no phoneme that has a near miss")
                .endsWith("the head is unchanged");
        assertThat(r.rejections().get(1).message()).contains("could not be made: twice: espeak-ng exited 1");
        assertThat(asked.get("tools down"))
                .as("asked again after the tools failed")
                .isEqualTo(2);
        assertThat(r.applied()).isEqualTo(1);
        assertThat(head(r, "carol").getProvenance().getNearMissesLearned()).isEqualTo(2);
        assertThat(r.heads()).extracting(HeadUpdate::getUser).containsOnly("carol");
    }

    @Test
    void aBackboneThatStopsWhileNearMissesAreMadeAbortsTheBatchInsteadOfRejectingTheSample() {
        AdaptationEngine engine = engine();
        assertThatThrownBy(() -> engine.process(
                        List.of(sample(0, "acme/carol", OWN, "okay nova"), sample(1, "acme/bob", OWN, "shutting down")),
                        NOW))
                .satisfies(e -> assertThat(BackboneStoppedException.in(e)).isTrue());
        // nothing of the batch applied: carol's sample again is no duplicate, and applies
        BatchResult again = engine.process(List.of(sample(0, "acme/carol", OWN, "okay nova")), NOW);
        assertThat(again.applied()).isEqualTo(1);
        assertThat(again.rejections()).isEmpty();
    }

    @Test
    void aFailureOfTheSpeechToolsThatPassesCostsNoSample() {
        AdaptationEngine engine = engine();
        BatchResult r = engine.process(List.of(sample(0, "acme/bob", OWN, "tools hiccup")), NOW);
        assertThat(r.rejections()).isEmpty();
        assertThat(r.applied()).isEqualTo(1);
        assertThat(head(r, "bob").getProvenance().getPhrase()).isEqualTo("tools hiccup");
        assertThat(asked.get("tools hiccup")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aPhraseIsTakenFromTrainingSamplesOnlyAndOneWithoutNearMissesNeverBecomesTheHeads() {
        AdaptationEngine engine = engine();
        BatchResult r = engine.process(
                List.of(
                        // a training negative naming a phrase without near misses: refused before the head takes it
                        sample(0, "acme/alice", OWN, "mmm", false, Split.SPLIT_TRAIN),
                        sample(1, "acme/alice", OWN, "okay nova", false, Split.SPLIT_TRAIN),
                        sample(2, "acme/alice", OWN, "hello sunny", true, Split.SPLIT_HOLDOUT),
                        sample(3, "acme/alice", OWN, "okay nova", true, Split.SPLIT_HOLDOUT),
                        sample(4, "acme/alice", OWN, "", true, Split.SPLIT_TRAIN)),
                NOW);
        assertThat(r.rejections())
                .extracting(j -> j.reason())
                .containsExactly(RejectReason.PROCESSING_FAILED, RejectReason.MALFORMED);
        assertThat(r.rejections().get(1).message())
                .contains("a holdout sample names wake phrase 'hello sunny' but the head detects 'okay nova'");
        HeadUpdate alice = head(r, "alice");
        assertThat(alice.getProvenance().getPhrase()).isEqualTo("okay nova");
        assertThat(alice.getProvenance().getNearMissesLearned())
                .as("before its one training positive")
                .isEqualTo(2);
        assertThat(alice.getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_ACTIVE);
    }

    @Test
    void aHeadResetOnRestoreKeepsItsUsersPhraseAndLearnsItsNearMissesAgain() {
        AdaptationEngine engine = engine();
        BatchResult r = engine.process(
                List.of(sample(0, "acme/alice", OWN, "okay nova"), sample(1, "acme/alice", OWN, "")), NOW);
        assertThat(r.rejections()).isEmpty();
        engine.commit(r);
        dev.headstream.schemas.v1.AdapterState record = engine.stateRecords(r).get(0);
        int own = record.getHeadsList().stream().map(h -> h.getTask()).toList().indexOf(OWN);
        assertThat(record.getHeads(own).getPhrase()).isEqualTo("okay nova");
        // a head that no longer decodes against the task (another source head): reset on restore
        dev.headstream.schemas.v1.AdapterState other = record.toBuilder()
                .setHeads(own, record.getHeads(own).toBuilder().setSourceHeadSha256("f".repeat(64)))
                .build();

        AdaptationEngine restarted = engine();
        asked.clear();
        assertThat(restarted.restore(dev.headstream.core.ingest.UserKey.parse("acme/alice"), 0, other))
                .isEqualTo(AdaptationEngine.Restored.RESET);
        // the user's producer names the phrase only when it changes: its next sample names none
        BatchResult next = restarted.process(List.of(sample(2, "acme/alice", OWN, "")), NOW + 1);
        assertThat(next.rejections()).isEmpty();
        HeadUpdate reset = head(next, "alice");
        assertThat(reset.getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_RESET);
        assertThat(reset.getProvenance().getPhrase())
                .as("the reset head still detects its user's word")
                .isEqualTo("okay nova");
        assertThat(reset.getProvenance().getNearMissesSha256())
                .isEqualTo(nearMisses("okay nova").sha256());
        assertThat(reset.getProvenance().getNearMissesLearned())
                .as("learned again from the first, before the sample's positive")
                .isEqualTo(2);
        assertThat(asked).containsKey("okay nova");
    }

    @Test
    void aResetOnRestoreStaysFirstInItsVersionsReasonWhenANewPhraseResetsTheHeadInTheSameBatch() {
        AdaptationEngine engine = engine();
        BatchResult r = engine.process(List.of(sample(0, "acme/alice", OWN, "okay nova")), NOW);
        engine.commit(r);
        dev.headstream.schemas.v1.AdapterState record = engine.stateRecords(r).get(0);
        int own = record.getHeadsList().stream().map(h -> h.getTask()).toList().indexOf(OWN);
        dev.headstream.schemas.v1.AdapterState other = record.toBuilder()
                .setHeads(own, record.getHeads(own).toBuilder().setSourceHeadSha256("f".repeat(64)))
                .build();

        AdaptationEngine restarted = engine();
        assertThat(restarted.restore(dev.headstream.core.ingest.UserKey.parse("acme/alice"), 0, other))
                .isEqualTo(AdaptationEngine.Restored.RESET);
        BatchResult next = restarted.process(List.of(sample(1, "acme/alice", OWN, "hey marble")), NOW + 1);
        HeadUpdate reset = head(next, "alice");
        assertThat(reset.getStatus()).isEqualTo(HeadStatus.HEAD_STATUS_RESET);
        // replay leaves a head reset on restore out by this start, whatever followed in the batch
        assertThat(reset.getStatusReason())
                .startsWith(dev.headstream.core.adapt.state.HeadState.RESTORE_RESET_REASON)
                .endsWith("; then new wake phrase 'hey marble' (was 'okay nova')");
        assertThat(reset.getProvenance().getPhrase()).isEqualTo("hey marble");
        restarted.commit(next);
        BatchResult later = restarted.process(List.of(sample(2, "acme/alice", OWN, "wake up luna")), NOW + 2);
        assertThat(head(later, "alice").getStatusReason())
                .as("once published, a reset on restore is no longer owed")
                .isEqualTo("new wake phrase 'wake up luna' (was 'hey marble')");
    }
}
