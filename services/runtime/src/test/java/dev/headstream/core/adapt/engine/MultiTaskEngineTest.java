package dev.headstream.core.adapt.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.headstream.core.adapt.WakeWordFixture;
import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.BackboneInfo;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.SampleDecoder;
import dev.headstream.runtime.backbone.TestModels;
import dev.headstream.runtime.onnx.OnnxHeadImporter;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.Pcm16Audio;
import dev.headstream.schemas.v1.Sample;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Several task heads per user on one backbone pass (hard parameter sharing): a wake-word head
 * adapted from hey_jarvis and one adapted from alexa, with samples labeled for any subset of the
 * two tasks.
 */
class MultiTaskEngineTest {

    private static final long NOW = 1_700_000_000_000L;
    private static WakeWordFixture fx;
    private static SourceHead alexa;
    private static short[] jarvis;
    private static short[] other;
    private static short[] jarvis2;

    @BeforeAll
    static void load() throws Exception {
        fx = new WakeWordFixture();
        alexa = OnnxHeadImporter.importHead(TestModels.dir().resolve("alexa_v0.1.onnx"));
        jarvis = WakeWordFixture.wake("en-us+m3", 0);
        other = WakeWordFixture.other("en-us+m3", 0);
        jarvis2 = WakeWordFixture.wake("en-us+m3", 1);
    }

    @AfterAll
    static void close() {
        fx.close();
    }

    /** Counts backbone calls and inputs, delegating to the real backbone. */
    private static final class CountingBackbone implements Backbone {
        int calls;
        int inputs;

        @Override
        public BackboneInfo info() {
            return fx.backbone.info();
        }

        @Override
        public List<EmbeddingSequence> embed(List<? extends BackboneInput> in) {
            calls++;
            inputs += in.size();
            return fx.backbone.embed(in);
        }

        @Override
        public void validate(BackboneInput input) {
            fx.backbone.validate(input);
        }

        @Override
        public void close() {}
    }

    private static AdaptationEngine engine(Backbone backbone, boolean withAlexa) {
        Map<String, BinaryHeadTask> tasks = new TreeMap<>();
        Map<String, TaskKind> kinds = new TreeMap<>();
        tasks.put("wake", fx.task());
        kinds.put("wake", TaskKind.binary());
        if (withAlexa) {
            tasks.put(
                    "alexa",
                    new BinaryHeadTask("alexa", alexa, WakeWordFixture.RECIPE.withTrainableTopLayers(3), fx.rehearsal));
            kinds.put("alexa", TaskKind.binary());
        }
        return new AdaptationEngine(backbone, new SampleDecoder(1 << 20, backbone, kinds), tasks, 64);
    }

    private static RawSample sample(long offset, String id, short[] pcm, Map<String, Boolean> labels) {
        ByteBuffer b = ByteBuffer.allocate(pcm.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(pcm);
        Sample.Builder s = Sample.newBuilder()
                .setSampleId(id)
                .setAudio(Pcm16Audio.newBuilder().setSampleRateHz(16_000).setPcm16Le(ByteString.copyFrom(b.array())));
        labels.forEach((task, positive) ->
                s.putLabels(task, Label.newBuilder().setBinary(positive).build()));
        return new RawSample(
                0,
                offset,
                "acme/alice".getBytes(StandardCharsets.UTF_8),
                s.build().toByteArray());
    }

    @Test
    void taskAskingForMoreTrainableLayersThanItsSourceHasFailsWithTheNumbers() {
        assertThatThrownBy(() -> new BinaryHeadTask("alexa", alexa, WakeWordFixture.RECIPE, fx.rehearsal))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "task alexa: trainable-top-layers 5 exceeds the 3 parameterised layers of source head alexa_v0.1");
    }

    @Test
    void oneBackbonePassServesEveryTaskAndEachTaskTrainsOnlyOnItsOwnLabels() {
        CountingBackbone counting = new CountingBackbone();
        AdaptationEngine multi = engine(counting, true);
        List<RawSample> batch = List.of(
                sample(0, "s-0", jarvis, Map.of("wake", true, "alexa", false)),
                sample(1, "s-1", other, Map.of("wake", false)),
                sample(2, "s-2", jarvis2, Map.of("wake", true, "alexa", false)));
        BatchResult r = multi.process(batch, NOW);
        multi.commit(r);
        assertThat(counting.calls).isEqualTo(1);
        assertThat(counting.inputs).isEqualTo(3);
        assertThat(r.heads())
                .extracting(HeadUpdate::getHeadId)
                .containsExactlyInAnyOrder("acme/alice/wake", "acme/alice/alexa");
        UserState alice = multi.user(new UserKey("acme", "alice"));
        assertThat(alice.heads().get("wake").samplesApplied()).isEqualTo(3);
        assertThat(alice.heads().get("alexa").samplesApplied()).isEqualTo(2);

        // the wake head is exactly what a single-task engine fed only the wake labels builds:
        // the alexa labels and head do not leak into it
        AdaptationEngine single = engine(fx.backbone, false);
        BatchResult s = single.process(
                List.of(
                        sample(0, "s-0", jarvis, Map.of("wake", true)),
                        sample(1, "s-1", other, Map.of("wake", false)),
                        sample(2, "s-2", jarvis2, Map.of("wake", true))),
                NOW);
        single.commit(s);
        HeadState alone = single.user(new UserKey("acme", "alice")).heads().get("wake");
        assertThat(alice.heads().get("wake").trainable()).isEqualTo(alone.trainable());
        assertThat(alice.heads().get("wake").threshold()).isEqualTo(alone.threshold());
        List<String> sources = new ArrayList<>();
        r.heads().forEach(h -> sources.add(h.getProvenance().getSourceHeadId()));
        assertThat(sources).containsExactlyInAnyOrder("hey_jarvis_v0.1", "alexa_v0.1");
    }
}
