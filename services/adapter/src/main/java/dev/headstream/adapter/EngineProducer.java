package dev.headstream.adapter;

import dev.headstream.core.adapt.AdaptationEngine;
import dev.headstream.core.adapt.BankNegatives;
import dev.headstream.core.adapt.BankTraining;
import dev.headstream.core.adapt.BinaryHeadTask;
import dev.headstream.core.adapt.HeadRecipe;
import dev.headstream.core.adapt.RateLimit;
import dev.headstream.core.adapt.RehearsalSet;
import dev.headstream.core.adapt.TaskKind;
import dev.headstream.core.backbone.Backbone;
import dev.headstream.core.backbone.ExecutionOptions;
import dev.headstream.core.backbone.ModelFile;
import dev.headstream.core.backbone.OnnxTensorBackbone;
import dev.headstream.core.backbone.WakeWordBackbone;
import dev.headstream.core.bank.NegativeBank;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.onnx.OnnxHeadImporter;
import dev.headstream.core.wire.SampleDecoder;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Builds the long-lived pieces at start-up, checking every model contract there (a broken model
 * stops the service with an exact message): the wake-word backbone, each task's source head and
 * rehearsal set, and the adaptation engine.
 */
@ApplicationScoped
public class EngineProducer {

    private static final Logger LOG = Logger.getLogger(EngineProducer.class);

    @Produces
    @Singleton
    @Startup
    Backbone backbone(HeadstreamConfig config) {
        Path dir = Path.of(config.modelsDir());
        HeadstreamConfig.BackboneConfig b = config.backbone();
        ExecutionOptions options = new ExecutionOptions(b.threads(), b.cuda(), b.cudaDevice());
        Backbone backbone = switch (b.kind()) {
            case WAKEWORD -> new WakeWordBackbone(ModelFile.read(dir.resolve("melspectrogram.onnx")),
                    ModelFile.read(dir.resolve("embedding_model.onnx")), options,
                    WakeWordBackbone.EmbeddingMode.SEQUENCE, b.maxSeconds());
            case ONNX -> new OnnxTensorBackbone(ModelFile.read(dir.resolve(b.model().orElseThrow(
                    () -> new IllegalArgumentException("headstream.backbone.model must name the ONNX file when kind=onnx")))),
                    options);
        };
        LOG.infof("backbone %s (%s), embedding dim %d, sha256 %s", backbone.info().id(),
                backbone.info().executionProvider(), backbone.info().embeddingDim(), backbone.info().sha256());
        return backbone;
    }

    void close(@Disposes Backbone backbone) {
        backbone.close();
    }

    @Produces
    @Singleton
    @Startup
    AdaptationEngine engine(HeadstreamConfig config, Backbone backbone) {
        Path dir = Path.of(config.modelsDir());
        NegativeBank bank = null;
        boolean speech = config.backbone().kind() == HeadstreamConfig.BackboneKind.WAKEWORD;
        if (config.negativeBank().enabled() && (speech || config.negativeBank().directory().isPresent())) {
            Path bankDir = config.negativeBank().directory().map(Path::of).orElse(dir.resolve("negative-bank"));
            bank = NegativeBank.open(bankDir).checkBackbone(backbone.info().sha256());
            LOG.infof("negative bank %s (id %s): %.2f h training, %.2f h calibration speech", bankDir, bank.id(),
                    bank.train().hours(16), bank.calibration().hours(16));
        } else if (speech) {
            LOG.warn("negative bank disabled (headstream.negative-bank.enabled=false): thresholds are set on clips only");
        }
        NegativeBank negativeBank = bank;
        Map<String, BinaryHeadTask> tasks = new HashMap<>();
        Map<String, TaskKind> kinds = new HashMap<>();
        config.tasks().forEach((name, t) -> {
            SourceHead source;
            try {
                source = OnnxHeadImporter.importHead(dir.resolve(t.sourceHead()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read source head " + t.sourceHead(), e);
            }
            RehearsalSet rehearsal = t.rehearsalSet().map(f -> rehearsal(backbone, Path.of(f)))
                    .orElse(RehearsalSet.empty());
            HeadRecipe recipe = new HeadRecipe(t.trainableTopLayers(), t.optimizer(), t.learningRate(), t.l2sp(),
                    t.maxGradientNorm(), t.replaySteps(), t.replayBuffer(), t.userWindowsPerStep(),
                    t.rehearsalPerStep(), t.windowFrames(), t.thresholdPosition(), t.timeShift(), t.loraRank(),
                    t.l2spHalfLife(), t.distillation(), t.distillationTemperature(), t.maxUpdateNorm(),
                    t.hardNegativeWindows());
            BankNegatives prepared = negativeBank == null ? null : BinaryHeadTask.prepareBank(negativeBank, source, recipe);
            BinaryHeadTask task = new BinaryHeadTask(name, source, recipe, rehearsal, t.onNegativeTransfer(),
                    t.targetFalseAcceptsPerHour(), prepared, new BankTraining(t.bankPerStep(), t.bankHardShare(),
                            t.bankCandidates(), t.bankPool(), t.minRecall()));
            LOG.infof("task %s: %s", name, task);
            tasks.put(name, task);
            kinds.put(name, TaskKind.binary());
        });
        if (tasks.isEmpty()) {
            throw new IllegalStateException("no task configured: set headstream.tasks.<name>.source-head");
        }
        SampleDecoder decoder = new SampleDecoder(config.maxSampleBytes(), backbone, kinds);
        AdaptationEngine.OnlineRehearsal online = new AdaptationEngine.OnlineRehearsal(config.onlineRehearsal().capacity(),
                config.onlineRehearsal().excludedTenants().orElse(java.util.Set.of()));
        if (online.capacity() > 0) {
            LOG.infof("online rehearsal: %d training negatives per task and partition, excluded tenants %s",
                    online.capacity(), online.excludedTenants());
        }
        return new AdaptationEngine(backbone, decoder, tasks, config.dedupWindow(), config.publishEvery(), online,
                new RateLimit(config.rateLimit().samplesPerMinute(), config.rateLimit().burst()));
    }

    private static RehearsalSet rehearsal(Backbone backbone, Path file) {
        RehearsalSet set = RehearsalSet.fromSampleFile(backbone, file, RehearsalSet.CALIBRATION_EVERY);
        LOG.infof("rehearsal set %s: %d clips for training, %d held aside for calibration", file, set.train().size(),
                set.calibration().size());
        return set;
    }
}
