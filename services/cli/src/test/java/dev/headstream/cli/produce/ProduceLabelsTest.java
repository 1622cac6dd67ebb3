package dev.headstream.cli.produce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.headstream.schemas.v1.Label;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The label words of produce: binary, and a class task's class:<index> and multi:<1|0|?>,... */
class ProduceLabelsTest {

    @Test
    void classTaskLabelsReadAsTheWireCarriesThem() {
        assertThat(ProduceLabels.binary("class:2", "x"))
                .isEqualTo(Label.newBuilder().setClassIndex(2).build());
        Label multi = ProduceLabels.binary("multi:1, ?,0", "x");
        assertThat(multi.getMultiHot().getTargetsList()).containsExactly(1f, 0f, 0f);
        assertThat(multi.getMultiHot().getMaskList()).containsExactly(true, false, true);
        assertThat(ProduceLabels.pairs(List.of("speaker=class:0", "wake=1"), "x"))
                .containsOnlyKeys("speaker", "wake");
    }

    @Test
    void badClassTaskLabelsAreNamed() {
        assertThatThrownBy(() -> ProduceLabels.binary("class:-1", "--label speaker"))
                .hasMessage("--label speaker: a class label is class:<index> with the index from 0, got 'class:-1'");
        assertThatThrownBy(() -> ProduceLabels.binary("class:two", "x")).hasMessageContaining("class:<index>");
        assertThatThrownBy(() -> ProduceLabels.binary("multi:1,2", "x"))
                .hasMessageContaining("1, 0 or ? per output, got 'multi:1,2'");
        assertThatThrownBy(() -> ProduceLabels.binary("maybe", "x")).hasMessageContaining("class:<index> or multi:");
    }
}
