package dev.headstream.core.wire;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.embed.BackboneInput;
import dev.headstream.core.ingest.Label;
import dev.headstream.core.ingest.SampleRejectedException;
import dev.headstream.core.ingest.Split;
import dev.headstream.core.ingest.TaskKind;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.ingest.ValidSample;
import dev.headstream.core.ingest.WakePhrase;
import dev.headstream.schemas.v1.FloatTensor;
import dev.headstream.schemas.v1.RejectReason;
import dev.headstream.schemas.v1.Sample;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns a raw {@code headstream.samples} record into a {@link ValidSample}, or throws a
 * {@link SampleRejectedException} with the reason code. Checks, in order: size (before parsing),
 * key (its length before anything else), protobuf, sample id, tenant/user consistency, input shape
 * and values, labels. A rejection's message quotes no more than a bounded part of the record
 * ({@link Bounded}), and its sample id is empty unless the id is valid. Thread-safe.
 */
public final class SampleDecoder {

    /** Longest accepted sample id, in characters ({@link Bounded#MAX_ID_CHARS}). */
    public static final int MAX_SAMPLE_ID_CHARS = Bounded.MAX_ID_CHARS;

    /** Largest sample weight accepted: larger ones would let one sample dominate (or overflow) a step. */
    public static final float MAX_WEIGHT = 100f;

    private final int maxBytes;
    private final Backbone backbone;
    private final Map<String, TaskKind> tasks;
    /** The tasks whose wake phrase each user names in their samples ({@code phrase=per-user}). */
    private final Set<String> phrasePerUser;

    /**
     * @param maxBytes largest accepted record value
     * @param backbone checks that the input can be embedded
     * @param tasks    configured tasks by name
     */
    public SampleDecoder(int maxBytes, Backbone backbone, Map<String, TaskKind> tasks) {
        this(maxBytes, backbone, tasks, Set.of());
    }

    /**
     * @param maxBytes      largest accepted record value
     * @param backbone      checks that the input can be embedded
     * @param tasks         configured tasks by name
     * @param phrasePerUser the tasks among them whose wake phrase each user names ({@code Sample.phrase})
     */
    public SampleDecoder(int maxBytes, Backbone backbone, Map<String, TaskKind> tasks, Set<String> phrasePerUser) {
        this.maxBytes = maxBytes;
        this.backbone = backbone;
        this.tasks = Map.copyOf(tasks);
        this.phrasePerUser = Set.copyOf(phrasePerUser);
        if (!this.tasks.keySet().containsAll(this.phrasePerUser)) {
            throw new IllegalArgumentException(
                    "tasks with a phrase per user must be configured tasks: " + phrasePerUser);
        }
    }

    /** The largest record value accepted. */
    public int maxBytes() {
        return maxBytes;
    }

    public ValidSample decode(byte[] key, byte[] value) {
        if (value == null) {
            throw reject(RejectReason.MALFORMED, "record has no value", "");
        }
        if (value.length > maxBytes) {
            throw reject(
                    RejectReason.TOO_LARGE,
                    "record value has " + value.length + " bytes; at most " + maxBytes + " are accepted",
                    "");
        }
        UserKey user;
        try {
            UserKey.checkLength(key);
            user = UserKey.parse(key == null ? null : utf8(key));
        } catch (IllegalArgumentException e) {
            throw reject(RejectReason.BAD_KEY, e.getMessage(), "");
        }
        Sample s;
        try {
            s = Sample.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw reject(RejectReason.MALFORMED, "value is not a headstream.v1.Sample: " + e.getMessage(), "");
        }
        String id = s.getSampleId();
        if (id.isEmpty() || id.length() > MAX_SAMPLE_ID_CHARS) {
            // an id over the limit is neither quoted nor carried as the reject's sample id
            throw reject(
                    RejectReason.MALFORMED,
                    "sample_id must be 1-" + MAX_SAMPLE_ID_CHARS + " characters, has " + id.length(),
                    "");
        }
        if (!s.getTenant().isEmpty() && !s.getTenant().equals(user.tenant())
                || !s.getUser().isEmpty() && !s.getUser().equals(user.user())) {
            throw reject(
                    RejectReason.TENANT_MISMATCH,
                    "payload says " + Bounded.id(s.getTenant()) + "/" + Bounded.id(s.getUser())
                            + " but the record key says " + user,
                    id);
        }
        BackboneInput input = input(s, id);
        try {
            backbone.validate(input);
        } catch (IllegalArgumentException e) {
            throw reject(RejectReason.SHAPE_MISMATCH, Bounded.message(e.getMessage()), id);
        }
        float weight = s.getWeight() == 0f ? 1f : s.getWeight();
        if (!Float.isFinite(weight) || weight < 0f) {
            throw reject(RejectReason.NON_FINITE, "weight must be finite and positive, got " + weight, id);
        }
        if (weight > MAX_WEIGHT) {
            throw reject(RejectReason.LABEL_RANGE, "weight must be at most " + MAX_WEIGHT + ", got " + weight, id);
        }
        Split split = switch (s.getSplit()) {
            case SPLIT_TRAIN, SPLIT_UNSPECIFIED -> Split.TRAIN;
            case SPLIT_HOLDOUT -> Split.HOLDOUT;
            default -> throw reject(RejectReason.MALFORMED, "unknown split " + s.getSplitValue(), id);
        };
        Map<String, Label> labels = new HashMap<>();
        for (Map.Entry<String, dev.headstream.schemas.v1.Label> e :
                s.getLabelsMap().entrySet()) {
            TaskKind kind = tasks.get(e.getKey());
            if (kind == null) {
                throw reject(
                        RejectReason.UNKNOWN_TASK,
                        "task '" + abbreviate(e.getKey()) + "' is not configured; known tasks: " + tasks.keySet(),
                        id);
            }
            labels.put(e.getKey(), label(e.getKey(), kind, e.getValue(), id));
        }
        return new ValidSample(id, user, input, labels, weight, split, phrase(s.getPhrase(), labels.keySet(), id));
    }

    /**
     * A sample's wake phrase as heads keep it: it must be speakable, and the sample must label a task
     * whose phrase is per user (a phrase a task would ignore is a producer's mistake, not silence).
     */
    private String phrase(String phrase, Set<String> labeled, String id) {
        if (phrase.isEmpty()) {
            return "";
        }
        if (!WakePhrase.speakable(phrase)) {
            throw reject(
                    RejectReason.MALFORMED,
                    "phrase must be " + WakePhrase.RULE + ": '" + Bounded.text(phrase, WakePhrase.MAX_CHARS) + "'",
                    id);
        }
        if (labeled.stream().noneMatch(phrasePerUser::contains)) {
            throw reject(
                    RejectReason.MALFORMED,
                    "the sample names a wake phrase but labels no task whose phrase is per user (labels "
                            + new TreeSet<>(labeled) + "; tasks with a phrase per user: "
                            + new TreeSet<>(phrasePerUser) + ")",
                    id);
        }
        return WakePhrase.ofUser(phrase);
    }

    private static BackboneInput input(Sample s, String id) {
        switch (s.getInputCase()) {
            case AUDIO -> {
                var a = s.getAudio();
                if (a.getPcm16Le().size() % 2 != 0) {
                    throw reject(
                            RejectReason.SHAPE_MISMATCH,
                            "pcm16le has an odd number of bytes ("
                                    + a.getPcm16Le().size() + ")",
                            id);
                }
                short[] pcm = new short[a.getPcm16Le().size() / 2];
                a.getPcm16Le()
                        .asReadOnlyByteBuffer()
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asShortBuffer()
                        .get(pcm);
                return new BackboneInput.Audio(a.getSampleRateHz(), pcm);
            }
            case TENSOR -> {
                FloatTensor t = s.getTensor();
                long[] shape =
                        t.getShapeList().stream().mapToLong(Long::longValue).toArray();
                float[] v = new float[t.getValuesCount()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = t.getValues(i);
                    if (!Float.isFinite(v[i])) {
                        throw reject(RejectReason.NON_FINITE, "tensor value " + i + " is " + v[i], id);
                    }
                }
                try {
                    return new BackboneInput.Tensor(shape, v);
                } catch (IllegalArgumentException e) {
                    throw reject(RejectReason.SHAPE_MISMATCH, Bounded.message(e.getMessage()), id);
                }
            }
            default -> throw reject(RejectReason.MALFORMED, "sample has no input (audio or tensor)", id);
        }
    }

    private static Label label(String task, TaskKind kind, dev.headstream.schemas.v1.Label l, String id) {
        return switch (kind.type()) {
            case BINARY -> {
                if (l.getValueCase() != dev.headstream.schemas.v1.Label.ValueCase.BINARY) {
                    throw reject(
                            RejectReason.LABEL_RANGE,
                            "task '" + task + "' is binary; label is " + l.getValueCase(),
                            id);
                }
                yield new Label.Binary(l.getBinary());
            }
            case MULTI_CLASS -> {
                if (l.getValueCase() != dev.headstream.schemas.v1.Label.ValueCase.CLASS_INDEX
                        || l.getClassIndex() < 0
                        || l.getClassIndex() >= kind.outputs()) {
                    throw reject(
                            RejectReason.LABEL_RANGE,
                            "task '" + task + "' needs a class index in [0, " + kind.outputs() + ")",
                            id);
                }
                yield new Label.ClassIndex(l.getClassIndex());
            }
            case MULTI_LABEL -> {
                var m = l.getMultiHot();
                if (l.getValueCase() != dev.headstream.schemas.v1.Label.ValueCase.MULTI_HOT
                        || m.getTargetsCount() != kind.outputs()
                        || m.getMaskCount() != kind.outputs()) {
                    throw reject(
                            RejectReason.LABEL_RANGE,
                            "task '" + task + "' needs " + kind.outputs() + " multi-hot targets and mask entries",
                            id);
                }
                float[] targets = new float[kind.outputs()];
                boolean[] mask = new boolean[kind.outputs()];
                for (int i = 0; i < targets.length; i++) {
                    targets[i] = m.getTargets(i);
                    mask[i] = m.getMask(i);
                    if (targets[i] != 0f && targets[i] != 1f) {
                        throw reject(
                                RejectReason.LABEL_RANGE,
                                "multi-hot target " + i + " is " + targets[i] + "; must be 0 or 1",
                                id);
                    }
                }
                yield new Label.MultiHot(targets, mask);
            }
        };
    }

    private static String utf8(byte[] key) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(key))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("record key is not valid UTF-8");
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private static SampleRejectedException reject(RejectReason reason, String message, String id) {
        return new SampleRejectedException(reason, message, id);
    }
}
