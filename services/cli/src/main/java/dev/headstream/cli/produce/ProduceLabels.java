package dev.headstream.cli.produce;

import dev.headstream.schemas.v1.Label;
import dev.headstream.schemas.v1.MultiHot;
import dev.headstream.schemas.v1.Split;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The words {@code produce} reads for labels and splits, shared by the options and the manifests.
 * A binary label is {@code 1}, {@code true} or {@code positive} for a positive clip and {@code 0},
 * {@code false} or {@code negative} for a negative one (any case); a class task's is
 * {@code class:<index>} or {@code multi:<1|0|?>,...}; a split is {@code train} or
 * {@code holdout}. Errors are {@link IllegalArgumentException}s that start with where the value
 * was read. Stateless.
 */
final class ProduceLabels {

    /** The folders that label the clips under them, as in {@code eval --clips}. */
    static final String POSITIVE = "positive";

    static final String NEGATIVE = "negative";

    private ProduceLabels() {}

    /** Prefix of a multi-class label: {@code class:<index>}. */
    static final String CLASS = "class:";

    /** Prefix of a multi-label label: {@code multi:<1|0|?>,...}, one entry per output. */
    static final String MULTI = "multi:";

    /**
     * A label from its word; null when {@code value} is blank (the task is unlabeled). A binary
     * task's word (above), or for a class task {@code class:<index>} (multi-class: the class, from
     * 0 in the task's {@code labels} order) or {@code multi:<v>,<v>,...} (multi-label: one entry per
     * output, {@code 1}, {@code 0} or {@code ?} for an output this sample does not label).
     */
    static Label binary(String value, String where) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.startsWith(CLASS)) {
            int index;
            try {
                index = Integer.parseInt(v.substring(CLASS.length()).strip());
            } catch (NumberFormatException e) {
                index = -1;
            }
            if (index < 0) {
                throw new IllegalArgumentException(
                        where + ": a class label is class:<index> with the index from 0, got '" + value.strip() + "'");
            }
            return Label.newBuilder().setClassIndex(index).build();
        }
        if (v.startsWith(MULTI)) {
            MultiHot.Builder hot = MultiHot.newBuilder();
            for (String entry : v.substring(MULTI.length()).split(",", -1)) {
                switch (entry.strip()) {
                    case "1" -> hot.addTargets(1f).addMask(true);
                    case "0" -> hot.addTargets(0f).addMask(true);
                    case "?" -> hot.addTargets(0f).addMask(false);
                    default ->
                        throw new IllegalArgumentException(where + ": a multi-label label is multi:<v>,<v>,... with"
                                + " 1, 0 or ? per output, got '" + value.strip() + "'");
                }
            }
            return Label.newBuilder().setMultiHot(hot).build();
        }
        return switch (v) {
            case "" -> null;
            case "1", "true", POSITIVE -> Label.newBuilder().setBinary(true).build();
            case "0", "false", NEGATIVE -> Label.newBuilder().setBinary(false).build();
            default ->
                throw new IllegalArgumentException(where + ": a binary label is 1, 0, true, false, positive or"
                        + " negative (a class task's: class:<index> or multi:<1|0|?>,...), got '" + value.strip()
                        + "'");
        };
    }

    /**
     * A task name as a manifest or an option writes it, stripped; an empty one names no task and is
     * an error (the adapter would reject the sample {@code UNKNOWN_TASK} after it was sent).
     */
    static String task(String name, String where) {
        String task = name.strip();
        if (task.isEmpty()) {
            throw new IllegalArgumentException(where + ": a label names no task (an empty task name)");
        }
        return task;
    }

    /** {@code TASK=VALUE} pairs, from {@code --label} options or a {@code labels} field ({@code wake=1;other=0}). */
    static Map<String, Label> pairs(List<String> pairs, String where) {
        Map<String, Label> out = new LinkedHashMap<>();
        for (String pair : pairs) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq < 0 || pair.substring(0, eq).isBlank()) {
                throw new IllegalArgumentException(
                        where + ": a label is TASK=VALUE (e.g. wake=1), got '" + pair.strip() + "'");
            }
            String task = task(pair.substring(0, eq), where);
            Label label = binary(pair.substring(eq + 1), where + ", task " + task);
            if (label == null) {
                throw new IllegalArgumentException(where + ": task " + task + " has no value");
            }
            if (out.put(task, label) != null) {
                throw new IllegalArgumentException(where + ": task " + task + " is labeled twice");
            }
        }
        return out;
    }

    /** A split from its word; {@code fallback} when blank. */
    static Split split(String value, Split fallback, String where) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "" -> fallback;
            case "train" -> Split.SPLIT_TRAIN;
            case "holdout" -> Split.SPLIT_HOLDOUT;
            default ->
                throw new IllegalArgumentException(where + ": split is train or holdout, got '" + value.strip() + "'");
        };
    }

    /** {@code train} or {@code holdout}. */
    static String name(Split split) {
        return split == Split.SPLIT_HOLDOUT ? "holdout" : "train";
    }
}
