package dev.headstream.runtime.backbone;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.headstream.core.embed.ExecutionOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates long-lived ONNX Runtime sessions with CUDA when asked for and present, CPU otherwise. */
final class OrtSessions {

    private static final Logger LOG = LoggerFactory.getLogger(OrtSessions.class);

    /** A session and the execution provider it ended up on. */
    record Created(OrtSession session, String provider) {}

    private OrtSessions() {}

    static Created create(OrtEnvironment env, byte[] model, String name, ExecutionOptions options) {
        if (options.cuda()) {
            try (OrtSession.SessionOptions so = base(options)) {
                so.addCUDA(options.cudaDevice());
                OrtSession s = env.createSession(model, so);
                LOG.info("backbone model {}: CUDA execution provider on device {}", name, options.cudaDevice());
                return new Created(s, "CUDA:" + options.cudaDevice());
            } catch (OrtException | RuntimeException e) {
                LOG.warn(
                        "backbone model {}: CUDA execution provider unavailable ({}); falling back to CPU",
                        name,
                        e.getMessage());
            }
        }
        try (OrtSession.SessionOptions so = base(options)) {
            OrtSession s = env.createSession(model, so);
            LOG.info(
                    "backbone model {}: CPU execution provider, {} intra-op threads",
                    name,
                    options.intraOpThreads() == 0 ? "default" : options.intraOpThreads());
            return new Created(s, "CPU");
        } catch (OrtException e) {
            throw new IllegalArgumentException("cannot load model " + name + ": " + e.getMessage(), e);
        }
    }

    private static OrtSession.SessionOptions base(ExecutionOptions options) throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        if (options.intraOpThreads() > 0) {
            so.setIntraOpNumThreads(options.intraOpThreads());
        }
        so.setInterOpNumThreads(1);
        so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return so;
    }
}
