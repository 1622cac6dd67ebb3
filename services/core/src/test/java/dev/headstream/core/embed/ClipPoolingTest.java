package dev.headstream.core.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClipPoolingTest {

    private static EmbeddingSequence embeddings() {
        float[] v = new float[3 * 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        return new EmbeddingSequence(3, 4, v);
    }

    @Test
    void namesParseAsConfiguredAndUnknownOnesNameTheKnown() {
        assertThat(ClipPooling.parse("mel-cepstrum")).isEqualTo(ClipPooling.MEL_CEPSTRUM);
        assertThat(ClipPooling.parse(" Mean-Std ")).isEqualTo(ClipPooling.MEAN_STD);
        assertThatThrownBy(() -> ClipPooling.parse("mfcc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no pooling 'mfcc'; known: [mean-std, mel-cepstrum]");
    }

    @Test
    void widths() {
        assertThat(ClipPooling.MEAN_STD.width(96)).isEqualTo(192);
        assertThat(ClipPooling.MEL_CEPSTRUM.width(96)).isEqualTo(76);
        assertThat(ClipPooling.MEL_CEPSTRUM.readsFrontEnd()).isTrue();
        assertThat(ClipPooling.MEAN_STD.readsFrontEnd()).isFalse();
    }

    @Test
    void melCepstrumNeedsTheFrontEndFramesAndMeanStdDoesNot() {
        EmbeddingSequence plain = embeddings();
        assertThat(ClipPooling.MEAN_STD.unfit(plain)).isNull();
        assertThat(ClipPooling.MEAN_STD.pool(plain)).containsExactly(MeanStdPooling.pool(plain));
        assertThat(ClipPooling.MEL_CEPSTRUM.unfit(plain)).contains("the backbone gave none");
        assertThatThrownBy(() -> ClipPooling.MEL_CEPSTRUM.pool(plain))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reads the front end's frames");

        EmbeddingSequence narrow = plain.withFrontEnd(FrontEndFrames.of(new float[2 * 16], 16));
        assertThat(ClipPooling.MEL_CEPSTRUM.unfit(narrow)).contains("needs more than 19 bands per frame");

        float[] mel = new float[10 * 32];
        for (int i = 0; i < mel.length; i++) {
            mel[i] = (i * 7 % 13) / 3f;
        }
        EmbeddingSequence withMel = plain.withFrontEnd(FrontEndFrames.of(mel, 32));
        assertThat(ClipPooling.MEL_CEPSTRUM.unfit(withMel)).isNull();
        assertThat(ClipPooling.MEL_CEPSTRUM.pool(withMel))
                .containsExactly(MelCepstrumPooling.pool(FrontEndFrames.of(mel, 32)));
        // a silent clip (the front end's floor everywhere, as digital silence gives) has no voice
        float[] silent = new float[10 * 32];
        java.util.Arrays.fill(silent, -8f);
        assertThat(ClipPooling.MEL_CEPSTRUM.unfit(plain.withFrontEnd(FrontEndFrames.of(silent, 32))))
                .isEqualTo("pooling mel-cepstrum needs speech, and the clip is silent: its loudest frame is at -8.00,"
                        + " not above -7.0 (the front end's floor is -8, 100 dB below full scale)");
        // the embeddings' own pooling ignores the frames
        assertThat(ClipPooling.MEAN_STD.pool(withMel)).containsExactly(MeanStdPooling.pool(plain));
    }
}
