package dev.headstream.runtime.backbone;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.BackboneInfo;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.embed.ExecutionOptions;
import dev.headstream.core.embed.ModelFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Any single ONNX model as a frozen backbone for float-tensor samples (an image or text encoder,
 * say): one float input whose dimensions after the batch dimension are fixed, one float output.
 * Each sample's tensor must have exactly the input's per-sample shape; its embedding is the
 * flattened output row (one frame).
 *
 * <p>When the model's batch dimension is dynamic, all inputs of a call run as one batch;
 * otherwise (batch fixed at 1) they run one by one. Thread-safe; {@link #close()} is idempotent.
 */
public final class OnnxTensorBackbone implements Backbone {

    private final OrtEnvironment env;
    private final OrtSession session;
    private final String inputName;
    private final long[] sampleShape;
    private final int sampleSize;
    private final boolean batched;
    private final int embeddingDim;
    private final BackboneInfo info;
    private volatile boolean closed;

    /**
     * Loads {@code model} and checks its contract.
     *
     * @throws IllegalArgumentException naming the problem when the model is not one float input with
     *                                  fixed per-sample dimensions and one float output
     */
    public OnnxTensorBackbone(ModelFile model, ExecutionOptions options) {
        this.env = OrtEnvironment.getEnvironment();
        OrtGate.install();
        OrtSessions.Created created = OrtSessions.create(env, model.bytes(), model.id(), options);
        this.session = created.session();
        try {
            if (session.getNumInputs() != 1 || session.getNumOutputs() != 1) {
                throw new IllegalArgumentException("model " + model.id() + " must have 1 input and 1 output, has "
                        + session.getNumInputs() + " and " + session.getNumOutputs());
            }
            Map.Entry<String, NodeInfo> in =
                    session.getInputInfo().entrySet().iterator().next();
            TensorInfo ti = tensorInfo(model.id(), "input " + in.getKey(), in.getValue());
            long[] shape = ti.getShape();
            if (shape.length < 2) {
                throw new IllegalArgumentException("model " + model.id() + " input " + in.getKey() + " has shape "
                        + Arrays.toString(shape) + "; expected [batch, ...] with at least one sample dimension");
            }
            this.sampleShape = Arrays.copyOfRange(shape, 1, shape.length);
            for (long d : sampleShape) {
                if (d < 1) {
                    throw new IllegalArgumentException("model " + model.id() + " input " + in.getKey() + " has shape "
                            + Arrays.toString(shape) + "; only the batch dimension may be dynamic");
                }
            }
            if (shape[0] != -1 && shape[0] != 1) {
                throw new IllegalArgumentException(
                        "model " + model.id() + " input batch dimension is " + shape[0] + "; expected dynamic or 1");
            }
            this.batched = shape[0] == -1;
            this.inputName = in.getKey();
            this.sampleSize = (int) Arrays.stream(sampleShape).reduce(1, Math::multiplyExact);
            NodeInfo out = session.getOutputInfo().values().iterator().next();
            long[] outShape = tensorInfo(model.id(), "output", out).getShape();
            long dim = 1;
            for (int i = 1; i < outShape.length; i++) {
                if (outShape[i] < 1) {
                    throw new IllegalArgumentException("model " + model.id() + " output has shape "
                            + Arrays.toString(outShape) + "; only the batch dimension may be dynamic");
                }
                dim *= outShape[i];
            }
            this.embeddingDim = Math.toIntExact(dim);
        } catch (OrtException e) {
            close();
            throw new IllegalArgumentException(
                    "cannot read model metadata of " + model.id() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.info = new BackboneInfo("onnx-" + model.id(), model.sha256(), embeddingDim, created.provider());
    }

    private static TensorInfo tensorInfo(String model, String what, NodeInfo node) {
        if (!(node.getInfo() instanceof TensorInfo ti) || ti.type != OnnxJavaType.FLOAT) {
            throw new IllegalArgumentException(
                    "model " + model + " " + what + " must be a float tensor, is " + node.getInfo());
        }
        return ti;
    }

    @Override
    public BackboneInfo info() {
        return info;
    }

    /** The per-sample input shape the model takes (without the batch dimension). */
    public long[] sampleShape() {
        return sampleShape.clone();
    }

    @Override
    public void validate(BackboneInput input) {
        if (!(input instanceof BackboneInput.Tensor t)) {
            throw new IllegalArgumentException("backbone " + info.id() + " takes float tensors, got audio");
        }
        if (!Arrays.equals(t.shape(), sampleShape)) {
            throw new IllegalArgumentException("tensor shape " + BackboneInput.Tensor.describe(t.shape())
                    + " does not match the model's " + Arrays.toString(sampleShape));
        }
    }

    /** Only a model without a batch dimension runs each input alone; a batched one runs a batch at once. */
    @Override
    public boolean embedsEachInputAlone() {
        return !batched;
    }

    @Override
    public List<EmbeddingSequence> embed(List<? extends BackboneInput> inputs) {
        if (closed) {
            throw new IllegalStateException("backbone is closed");
        }
        for (BackboneInput in : inputs) {
            validate(in);
        }
        List<EmbeddingSequence> out = new ArrayList<>(inputs.size());
        try {
            if (batched) {
                if (!inputs.isEmpty()) {
                    run(inputs, out);
                }
            } else {
                for (BackboneInput in : inputs) {
                    run(List.of(in), out);
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("backbone " + info.id() + " run failed: " + e.getMessage(), e);
        }
        return out;
    }

    private void run(List<? extends BackboneInput> inputs, List<EmbeddingSequence> out) throws OrtException {
        int n = inputs.size();
        FloatBuffer buf = ByteBuffer.allocateDirect(n * sampleSize * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        for (BackboneInput in : inputs) {
            buf.put(((BackboneInput.Tensor) in).values());
        }
        buf.flip();
        long[] shape = new long[sampleShape.length + 1];
        shape[0] = n;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        OrtGate.enter();
        try (OnnxTensor t = OnnxTensor.createTensor(env, buf, shape);
                OrtSession.Result r = session.run(Map.of(inputName, t))) {
            FloatBuffer o = ((OnnxTensor) r.get(0)).getFloatBuffer();
            if (o.remaining() != n * embeddingDim) {
                throw new IllegalStateException("backbone " + info.id() + " returned " + o.remaining() + " floats for "
                        + n + " inputs; expected " + n * embeddingDim);
            }
            for (int i = 0; i < n; i++) {
                float[] row = new float[embeddingDim];
                o.get(row);
                out.add(new EmbeddingSequence(1, embeddingDim, row));
            }
        } finally {
            OrtGate.exit();
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (session != null) {
            OrtGate.closeSessions(() -> {
                try {
                    session.close();
                } catch (OrtException e) {
                    throw new IllegalStateException("cannot close ONNX session: " + e.getMessage(), e);
                }
            });
        }
    }
}
