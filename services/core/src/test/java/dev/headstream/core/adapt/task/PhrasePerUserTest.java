package dev.headstream.core.adapt.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.embed.BackboneInfo;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.OutputMessages;
import dev.headstream.core.wire.UserStateCodec;
import dev.headstream.schemas.v1.AdapterState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link BinaryHeadTask#withPhrasePerUser}: each user names their wake phrase; a head learns its phrase's near misses. */
class PhrasePerUserTest {

    private static final HeadRecipe RECIPE = new HeadRecipe(
            3,
            HeadRecipe.OptimizerKind.ADAM,
            1e-2f,
            1e-3f,
            10f,
            5,
            64,
            2,
            2,
            BinaryHeadTaskLoraTest.FRAMES,
            0.5f,
            true,
            0);

    private static SourceHead source() {
        return BinaryHeadTaskLoraTest.source();
    }

    private static EmbeddingSequence clip(long seed, float bias) {
        return BinaryHeadTaskLoraTest.clip(seed, bias);
    }

    /** Five near misses of a phrase, drawn from its name: other phrases get other clips. */
    private static NearMissSet nearMissesOf(String phrase, long salt) {
        List<EmbeddingSequence> clips = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            clips.add(clip(phrase.hashCode() * 31L + i + salt, 1.5f));
        }
        return NearMissSet.of(phrase, List.of(phrase + " (varied)"), clips);
    }

    /** A library that counts how often it was asked. */
    private static class Library implements NearMissLibrary {
        final AtomicInteger asked = new AtomicInteger();
        long salt;

        @Override
        public NearMissSet of(String phrase) {
            asked.incrementAndGet();
            return nearMissesOf(phrase, salt);
        }
    }

    private static BinaryHeadTask perUser(NearMissLibrary library) {
        return new BinaryHeadTask("own", source(), RECIPE, BinaryHeadTaskLoraTest.rehearsal())
                .withPhrasePerUser(library);
    }

    @Test
    void aUsersHeadLearnsTheNearMissesOfTheirPhraseBitForBitAsATaskWithThatPhrase() {
        Library library = new Library();
        BinaryHeadTask perUser = perUser(library);
        BinaryHeadTask fixed = new BinaryHeadTask("own", source(), RECIPE, BinaryHeadTaskLoraTest.rehearsal())
                .withNearMisses(nearMissesOf("hey marble", 0));
        HeadState u = perUser.newState("acme/alice/own");
        HeadState f = fixed.newState("acme/alice/own");
        for (int k = 0; k < 4; k++) {
            assertThat(perUser.adoptPhrase(u, "hey marble", Split.TRAIN)).isFalse();
            perUser.apply(u, clip(300 + k, 2f), true, 1f, Split.TRAIN);
            fixed.apply(f, clip(300 + k, 2f), true, 1f, Split.TRAIN);
        }
        assertThat(u.phrase()).isEqualTo("hey marble");
        assertThat(u.nearMissesLearned()).isEqualTo(5).isEqualTo(f.nearMissesLearned());
        assertThat(u.nearMissesSha256()).isEqualTo(nearMissesOf("hey marble", 0).sha256());
        assertThat(u.trainable()).as("the same near misses, the same bits").isEqualTo(f.trainable());
        assertThat(u.samplesApplied()).isEqualTo(4);
    }

    @Test
    void beforeAPhraseTheHeadLearnsNoNearMissAndAFirstPhraseKeepsWhatItLearned() {
        Library library = new Library();
        BinaryHeadTask task = perUser(library);
        HeadState s = task.newState("acme/alice/own");
        task.apply(s, clip(300, 2f), true, 1f, Split.TRAIN);
        assertThat(s.nearMissesLearned()).isZero();
        assertThat(library.asked).hasValue(0);
        assertThat(task.adoptPhrase(s, "okay nova", Split.TRAIN))
                .as("a first phrase is no reset")
                .isFalse();
        assertThat(s.pendingReset()).isFalse();
        assertThat(s.samplesApplied()).isEqualTo(1);
        task.apply(s, clip(301, 2f), true, 1f, Split.TRAIN);
        assertThat(s.nearMissesLearned()).isEqualTo(2);
        assertThat(task.adoptPhrase(s, "", Split.TRAIN))
                .as("no phrase: the user's so far")
                .isFalse();
        assertThat(s.phrase()).isEqualTo("okay nova");
    }

    @Test
    void anotherPhraseResetsTheHeadToItsStartAndItsNearMissesStartFromTheFirst() {
        BinaryHeadTask task = perUser(new Library());
        HeadState s = task.newState("acme/alice/own");
        float[] start = s.trainable().clone();
        task.adoptPhrase(s, "okay nova", Split.TRAIN);
        for (int k = 0; k < 3; k++) {
            task.apply(s, clip(300 + k, 2f), true, 1f, Split.TRAIN);
        }
        assertThat(s.trainable()).isNotEqualTo(start);
        assertThat(task.adoptPhrase(s, "hello sunny", Split.TRAIN)).isTrue();
        assertThat(s.pendingReset()).isTrue();
        assertThat(s.pendingRollback())
                .contains("new wake phrase 'hello sunny'")
                .contains("was 'okay nova'");
        assertThat(s.trainable()).as("back at the start").isEqualTo(start);
        assertThat(s.replay()).as("the old phrase's clips are gone").isEmpty();
        assertThat(s.nearMissesLearned()).isZero();
        task.apply(s, clip(310, 2f), true, 1f, Split.TRAIN);
        assertThat(s.nearMissesSha256())
                .isEqualTo(nearMissesOf("hello sunny", 0).sha256());
        assertThat(s.nearMissesLearned()).isEqualTo(2);

        task.operatorFreeze(s, true);
        assertThatThrownBy(() -> task.adoptPhrase(s, "okay nova", Split.TRAIN))
                .isInstanceOf(PhraseRefusedException.class)
                .hasMessageContaining("the head is frozen");
        assertThat(s.phrase()).isEqualTo("hello sunny");
        task.operatorFreeze(s, false);
        assertThatThrownBy(() -> task.adoptPhrase(s, "okay nova", Split.HOLDOUT))
                .isInstanceOf(PhraseRefusedException.class)
                .hasMessageContaining(
                        "a holdout sample names wake phrase 'okay nova' but the head detects 'hello sunny'");
        assertThat(task.adoptPhrase(s, "hello sunny", Split.HOLDOUT))
                .as("a holdout sample may name the head's own phrase")
                .isFalse();
    }

    @Test
    void aNewPhraseLeavesNoLastGoodVersionOfTheOldWordToRollBackTo() {
        BinaryHeadTask task = new BinaryHeadTask(
                        "own", source(), RECIPE, BinaryHeadTaskLoraTest.rehearsal(), AlarmAction.ROLLBACK_LAST_GOOD, 0)
                .withPhrasePerUser(new Library());
        HeadState s = task.newState("acme/alice/own");
        task.adoptPhrase(s, "okay nova", Split.TRAIN);
        for (int k = 0; k < 4; k++) {
            task.apply(s, clip(300 + k, 2f), true, 1f, Split.TRAIN);
            if (task.publishIfDue(s, 1)) {
                task.sent(s);
            }
        }
        assertThat(s.hasLastGood())
                .as("a quiet head's published version is its last good one")
                .isTrue();
        task.adoptPhrase(s, "hello sunny", Split.TRAIN);
        assertThat(s.hasLastGood()).isFalse();
    }

    @Test
    void aHeadThatLearnedAllItsNearMissesNoLongerAsksForThem() {
        Library library = new Library() {
            @Override
            public int nearMissesPerPhrase() {
                return 5;
            }
        };
        BinaryHeadTask task = perUser(library);
        HeadState s = task.newState("acme/alice/own");
        task.adoptPhrase(s, "okay nova", Split.TRAIN);
        for (int k = 0; k < 6; k++) {
            task.apply(s, clip(300 + k, 2f), true, 1f, Split.TRAIN);
        }
        assertThat(s.nearMissesLearned()).isEqualTo(5);
        // adoption, then positives 1-3 (2 + 2 + 1): positives 4-6 find all five learned
        assertThat(library.asked).hasValue(4);
    }

    @Test
    void theChangelogKeepsThePhraseAndOtherNearMissesOfItAreLearnedFromTheFirst() {
        Library library = new Library();
        BinaryHeadTask task = perUser(library);
        HeadState s = task.newState("acme/alice/own");
        task.adoptPhrase(s, "okay nova", Split.TRAIN);
        task.apply(s, clip(300, 2f), true, 1f, Split.TRAIN);
        UserState user = new UserState(new UserKey("acme", "alice"), 16);
        user.heads().put("own", s);
        int askedBefore = library.asked.get();
        AdapterState record = UserStateCodec.encode(user, Map.of("own", task));
        assertThat(record.getHeads(0).getPhrase()).isEqualTo("okay nova");
        HeadState restored =
                UserStateCodec.decode(record, Map.of("own", task), 16).heads().get("own");
        assertThat(restored.phrase()).isEqualTo("okay nova");
        assertThat(restored.nearMissesLearned()).isEqualTo(2);
        assertThat(restored.nearMissesSha256()).isEqualTo(s.nearMissesSha256());
        assertThat(library.asked).as("a restore synthesizes nothing").hasValue(askedBefore);

        // the same phrase's near misses came out otherwise (another espeak-ng): learned from the first
        library.salt = 1000;
        task.apply(restored, clip(301, 2f), true, 1f, Split.TRAIN);
        assertThat(restored.nearMissesLearned()).isEqualTo(2);
        assertThat(restored.nearMissesSha256())
                .isEqualTo(nearMissesOf("okay nova", 1000).sha256());

        BinaryHeadTask fixed = new BinaryHeadTask("own", source(), RECIPE, BinaryHeadTaskLoraTest.rehearsal());
        assertThat(UserStateCodec.decode(record, Map.of("own", fixed), 16)
                        .heads()
                        .get("own")
                        .phrase())
                .as("a task without a phrase per user keeps none")
                .isEmpty();
    }

    @Test
    void theHeadRecordNamesTheUsersPhraseAndItsNearMisses() {
        BinaryHeadTask task = perUser(new Library());
        HeadState s = task.newState("acme/alice/own");
        task.adoptPhrase(s, "wake up luna", Split.TRAIN);
        task.apply(s, clip(300, 2f), true, 1f, Split.TRAIN);
        var head = OutputMessages.headUpdate(
                task,
                new UserKey("acme", "alice"),
                "own",
                s,
                new BackboneInfo("oww", "ab".repeat(32), BinaryHeadTaskLoraTest.DIM, "cpu"),
                0L);
        assertThat(head.getProvenance().getPhrase()).isEqualTo("wake up luna");
        assertThat(head.getProvenance().getNearMissesSha256()).isEqualTo(s.nearMissesSha256());
        assertThat(head.getProvenance().getNearMissesLearned()).isEqualTo(2);
        assertThat(task.copyForThread().phrasePerUser()).isTrue();
        assertThat(task.toString()).contains("a wake phrase per user");
    }
}
