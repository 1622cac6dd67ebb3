package dev.headstream.runtime.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;

/** A head model in ONNX Runtime (one thread), scoring one {@code [1, 16, 96]} window per call. */
final class OrtHead implements AutoCloseable {

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    private final String input;

    OrtHead(byte[] model) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            session = env.createSession(model, options);
        }
        input = session.getInputNames().iterator().next();
    }

    float score(float[] window) throws OrtException {
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(window), new long[] {
                    1, EmbeddingLikeWindows.FRAMES, EmbeddingLikeWindows.FEATURES
                });
                OrtSession.Result result = session.run(Map.of(input, x))) {
            return ((float[][]) result.get(0).getValue())[0][0];
        }
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
