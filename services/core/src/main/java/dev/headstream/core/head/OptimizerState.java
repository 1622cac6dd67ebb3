package dev.headstream.core.head;

import java.util.Arrays;
import java.util.Objects;

/**
 * An optimizer's per-user memory: its moment arrays ("slots", e.g. Adam's first and second
 * moments) for one trainable tail, and the number of steps taken so far. Created by
 * {@link Optimizer#newState(int)} or {@link #restore(long, float[]...)}; only the optimizer that
 * created it writes it, during {@link Optimizer#step}.
 *
 * <p>Not thread-safe: it belongs to the user's state, updated by one thread at a time. To update
 * transactionally, step a {@link #copy()} and swap it in after the commit.
 */
public final class OptimizerState {

    private final float[][] slots;
    private long steps;

    OptimizerState(int slotCount, int length) {
        if (slotCount < 0 || length < 0) {
            throw new IllegalArgumentException("slot count and length must be non-negative");
        }
        this.slots = new float[slotCount][length];
    }

    private OptimizerState(float[][] slots, long steps) {
        this.slots = slots;
        this.steps = steps;
    }

    /** Rebuilds a state from persisted values (copied), e.g. from the adapter-state changelog. */
    public static OptimizerState restore(long steps, float[]... slots) {
        Objects.requireNonNull(slots, "slots");
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be non-negative, got " + steps);
        }
        float[][] copy = new float[slots.length][];
        for (int i = 0; i < slots.length; i++) {
            copy[i] = Objects.requireNonNull(slots[i], "slot").clone();
            if (copy[i].length != copy[0].length) {
                throw new IllegalArgumentException("all slots must have the same length");
            }
        }
        return new OptimizerState(copy, steps);
    }

    /** Optimizer steps applied so far (Adam's bias correction uses it). */
    public long steps() {
        return steps;
    }

    public int slotCount() {
        return slots.length;
    }

    /** A copy of slot {@code index}, for persisting. */
    public float[] copySlot(int index) {
        return slots[index].clone();
    }

    /** An independent deep copy. */
    public OptimizerState copy() {
        float[][] copy = new float[slots.length][];
        for (int i = 0; i < slots.length; i++) {
            copy[i] = slots[i].clone();
        }
        return new OptimizerState(copy, steps);
    }

    float[] slot(int index) {
        return slots[index];
    }

    void check(int expectedSlots, int length) {
        if (slots.length != expectedSlots || (expectedSlots > 0 && slots[0].length != length)) {
            throw new IllegalArgumentException("optimizer state has " + slots.length + " slots of length "
                    + (slots.length == 0 ? 0 : slots[0].length) + ", expected " + expectedSlots + " of length "
                    + length);
        }
    }

    /** The preconditions every {@link Optimizer#step} shares. */
    static void checkStep(float[] parameters, float[] gradient, float gradientScale) {
        if (parameters == null || gradient == null || parameters.length != gradient.length) {
            throw new IllegalArgumentException("parameters and gradient must be non-null and of equal length");
        }
        if (!Float.isFinite(gradientScale)) {
            throw new IllegalArgumentException("gradientScale must be finite, got " + gradientScale);
        }
    }

    long advance() {
        return ++steps;
    }

    @Override
    public String toString() {
        return "OptimizerState[steps=" + steps + ", slots=" + slots.length + "x"
                + (slots.length == 0 ? 0 : slots[0].length) + "]";
    }

    /** Bit-exact comparison of steps and slot contents (for determinism checks). */
    public boolean sameAs(OptimizerState other) {
        if (other == null || other.steps != steps || other.slots.length != slots.length) {
            return false;
        }
        for (int i = 0; i < slots.length; i++) {
            if (!Arrays.equals(slots[i], other.slots[i])) {
                return false;
            }
        }
        return true;
    }
}
