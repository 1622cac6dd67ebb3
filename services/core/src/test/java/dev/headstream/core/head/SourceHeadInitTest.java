package dev.headstream.core.head;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SourceHeadInitTest {

    private static final HeadArchitecture ARCH = HeadArchitecture.builder(400)
            .dense(100)
            .layerNorm(1e-5f)
            .relu()
            .dense(1)
            .build();

    @Test
    void zeroInitHasNoOpinionAndUnitLayerNormGains() {
        SourceHead h = SourceHead.initialized("fresh", ARCH, SourceHead.Init.ZERO, 1);
        float[] p = h.parameters();
        int ln = ARCH.parameterOffset(1);
        for (int i = 0; i < p.length; i++) {
            assertThat(p[i]).as("parameter %d", i).isEqualTo(i >= ln && i < ln + 100 ? 1f : 0f);
        }
        MlpHead head = new MlpHead(ARCH, 3);
        float[] x = new float[400];
        Arrays.fill(x, 0.5f);
        assertThat(head.sourceLogit(p, x, 0, head.newWorkspace())).isZero();
    }

    @Test
    void randomInitIsSeededHeScaledAndContentAddressed() {
        SourceHead a = SourceHead.initialized("fresh", ARCH, SourceHead.Init.RANDOM, 7);
        SourceHead b = SourceHead.initialized("fresh", ARCH, SourceHead.Init.RANDOM, 7);
        SourceHead c = SourceHead.initialized("fresh", ARCH, SourceHead.Init.RANDOM, 8);
        assertThat(b.parameters()).containsExactly(a.parameters());
        assertThat(b.sha256()).isEqualTo(a.sha256());
        assertThat(c.sha256()).isNotEqualTo(a.sha256());

        float[] p = a.parameters();
        double sq = 0;
        for (int i = 0; i < 400 * 100; i++) {
            sq += p[i] * p[i];
        }
        // He: variance 2 / fan-in = 0.005 over 40,000 weights (standard error of the estimate ~0.7%)
        assertThat(sq / 40_000).isBetween(0.005 * 0.97, 0.005 * 1.03);
        assertThat(p[400 * 100]).as("first bias").isZero();
        assertThat(p[ARCH.parameterOffset(1)]).as("LayerNorm gamma").isEqualTo(1f);
    }
}
