package dev.headstream.tools.speakers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.core.bank.BankPart;
import dev.headstream.testkit.synth.CatalogVoice;
import dev.headstream.testkit.synth.Part;
import dev.headstream.testkit.synth.VoiceCatalog;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationSpeechTest {

    private static final int DIM = 2;

    private final VoiceCatalog catalog = VoiceCatalog.standard();

    private static BankPart part(Path dir, String voice, int frames) {
        Path file = dir.resolve("part.bank");
        BankPart.write(
                file,
                "b",
                DIM,
                List.of(voice),
                List.of(new BankPart.Segment(0, frames)),
                List.of(new float[frames * DIM]));
        return BankPart.open(file);
    }

    @Test
    void cutsEachSegmentIntoWholeBlocksLabeledWithTheCatalogGroupOfItsVoice(@TempDir Path dir) {
        CatalogVoice v = catalog.voices(Part.TRAIN).get(0);
        CalibrationSpeech speech = CalibrationSpeech.of(part(dir, v.voice().id(), 10), 4, catalog, Part.TRAIN);
        assertThat(speech.blocks()).hasSize(2);
        assertThat(speech.groups()).containsOnly(v.group());
        assertThat(speech.speakers()).isEqualTo(1);
    }

    @Test
    void refusesAVoiceOfAnotherCatalogPart(@TempDir Path dir) {
        CatalogVoice v = catalog.voices(Part.CALIBRATION).get(0);
        BankPart part = part(dir, v.voice().id(), 10);
        assertThatThrownBy(() -> CalibrationSpeech.of(part, 4, catalog, Part.TRAIN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(v.voice().id())
                .hasMessageContaining("CALIBRATION part of the voice catalog, not TRAIN");
    }

    @Test
    void refusesAVoiceTheCatalogLacks(@TempDir Path dir) {
        BankPart part = part(dir, "espeak-ng:xx-nowhere+nobody", 10);
        assertThatThrownBy(() -> CalibrationSpeech.of(part, 4, catalog, Part.TRAIN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not in the voice catalog");
    }
}
