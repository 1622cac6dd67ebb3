package dev.headstream.core.adapt.task;

import dev.headstream.core.head.HeadTrainer;
import dev.headstream.core.head.LoraHeadTrainer;
import dev.headstream.core.head.LoraMlpHead;
import dev.headstream.core.head.MlpHead;
import dev.headstream.core.head.OptimizerState;
import dev.headstream.core.head.SourceHead;
import dev.headstream.core.head.TrainingConfig;

/**
 * How a {@link BinaryHeadTask} represents, trains and scores a user's per-user vector: the top-k
 * tail of an {@link MlpHead}, or the low-rank vector of a {@link LoraMlpHead}. {@link #of} is the
 * only place that chooses between them.
 *
 * <p>Every user's head is published in one form: an {@link MlpHead} with a tail
 * ({@link #publishedHead()}, {@link #publishedTail}); a LoRA user's deltas are merged into an
 * all-layers tail for it.
 *
 * <p>Not thread-safe: owns a trainer and scratch buffers, like the task that holds it.
 */
interface UserHeadTraining {

    /** LoRA scale {@code alpha / r} is 2 for every rank. */
    float LORA_ALPHA_PER_RANK = 2f;

    static UserHeadTraining of(SourceHead sourceHead, HeadRecipe recipe) {
        TrainingConfig config = new TrainingConfig(recipe.newOptimizer(), recipe.l2sp(), recipe.maxGradientNorm());
        float[] source = sourceHead.parameters();
        if (recipe.loraRank() > 0) {
            LoraMlpHead head = new LoraMlpHead(
                    sourceHead.architecture(), recipe.loraRank(), LORA_ALPHA_PER_RANK * recipe.loraRank(), true);
            return new LowRank(head, new LoraHeadTrainer(head, config), source, recipe.windowFrames());
        }
        MlpHead head = new MlpHead(sourceHead.architecture(), recipe.trainableTopLayers());
        return new TopLayers(head, new HeadTrainer(head, config), source, recipe.windowFrames());
    }

    float[] initialTrainable(long seed);

    OptimizerState newOptimizerState();

    /** Adds one window to the current mini-batch. */
    default void accumulate(float[] trainable, float[] input, int offset, float target, float weight) {
        accumulate(trainable, null, 0, input, offset, target, weight);
    }

    /**
     * Adds one window to the current mini-batch, its first layer's frozen product read from
     * {@code base[baseOffset ..]} ({@link ClipScorer#firstLayerProduct}, only where
     * {@link ClipScorer#firstLayerWidth()} {@code > 0}) instead of computed: the same bits.
     * {@code base == null} computes it.
     */
    void accumulate(
            float[] trainable, float[] base, int baseOffset, float[] input, int offset, float target, float weight);

    /** Completes the mini-batch and applies one optimizer step with L2 strength {@code lambda}. */
    void step(float[] trainable, OptimizerState state, float lambda);

    ClipScorer scorer();

    MlpHead publishedHead();

    /** The tail of {@link #publishedHead()} for a user's vector; a new array. */
    float[] publishedTail(float[] trainable);

    /** The LoRA head whose per-user vectors this trains, or null for a top-k head. */
    default LoraMlpHead lora() {
        return null;
    }

    /** Top-k layers train as full per-user copies. */
    record TopLayers(MlpHead head, HeadTrainer trainer, float[] source, ClipScorer scorer) implements UserHeadTraining {
        TopLayers(MlpHead head, HeadTrainer trainer, float[] source, int windowFrames) {
            this(head, trainer, source, new ClipScorer(head, source, windowFrames));
        }

        @Override
        public float[] initialTrainable(long seed) {
            return head.initialTrainable(source);
        }

        @Override
        public OptimizerState newOptimizerState() {
            return trainer.newOptimizerState();
        }

        @Override
        public void accumulate(
                float[] trainable,
                float[] base,
                int baseOffset,
                float[] input,
                int offset,
                float target,
                float weight) {
            if (base != null) {
                throw new IllegalArgumentException("a top-k head's first layer trains per user: no shared product");
            }
            trainer.accumulate(source, trainable, input, offset, target, weight);
        }

        @Override
        public void step(float[] trainable, OptimizerState state, float lambda) {
            trainer.step(source, trainable, state, lambda);
        }

        @Override
        public MlpHead publishedHead() {
            return head;
        }

        @Override
        public float[] publishedTail(float[] trainable) {
            return trainable.clone();
        }
    }

    /** Every layer frozen; per-user low-rank deltas. */
    record LowRank(LoraMlpHead head, LoraHeadTrainer trainer, float[] source, ClipScorer scorer, MlpHead published)
            implements UserHeadTraining {
        LowRank(LoraMlpHead head, LoraHeadTrainer trainer, float[] source, int windowFrames) {
            this(
                    head,
                    trainer,
                    source,
                    new ClipScorer(head, source, windowFrames),
                    new MlpHead(head.architecture(), head.architecture().parameterisedLayerCount()));
        }

        @Override
        public float[] initialTrainable(long seed) {
            return head.initialTrainable(source, seed);
        }

        @Override
        public OptimizerState newOptimizerState() {
            return trainer.newOptimizerState();
        }

        @Override
        public void accumulate(
                float[] trainable,
                float[] base,
                int baseOffset,
                float[] input,
                int offset,
                float target,
                float weight) {
            trainer.accumulate(source, trainable, base, baseOffset, input, offset, target, weight);
        }

        @Override
        public void step(float[] trainable, OptimizerState state, float lambda) {
            trainer.step(source, trainable, state, lambda);
        }

        @Override
        public MlpHead publishedHead() {
            return published;
        }

        @Override
        public LoraMlpHead lora() {
            return head;
        }

        @Override
        public float[] publishedTail(float[] trainable) {
            return published.initialTrainable(head.merged(source, trainable));
        }
    }
}
