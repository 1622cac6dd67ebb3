package dev.headstream.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.head.InputTransform;
import dev.headstream.tools.speakers.SpeakerTransformCommand;
import dev.headstream.tools.speakers.SpeakerTransforms;
import dev.headstream.tools.speakers.SpeakersDemo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Who spoke, through the real broker, the real adapter and openWakeWord's real front end: one
 * household of three synthetic speakers (distinct voices of the catalog's USERS part, in no part of
 * the negative bank) enrolls with 8 clips each on a multi-class task that pools the front end's
 * cepstra ({@code pooling=mel-cepstrum}, the speakers scenario's default), and the adapter scores 5
 * held-out clips per member after 1 and after 8 enrollment clips (holdout samples: scored, never
 * trained on). The start head names every clip the first member (a third right); after enrollment
 * the household's head names at least 80 % of the held-out clips right; every version on
 * {@code headstream.heads} reads {@code mel-cepstrum} (76 values), as the demo reads them back;
 * and a replay from the samples topic rebuilds the head bit for bit. Restores of such heads from
 * their state records are {@code MelPoolingEngineTest}'s.
 */
class WhoSpokeIT {

    @Test
    void aHouseholdHeadOnTheFrontEndsCepstraNamesItsMembersAndReplaysBitForBit() throws Exception {
        Path work = Files.createTempDirectory(Path.of("target"), "who-spoke-it");
        // the speaker transform, built into target/ once (not into the verified models' folder)
        Path transformFile =
                Path.of("target/speaker-transform/mel-cepstrum-wccn.hsit").toAbsolutePath();
        // (not closed: that would close System.out)
        PrintWriter progress = new PrintWriter(System.out, true);
        InputTransform transform = SpeakerTransformCommand.build(
                ItSupport.models(),
                Path.of("target/synth-cache"),
                transformFile,
                SpeakerTransforms.DEFAULT_SEED,
                SpeakerTransforms.DEFAULT_CLIPS,
                2,
                false,
                progress);
        progress.flush();
        SpeakersDemo.Settings settings = new SpeakersDemo.Settings(
                ItSupport.models(),
                ItSupport.adapterJar(),
                work,
                Path.of("target/synth-cache"),
                42,
                List.of(3),
                1,
                8,
                5,
                List.of(1, 8),
                2,
                Duration.ofMinutes(4),
                Map.of(SpeakersDemo.TRANSFORM_KEY, transformFile.toString()));
        StringWriter log = new StringWriter();
        List<SpeakersDemo.Row> rows;
        try (PrintWriter out = new PrintWriter(log)) {
            rows = new SpeakersDemo(settings, out).run();
        }
        System.out.println(log);
        assertThat(rows).hasSize(1);
        SpeakersDemo.Row row = rows.get(0);
        assertThat(row.clips()).containsExactly(15L, 15L);
        // the fresh start scores every member alike and ranks the first: 5 of the 15 clips are hers
        assertThat(row.start()).containsExactly(5L, 5L);
        assertThat(row.correct()[1])
                .as("held-out clips named right after 8 enrollment clips")
                .isGreaterThanOrEqualTo(12);

        String json = Files.readString(work.resolve("speakers-result.json"));
        assertThat(json).contains("\"pooling\": \"mel-cepstrum\"");
        // what the versions on headstream.heads say they read, as the demo read them back: every one
        // mel-cepstrum of 76 values
        assertThat(json).contains("\"publishedPoolings\": [\"mel-cepstrum\"],");
        assertThat(json).contains("\"publishedInputWidths\": [76],");
        assertThat(json).doesNotContain("\"publishedVersions\": 0,");
        assertThat(json).contains("\"replayIdentical\": 1,").contains("\"replayHeads\": 1,");
        // every version carries the speaker transform, bit for bit, as its frozen first layer
        assertThat(json).contains("\"inputTransform\": \"sha256:" + transform.sha256() + "\",");
        String versions = json.replaceAll("(?s).*\"publishedVersions\": (\\d+),.*", "$1");
        assertThat(json).contains("\"publishedThroughTransform\": " + versions + ",");
        assertThat(json).contains("\"hidden\": 0,");
        assertThat(log.toString()).contains("pooling mel-cepstrum");
    }
}
