package dev.headstream.core.detect;

import dev.headstream.core.embed.ClipPooling;
import dev.headstream.core.embed.EmbeddingSequence;
import dev.headstream.core.embed.MeanStdPooling;
import dev.headstream.core.embed.MelCepstrumPooling;
import dev.headstream.core.head.HeadOutput;
import dev.headstream.core.head.TaskArchitecture;
import dev.headstream.core.head.TaskHead;
import java.util.List;
import java.util.Objects;

/**
 * Scores clips with a published class head (multi-class or multi-label) on the consumer side,
 * with the adapter's arithmetic: the clip pooled as the head's spec says ({@link ClipPooling}: its
 * {@link MeanStdPooling mean-std pooled} embeddings, or the {@link MelCepstrumPooling mel-cepstrum}
 * statistics of its front-end frames, which the clip must then carry) through the head's layers ({@link TaskHead}, every layer trainable, so every parameter comes
 * from the head itself and no source head is read), then softmax or one sigmoid per output. The
 * same head and embeddings give the same bits as the adapter's {@code ClassHeadTask.probabilities}.
 * A decoded head update gives one with {@code HeadCodec.DecodedClass.scorer()}.
 *
 * <p>Reading the output: for a multi-class head the probabilities sum to 1 and {@link #top} is
 * the class; a multi-label head's outputs are independent, each on its label's side of 0.5 (as
 * the adapter counts them right), and {@link #top} is only the most probable of them.
 *
 * <p>Call order: construct once per head version (it copies the parameters), then call the
 * scoring methods in any order. Not thread-safe: the pooled vector and the layer activations are
 * the instance's scratch memory, so use one scorer per thread. {@link #pooledProbabilities}, and
 * {@link #probabilities(EmbeddingSequence, float[])} with mean-std pooling, allocate nothing.
 */
public final class ClassHeadScorer {

    /** The highest output: its index (the lowest on a tie), name and probability. */
    public record Top(int index, String label, float probability) {}

    private final TaskArchitecture architecture;
    private final float[] parameters;
    private final List<String> labels;
    private final TaskHead head;
    private final TaskHead.Workspace workspace;
    private final ClipPooling pooling;
    private final float[] pooled;
    private final float[] scratch;

    /** A scorer of a head reading {@link ClipPooling#MEAN_STD mean-std} pooled embeddings. */
    public ClassHeadScorer(TaskArchitecture architecture, float[] parameters, List<String> labels) {
        this(architecture, parameters, labels, ClipPooling.MEAN_STD);
    }

    /**
     * @param architecture a class head's layers and output ({@link HeadOutput.Softmax} or
     *                     {@link HeadOutput.MultiLabel}), reading its pooling's vector ({@code 2 * dim} for mean-std, 76 for mel-cepstrum)
     * @param parameters   every parameter, laid out as {@code architecture} says (copied)
     * @param labels       one name per output, in output order
     * @param pooling      how the head's input is pooled from a clip
     * @throws IllegalArgumentException if the output is neither softmax nor multi-label, the input
     *                                  width does not fit the pooling, or the parameters or labels do not fit
     */
    public ClassHeadScorer(
            TaskArchitecture architecture, float[] parameters, List<String> labels, ClipPooling pooling) {
        this.architecture = Objects.requireNonNull(architecture, "architecture");
        this.pooling = Objects.requireNonNull(pooling, "pooling");
        Objects.requireNonNull(parameters, "parameters");
        this.labels = List.copyOf(labels);
        if (!(architecture.output() instanceof HeadOutput.Softmax)
                && !(architecture.output() instanceof HeadOutput.MultiLabel)) {
            throw new IllegalArgumentException("a class head's output is softmax or multi-label, not "
                    + architecture.output().getClass().getSimpleName());
        }
        String unfitInput = pooling.unfitInput(architecture.inputDim());
        if (unfitInput != null) {
            throw new IllegalArgumentException(unfitInput);
        }
        if (parameters.length != architecture.parameterCount()) {
            throw new IllegalArgumentException("class head has " + parameters.length + " parameters, its architecture "
                    + architecture.parameterCount());
        }
        if (this.labels.size() != architecture.output().outputs()) {
            throw new IllegalArgumentException("class head names " + this.labels.size() + " outputs but has "
                    + architecture.output().outputs());
        }
        this.parameters = parameters.clone();
        this.head = new TaskHead(architecture, architecture.parameterisedLayerCount());
        this.workspace = head.newWorkspace();
        this.pooled = new float[architecture.inputDim()];
        this.scratch = new float[head.outputs()];
    }

    public TaskArchitecture architecture() {
        return architecture;
    }

    /** The output names, in output order. */
    public List<String> labels() {
        return labels;
    }

    /** Number of outputs (classes or labels). */
    public int outputs() {
        return scratch.length;
    }

    /** True for a multi-class (softmax) head, false for a multi-label one. */
    public boolean multiClass() {
        return architecture.output() instanceof HeadOutput.Softmax;
    }

    /** How the head's input is pooled from a clip. */
    public ClipPooling pooling() {
        return pooling;
    }

    /** Values of the pooled vector the head reads ({@link #pooledProbabilities}). */
    public int inputWidth() {
        return architecture.inputDim();
    }

    /**
     * The backbone embedding width the head reads (half its pooled input) with mean-std pooling;
     * 0 with a pooling of the front-end frames, which takes embeddings of any width.
     */
    public int embeddingDim() {
        return pooling == ClipPooling.MEAN_STD ? architecture.inputDim() / 2 : 0;
    }

    /**
     * Writes the head's output probabilities for the clip {@code e} into {@code out} (length
     * {@link #outputs()}).
     *
     * @throws IllegalArgumentException if {@code e}'s embeddings are not {@link #embeddingDim()}
     *                                  wide, it lacks the front-end frames the pooling reads or is
     *                                  silent ({@link ClipPooling#unfit} says why; call it first to
     *                                  skip such a clip), or {@code out} has the wrong length
     */
    public void probabilities(EmbeddingSequence e, float[] out) {
        if (pooling == ClipPooling.MEAN_STD) {
            if (e.dim() != embeddingDim()) {
                throw new IllegalArgumentException(
                        "class head reads embeddings of " + embeddingDim() + " values, got " + e.dim());
            }
            MeanStdPooling.pool(e, pooled, 0);
        } else {
            System.arraycopy(pooling.pool(e), 0, pooled, 0, pooled.length);
        }
        head.probabilities(parameters, parameters, pooled, 0, workspace, out);
    }

    /** {@link #probabilities(EmbeddingSequence, float[])} into a new array. */
    public float[] probabilities(EmbeddingSequence e) {
        float[] out = new float[outputs()];
        probabilities(e, out);
        return out;
    }

    /**
     * Writes the output probabilities for an already pooled vector,
     * {@code pooled[offset .. offset + inputWidth())}, into {@code out}.
     *
     * @throws IllegalArgumentException if that range is outside {@code pooled} or {@code out} has
     *                                  the wrong length
     */
    public void pooledProbabilities(float[] pooled, int offset, float[] out) {
        head.probabilities(parameters, parameters, pooled, offset, workspace, out);
    }

    /** The highest output for the clip {@code e}: for a multi-class head, its class. */
    public Top top(EmbeddingSequence e) {
        probabilities(e, scratch);
        return top(scratch);
    }

    /** The highest of {@code probabilities} (the lowest index on a tie), named by this head's labels. */
    public Top top(float[] probabilities) {
        if (probabilities.length != outputs()) {
            throw new IllegalArgumentException("expected " + outputs() + " probabilities, got " + probabilities.length);
        }
        int best = 0;
        for (int i = 1; i < probabilities.length; i++) {
            if (probabilities[i] > probabilities[best]) {
                best = i;
            }
        }
        return new Top(best, labels.get(best), probabilities[best]);
    }
}
