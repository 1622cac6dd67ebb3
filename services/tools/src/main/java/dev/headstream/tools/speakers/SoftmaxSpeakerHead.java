package dev.headstream.tools.speakers;

import dev.headstream.core.head.Adam;
import dev.headstream.core.head.HeadOutput;
import dev.headstream.core.head.OptimizerState;
import dev.headstream.core.head.TaskArchitecture;
import dev.headstream.core.head.TaskHead;
import dev.headstream.core.head.TaskHeadTrainer;
import dev.headstream.core.head.TrainingConfig;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A trained speaker head: a linear {@link TaskHead} with a softmax over the members, on L2-normalised
 * utterance vectors, trained full-batch with Adam ({@value #STEPS} steps, learning rate
 * {@value #LEARNING_RATE}, L2-SP {@value #L2} toward its start) from a seeded start (weights
 * N(0, 0.01), biases 0). An utterance's score is the highest member probability.
 */
public final class SoftmaxSpeakerHead implements SpeakerHead {

    static final int STEPS = 300;
    static final float LEARNING_RATE = 0.05f;
    static final float L2 = 1e-3f;

    private final TaskHead head;
    private final float[] source;
    private final float[] trainable;
    private final int dim;
    private final TaskHead.Workspace ws;

    public SoftmaxSpeakerHead(List<List<float[]>> enrollment, long seed) {
        int members = enrollment.size();
        this.dim = enrollment.get(0).get(0).length;
        TaskArchitecture arch = TaskArchitecture.builder(dim).dense(members).build(HeadOutput.softmax(members));
        this.head = new TaskHead(arch, 1);
        this.source = new float[arch.parameterCount()];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < dim * members; i++) {
            source[i] = (float) (0.01 * gaussian(random));
        }
        this.trainable = head.initialTrainable(source);
        TaskHeadTrainer trainer = new TaskHeadTrainer(
                head, TrainingConfig.of(Adam.of(LEARNING_RATE)).withL2Sp(L2));
        OptimizerState state = trainer.newOptimizerState();
        float[] target = new float[members];
        for (int step = 0; step < STEPS; step++) {
            for (int c = 0; c < members; c++) {
                java.util.Arrays.fill(target, 0f);
                target[c] = 1f;
                for (float[] x : enrollment.get(c)) {
                    trainer.accumulate(source, trainable, normalised(x), 0, target, null, 1f, null);
                }
            }
            trainer.step(source, trainable, state);
        }
        this.ws = head.newWorkspace();
    }

    /** The factory for {@code bench-speakers}; each household's head starts from {@code seed}. */
    public static Factory factory(long seed) {
        return new Factory() {
            @Override
            public String name() {
                return "softmax";
            }

            @Override
            public SpeakerHead build(List<List<float[]>> enrollment) {
                return new SoftmaxSpeakerHead(enrollment, seed);
            }
        };
    }

    @Override
    public int members() {
        return head.outputs();
    }

    /** Not thread-safe: one workspace per head. */
    @Override
    public Score score(float[] x) {
        float[] p = new float[head.outputs()];
        head.probabilities(source, trainable, normalised(x), 0, ws, p);
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return new Score(best, p[best]);
    }

    private float[] normalised(float[] x) {
        if (x.length != dim) {
            throw new IllegalArgumentException("vector of " + x.length + ", head of " + dim);
        }
        double ss = 0;
        for (float v : x) {
            ss += (double) v * v;
        }
        double inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
        float[] out = new float[dim];
        for (int d = 0; d < dim; d++) {
            out[d] = (float) (x[d] * inv);
        }
        return out;
    }

    private static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
