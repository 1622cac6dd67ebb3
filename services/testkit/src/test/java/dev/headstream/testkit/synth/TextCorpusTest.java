package dev.headstream.testkit.synth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextCorpusTest {

    @TempDir
    Path temp;

    @Test
    void debianFortunePoolsAreDisjointCleanAndSplitSixtyTwentyTwenty() {
        assertTrue(
                Files.isRegularFile(Path.of(TextCorpus.DEBIAN_FORTUNES_DIR, "wisdom")),
                "install the Debian packages fortunes-min fortunes: run ./headstream setup");
        TextCorpus corpus = TextCorpus.fortunes();
        Set<String> all = new HashSet<>();
        int total = 0;
        for (Part part : Part.BANK) {
            List<String> pool = corpus.pool(part);
            total += pool.size();
            all.addAll(pool);
            assertThat(pool).as(part.name()).isSorted().doesNotHaveDuplicates().allSatisfy(u -> {
                assertThat(u.toLowerCase(Locale.ROOT)).doesNotContain("jarvis");
                assertThat(u)
                        .matches("[A-Za-z0-9][ -~]*")
                        .hasSizeLessThanOrEqualTo(500)
                        .doesNotContain("http", "@", "  ");
                assertThat(FortuneText.words(u)).isBetween(3, 40);
            });
        }
        assertThat(all).as("no utterance in two pools").hasSize(total);
        assertThat(total).isGreaterThan(10_000);
        Map<Part, Integer> sizes = corpus.sizes();
        assertThat((double) sizes.get(Part.TRAIN) / total).isCloseTo(0.60, Offset.offset(0.03));
        assertThat((double) sizes.get(Part.CALIBRATION) / total).isCloseTo(0.20, Offset.offset(0.03));
        assertThat((double) sizes.get(Part.EVALUATION) / total).isCloseTo(0.20, Offset.offset(0.03));
        assertThat(corpus.sources())
                .contains("fortunes", "wisdom", "literature", "people", "science", "work")
                .doesNotContain("art", "ascii-art", "perl")
                .noneMatch(s -> s.contains("."));
        assertThat(TextCorpus.fortunes().fingerprint()).isEqualTo(corpus.fingerprint());
        assertThatThrownBy(() -> corpus.pool(Part.USERS)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsOnlyProseFortuneFilesAndDropsTheWakeWord() throws IOException {
        Files.writeString(temp.resolve("wisdom"), """
                A penny saved is a penny earned.
                %
                Hey Jarvis, open the pod bay doors.
                %
                Visit http://example.com for more wisdom today.
                %
                It is a truth universally acknowledged, that a single man in possession
                of a good fortune, must be in want of a wife.
                		-- Jane Austen
                """);
        Files.writeString(temp.resolve("wisdom.dat"), "binary index, not prose at all here");
        Files.writeString(temp.resolve("ascii-art"), "Just a picture of a cat here.\n%\n");
        Files.createDirectories(temp.resolve("off"));
        Files.writeString(temp.resolve("off").resolve("rude"), "Something offensive would be said here.\n%\n");

        TextCorpus corpus = TextCorpus.fortunes(temp);

        List<String> all = new ArrayList<>();
        Part.BANK.forEach(p -> all.addAll(corpus.pool(p)));
        assertThat(all)
                .containsExactlyInAnyOrder(
                        "A penny saved is a penny earned.",
                        "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in"
                                + " want of a wife. Jane Austen.");
        assertThat(corpus.sources()).containsExactly("wisdom");
    }

    @Test
    void missingFortunesNameTheDebianPackages() {
        assertThatThrownBy(() -> TextCorpus.fortunes(temp.resolve("nowhere")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("install the Debian packages fortunes-min fortunes");
        assertThatThrownBy(() -> TextCorpus.fortunes(temp))
                .hasMessageContaining("apt-get install fortunes-min fortunes");
    }

    @Test
    void cleaningKeepsSpeakableProseAndDropsTheRest() {
        assertThat(FortuneText.utterances("Man is the only animal that blushes.  Or needs to.\n\t\t-- Mark Twain\n"))
                .containsExactly("Man is the only animal that blushes. Or needs to. Mark Twain.");
        assertThat(FortuneText.utterances("B\bBo\bol\bld\bd _\bw_\bo_\br_\bd_\bs -- and \"quotes\" & more!!!\n"))
                .containsExactly("Bold words, and quotes and more!");
        assertThat(FortuneText.utterances("Quote of the day.\n\t-- Larry Wall in <1991@netlabs.com>\n"))
                .as("an attribution with an address is dropped, the quote kept")
                .containsExactly("Quote of the day.");
        assertThat(FortuneText.utterances("THIS IS A VERY LOUD HEADLINE INDEED\n"))
                .isEmpty();
        assertThat(FortuneText.utterances("for (i = 0; i < n; i++) { x[i] = 0; }\n"))
                .isEmpty();
        assertThat(FortuneText.utterances("Call 555-1234 or 555-9876 today.\n")).isEmpty();
        assertThat(FortuneText.utterances("Too short.\n")).isEmpty();
        assertThat(FortuneText.utterances("Ask JARVIS about it later.\n")).isEmpty();
        assertThat(FortuneText.utterances("Caf\u00e9 au lait is \u201cnice\u201d.\n"))
                .containsExactly("Cafe au lait is nice.");
        assertThat(FortuneText.utterances("Snow \u2603 falls softly here.\n")).isEmpty();
    }

    @Test
    void longFortunesAreCutAtSentenceEndsIntoUtterancesOfAtMostFortyWords() {
        String sentence = "This sentence has exactly eight words in it. ";
        List<String> utterances = FortuneText.utterances(sentence.repeat(15));
        assertThat(utterances)
                .hasSize(3)
                .allSatisfy(u -> assertThat(FortuneText.words(u)).isEqualTo(40));
        assertThat(FortuneText.utterances(sentence.repeat(16)))
                .as("over 120 words: dropped")
                .isEmpty();
    }

    @Test
    void givenUtterancesAreSplitByTheirHash() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            texts.add("utterance number " + i + " of the test");
        }
        texts.add("never say jarvis here");
        TextCorpus corpus = TextCorpus.of(texts);
        assertThat(corpus.sizes().values().stream().mapToInt(Integer::intValue).sum())
                .isEqualTo(2_000);
        assertThat(corpus.pool(Part.TRAIN).size()).isBetween(1_100, 1_300);
        for (Part part : Part.BANK) {
            assertThat(corpus.pool(part)).allMatch(t -> TextCorpus.partOf(t) == part);
        }
    }
}
