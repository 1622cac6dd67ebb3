package dev.headstream.cli.replay;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.client.HeadKeys;
import dev.headstream.client.KafkaConnection;
import dev.headstream.client.TopicReader;
import dev.headstream.core.adapt.control.ControlCommand;
import dev.headstream.core.adapt.engine.AdaptationEngine;
import dev.headstream.core.adapt.state.ClassHeadState;
import dev.headstream.core.adapt.state.HeadState;
import dev.headstream.core.adapt.state.UserState;
import dev.headstream.core.adapt.task.BinaryHeadTask;
import dev.headstream.core.adapt.task.ClassHeadTask;
import dev.headstream.core.assembly.EngineSpec;
import dev.headstream.core.embed.Backbone;
import dev.headstream.core.ingest.RawSample;
import dev.headstream.core.ingest.UserKey;
import dev.headstream.core.wire.HeadCodec;
import dev.headstream.core.wire.OutputMessages;
import dev.headstream.runtime.assembly.EngineAssembly;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.Control;
import dev.headstream.schemas.v1.ControlAction;
import dev.headstream.schemas.v1.HeadStatus;
import dev.headstream.schemas.v1.HeadUpdate;
import dev.headstream.schemas.v1.Rejected;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.record.TimestampType;

/**
 * Rebuilds every head from the samples topic with the same code and configuration as the
 * adapter (one {@link EngineSpec}, assembled by {@link EngineAssembly} as the adapter assembles
 * it), and compares the result bit for bit with the newest published version of each head:
 * trainable tensors, threshold and sample count. Batch boundaries do not matter (a user's head
 * depends only on the order of that user's samples, which a partition keeps).
 *
 * <p>Samples the adapter rejected for a reason that depends on the instance's state, configuration or
 * history rather than on the record and the user's own samples before it are not replayed (a reject on
 * {@link Topics#REJECTED} names their partition and offset; {@link #notReplayed}): the adapter
 * applied none of them, whatever a replay would make of them. These are {@code PROCESSING_FAILED}
 * (isolated poison records), {@code CAPACITY} (the instance held its bound of resident users),
 * {@code STATE_UNREADABLE} (the user's stored state did not parse on a restore) and
 * {@code WRONG_PARTITION}. The partition check is not re-run from the samples topic's partition
 * count: whether it was on when a record was consumed (the topic check can be turned off, and a
 * topic can gain partitions) is history that only the rejects record. Every other reject
 * ({@code DUPLICATE}, {@code RATE_LIMITED}, validation) follows from the record and the user's
 * earlier samples, so the replay makes the same decision itself. The replay engine holds every
 * user ({@link AdaptationEngine#UNBOUNDED}), whatever the adapter's {@code max-resident-users}: it
 * replays all partitions in one process, and it is an offline check. A sample's timestamp counts
 * for the rate limit only if it is the broker's log-append time, as in the adapter
 * ({@link RawSample#brokerTime}).
 *
 * <p>Control commands are not replayed: where they fall between a user's samples depends on the
 * adapter's batches. An erased head (tombstone) is not compared, and a head with a command on
 * {@link Topics#CONTROL} that the adapter did not reject ({@link Commands}: reset, rollback,
 * freeze, unfreeze, erase, forget-output, for its task or all of its user's), or with a reset other
 * than by its user's new wake phrase or an operator's reason in its published history, is listed as
 * not compared instead of as a difference.
 *
 * <p>Published heads are filed by record key ({@link HeadKeys}): a record whose payload names
 * another head than its key, or that does not parse, is not compared and is listed (bounded) in
 * {@link Result#skipped()}; a tombstone erases the head of its key.
 */
public final class HeadReplay {

    /**
     * What a replay found.
     *
     * @param heads       published heads (newest version per key, erased ones left out)
     * @param identical   of those, how many the replay rebuilt bit for bit
     * @param differences one line per head that differs
     * @param notCompared one line per head left out of the comparison (an operator command in its history)
     * @param skipped     records of the heads topic filed under no head, the first {@value #MAX_SKIPPED_LISTED}
     *                    one line each: a payload that names another head than the record key, no key, or
     *                    bytes that do not parse
     */
    public record Result(
            int heads, int identical, List<String> differences, List<String> notCompared, List<String> skipped) {}

    /** Skipped records listed one by one in {@link Result#skipped()} before a last line counts the rest. */
    static final int MAX_SKIPPED_LISTED = 20;

    private HeadReplay() {}

    /**
     * Rebuilds every head from {@link Topics#SAMPLES} as the adapter configured by {@code spec}
     * would (the specification read from the adapter's own properties), and compares.
     */
    public static Result run(String bootstrap, EngineSpec spec, Duration timeout) {
        return run(KafkaConnection.plain(bootstrap), spec, timeout);
    }

    /** {@link #run(String, EngineSpec, Duration)} on a cluster that may need authentication. */
    public static Result run(KafkaConnection kafka, EngineSpec spec, Duration timeout) {
        Published heads = new Published();
        // one head id's records share a partition, so they arrive in the order they were written;
        // streamed, not held: a long run's heads topic holds thousands of 0.85 MB versions
        TopicReader.forEach(kafka, Topics.HEADS, timeout, true, heads::accept);
        Map<String, HeadUpdate> published = heads.newest();
        Map<String, String> operated = heads.operated();
        Set<String> rejectedCommands = new HashSet<>();
        Set<String> isolated = notReplayed(kafka, timeout, rejectedCommands);
        Commands commands = new Commands(rejectedCommands);
        TopicReader.forEach(kafka, Topics.CONTROL, timeout, true, commands::accept);
        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> byPartition = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka, Topics.SAMPLES, timeout)) {
            if (!isolated.contains(r.partition() + "@" + r.offset())) {
                byPartition
                        .computeIfAbsent(r.partition(), p -> new ArrayList<>())
                        .add(r);
            }
        }
        try (Backbone backbone = EngineAssembly.backbone(spec)) {
            // no bound on resident users: one engine replays every partition, which the adapter's
            // instances held between them (and a user refused CAPACITY is skipped above)
            EngineAssembly.Assembled assembled = EngineAssembly.engine(unbounded(spec), backbone);
            AdaptationEngine engine = assembled.engine();
            for (List<ConsumerRecord<byte[], byte[]>> records : byPartition.values()) {
                records.sort(Comparator.comparingLong(ConsumerRecord::offset));
                for (int i = 0; i < records.size(); i += 64) {
                    List<RawSample> batch = records.subList(i, Math.min(records.size(), i + 64)).stream()
                            .map(r -> new RawSample(
                                    r.partition(),
                                    r.offset(),
                                    r.key(),
                                    r.value(),
                                    RawSample.brokerTime(
                                            r.timestamp(), r.timestampType() == TimestampType.LOG_APPEND_TIME)))
                            .toList();
                    engine.commit(engine.process(batch, 0L));
                }
            }
            List<String> differences = new ArrayList<>();
            List<String> notCompared = new ArrayList<>();
            int identical = 0;
            for (HeadUpdate h : published.values()) {
                // the published version that shows a command, where one does; else the command's record
                String command = operated.containsKey(h.getHeadId())
                        ? operated.get(h.getHeadId())
                        : commands.on(h).orElse(null);
                if (command != null) {
                    notCompared.add(h.getHeadId() + ": operator command (" + command + ")");
                    continue;
                }
                ClassHeadTask classTask = engine.classTasks().get(h.getTask());
                if (classTask != null) {
                    UserState user = engine.user(new UserKey(h.getTenant(), h.getUser()));
                    ClassHeadState c = user == null ? null : user.classHeads().get(h.getTask());
                    String diff = c == null ? "published but not rebuilt by the replay" : compareClass(h, c, classTask);
                    if (diff == null) {
                        identical++;
                    } else {
                        differences.add(h.getHeadId() + ": " + diff);
                    }
                    continue;
                }
                BinaryHeadTask task = assembled.tasks().get(h.getTask());
                if (task == null) {
                    differences.add(h.getHeadId() + ": task '" + h.getTask() + "' is not in the replay's configuration "
                            + assembled.tasks().keySet());
                    continue;
                }
                UserState user = engine.user(new UserKey(h.getTenant(), h.getUser()));
                HeadState s = user == null ? null : user.heads().get(h.getTask());
                if (s == null) {
                    differences.add(h.getHeadId() + ": published but not rebuilt by the replay");
                    continue;
                }
                String diff = compare(h, s, task);
                if (diff == null) {
                    identical++;
                } else {
                    differences.add(h.getHeadId() + ": " + diff);
                }
            }
            return new Result(published.size(), identical, differences, notCompared, heads.skipped());
        }
    }

    /** {@code spec} with no bound on resident users. */
    static EngineSpec unbounded(EngineSpec spec) {
        return spec.withMaxResidentUsers(AdaptationEngine.UNBOUNDED);
    }

    /**
     * Whether the samples record of {@code reject} must not be replayed: the adapter rejected it for a
     * reason that depends on the instance's state or history, not on the record and the user's
     * earlier samples (see the class comment).
     */
    static boolean notReplayed(Rejected reject) {
        if (!Topics.SAMPLES.equals(reject.getTopic())) {
            return false;
        }
        return switch (reject.getReason()) {
            case PROCESSING_FAILED, CAPACITY, STATE_UNREADABLE, WRONG_PARTITION -> true;
            default -> false;
        };
    }

    /**
     * The samples records not to replay ({@link #notReplayed(Rejected)}), as {@code "partition@offset"};
     * the control records the adapter rejected go to {@code rejectedCommands}, the same way.
     */
    private static Set<String> notReplayed(KafkaConnection kafka, Duration timeout, Set<String> rejectedCommands) {
        Set<String> out = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : TopicReader.readAll(kafka, Topics.REJECTED, timeout)) {
            Rejected x;
            try {
                x = Rejected.parseFrom(r.value());
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("unreadable record on " + Topics.REJECTED + ": " + e.getMessage(), e);
            }
            if (Topics.CONTROL.equals(x.getTopic())) {
                rejectedCommands.add(x.getPartition() + "@" + x.getOffset());
            } else if (notReplayed(x)) {
                out.add(x.getPartition() + "@" + x.getOffset());
            }
        }
        return out;
    }

    /** Why class head {@code h} as published differs from the replayed {@code s}, or null. */
    private static String compareClass(HeadUpdate h, ClassHeadState s, ClassHeadTask t) {
        if (!h.getProvenance().getSourceHeadSha256().equals(t.startSha256())
                || !h.getSpec().getOutputLabelsList().equals(t.recipe().labels())) {
            return "published from start " + h.getProvenance().getSourceHeadSha256() + " with outputs "
                    + h.getSpec().getOutputLabelsList() + "; the replay's task starts from " + t.startSha256()
                    + " with " + t.recipe().labels();
        }
        if (h.getProvenance().getSamplesApplied() != s.samplesApplied()) {
            return "samples applied " + h.getProvenance().getSamplesApplied() + " published vs " + s.samplesApplied()
                    + " replayed";
        }
        if (!HeadCodec.classTensors(t.architecture(), t.publishedParameters(s)).equals(h.getTrainableList())) {
            return "parameters differ";
        }
        return null;
    }

    private static String compare(HeadUpdate h, HeadState s, BinaryHeadTask t) {
        if (t.phrasePerUser() && !h.getProvenance().getPhrase().equals(s.phrase())) {
            return "wake phrase '" + h.getProvenance().getPhrase() + "' published vs '" + s.phrase() + "' replayed";
        }
        String nearMisses = t.phrasePerUser()
                ? s.nearMissesSha256()
                : t.nearMisses().isEmpty() ? "" : t.nearMisses().sha256();
        if (!h.getProvenance().getNearMissesSha256().equals(nearMisses)) {
            return "near misses " + shown(h.getProvenance().getNearMissesSha256()) + " published vs "
                    + shown(nearMisses)
                    + " replayed (synthesized by another phrase, count, voices or espeak-ng/sox version)";
        }
        if (h.getProvenance().getSamplesApplied() != s.samplesApplied()) {
            return "samples applied " + h.getProvenance().getSamplesApplied() + " published vs " + s.samplesApplied()
                    + " replayed";
        }
        if (Float.floatToRawIntBits(h.getThreshold()) != Float.floatToRawIntBits(t.publishedThreshold(s))) {
            return "threshold " + h.getThreshold() + " published vs " + t.publishedThreshold(s) + " replayed";
        }
        if (h.getHeldAtSource() != s.heldAtSource()) {
            return "held at source " + h.getHeldAtSource() + " published vs " + s.heldAtSource() + " replayed";
        }
        if (!OutputMessages.headTensors(t, s).equals(h.getTrainableList())) {
            // a version written before head records carried LoRA deltas holds the merged layers:
            // compare the heads both decode to
            if (h.getSpec().hasLora() || !sameMergedHead(h, s, t)) {
                return "trainable tensors differ";
            }
        }
        return null;
    }

    /** A digest as shown in a difference: its first 12 hex digits, or "none". */
    private static String shown(String sha256) {
        return sha256.isEmpty() ? "none" : sha256.substring(0, Math.min(12, sha256.length()));
    }

    /** Whether {@code h} decodes to the head the replayed state publishes, float for float. */
    private static boolean sameMergedHead(HeadUpdate h, HeadState s, BinaryHeadTask t) {
        try {
            float[] published = HeadCodec.decode(h, t.sourceHead()).trainable();
            float[] replayed = t.publishedTrainable(s);
            if (published.length != replayed.length) {
                return false;
            }
            for (int i = 0; i < published.length; i++) {
                if (Float.floatToRawIntBits(published[i]) != Float.floatToRawIntBits(replayed[i])) {
                    return false;
                }
            }
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The operator commands on {@link Topics#CONTROL}, filed by the user its record key names (as
     * the adapter files them) and by task (empty, and every erase: every head of the user). A
     * command's place between a user's samples depends on the adapter's batches, so its heads cannot
     * be rebuilt, and the heads topic may not show it (a freeze or an unfreeze publishes nothing; a
     * compacted heads topic keeps only each head's newest version). Records the adapter rejected (a
     * reject on {@link Topics#REJECTED} names their partition and offset), records without a user
     * key and records that do not parse changed nothing, and are ignored. Fed one record at a time.
     */
    static final class Commands {

        /** First command per "tenant/user" (every head) or per head id. */
        private final Map<String, String> first = new TreeMap<>();

        /** The control records the adapter rejected, as "partition@offset". */
        private final Set<String> rejected;

        Commands(Set<String> rejected) {
            this.rejected = rejected;
        }

        void accept(ConsumerRecord<byte[], byte[]> r) {
            String key = HeadKeys.key(r);
            if (key == null || r.value() == null || rejected.contains(r.partition() + "@" + r.offset())) {
                return;
            }
            UserKey user;
            Control c;
            try {
                user = UserKey.parse(key);
                c = Control.parseFrom(r.value());
            } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
                return;
            }
            String what = "control "
                    + c.getAction().name().replace("CONTROL_ACTION_", "").toLowerCase(java.util.Locale.ROOT) + " at "
                    + r.topic() + "-" + r.partition() + "@" + r.offset();
            // an erase forgets the whole user, whatever task it names (AdaptationEngine)
            boolean all = c.getTask().isEmpty() || c.getAction() == ControlAction.CONTROL_ACTION_ERASE;
            first.putIfAbsent(all ? user.toString() : user.headId(c.getTask()), what);
        }

        /** The first command on head {@code h}, if any. */
        Optional<String> on(HeadUpdate h) {
            String all = first.get(h.getTenant() + "/" + h.getUser());
            return Optional.ofNullable(all != null ? all : first.get(h.getHeadId()));
        }
    }

    /**
     * The published heads as a follower holds them, filed by record key: the newest version per key
     * (a version never goes back; a tombstone erases the key), which keys have an operator command in
     * their history, and the records filed under no head (the first {@link #MAX_SKIPPED_LISTED}
     * described, the rest counted). Fed one record at a time, in offset order per partition.
     */
    static final class Published {

        private final Map<String, HeadUpdate> newest = new TreeMap<>();
        private final Map<String, String> operated = new TreeMap<>();
        private final List<String> skipped = new ArrayList<>();
        private long skippedCount;

        void accept(ConsumerRecord<byte[], byte[]> r) {
            String key = HeadKeys.key(r);
            if (r.value() == null) {
                if (key == null) {
                    skip(r, "a tombstone without a key");
                } else {
                    newest.remove(key);
                    operated.remove(key);
                }
                return;
            }
            HeadUpdate h;
            try {
                h = HeadUpdate.parseFrom(r.value());
            } catch (InvalidProtocolBufferException e) {
                skip(r, "does not parse: " + HeadKeys.shown(e.getMessage()));
                return;
            }
            Optional<String> mismatch = HeadKeys.mismatch(key, h);
            if (mismatch.isPresent()) {
                skip(r, mismatch.get());
                return;
            }
            HeadUpdate old = newest.get(key);
            if (old == null || h.getVersion() > old.getVersion()) {
                newest.put(key, h);
            }
            // a reset by a user's new wake phrase comes from a sample, which the replay applies too; any
            // other reset (a reset on restore, which stays first in its version's reason:
            // HeadState.RESTORE_RESET_REASON) and an operator's rollback do not
            if (h.getStatus() == HeadStatus.HEAD_STATUS_RESET
                            && !h.getStatusReason().startsWith(BinaryHeadTask.NEW_PHRASE_REASON)
                    || h.getStatusReason().startsWith(ControlCommand.REASON_PREFIX)) {
                operated.put(key, "version " + h.getVersion() + " " + HeadKeys.shown(h.getStatusReason()));
            }
        }

        private void skip(ConsumerRecord<byte[], byte[]> r, String why) {
            skippedCount++;
            if (skipped.size() < MAX_SKIPPED_LISTED) {
                skipped.add(r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + why);
            }
        }

        /** The newest version per key, by key. */
        Map<String, HeadUpdate> newest() {
            return newest;
        }

        /** What operator command each key has in its history, by key. */
        Map<String, String> operated() {
            return operated;
        }

        /** The records filed under no head, one line each, then a count of those not listed. */
        List<String> skipped() {
            List<String> out = new ArrayList<>(skipped);
            if (skippedCount > skipped.size()) {
                out.add("... and " + (skippedCount - skipped.size()) + " more");
            }
            return List.copyOf(out);
        }
    }
}
