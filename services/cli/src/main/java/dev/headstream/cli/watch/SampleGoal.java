package dev.headstream.cli.watch;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.headstream.client.HeadKeys;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadUpdate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * {@code watch --until-samples}: whether every named head's newest committed version has applied
 * at least {@code N} samples ({@code provenance.samples_applied}). Records of {@value Topics#HEADS}
 * are filed as a {@link dev.headstream.client.HeadFollower} files them: by record key, a record
 * whose payload names another head ({@link HeadKeys}) or that does not parse is ignored, a version
 * at or below the one held is ignored, and a tombstone removes the head (it has no version until a
 * new one comes).
 *
 * <p>Call order: {@link #accept} for records in topic order (offset order per partition), then
 * {@link #reached()} / {@link #progress()} at any point. Not thread-safe.
 */
final class SampleGoal {

    private final long samples;
    /** Per named head, in the order given: its newest version, or null. */
    private final Map<String, HeadUpdate> newest = new LinkedHashMap<>();

    /**
     * @param headIds the heads to wait for, {@code tenant/user/task}
     * @param samples the samples each must have applied, at least 0
     */
    SampleGoal(Set<String> headIds, long samples) {
        if (headIds.isEmpty()) {
            throw new IllegalArgumentException("no head to wait for");
        }
        if (samples < 0) {
            throw new IllegalArgumentException("samples must be at least 0, got " + samples);
        }
        this.samples = samples;
        headIds.forEach(id -> newest.put(id, null));
    }

    long samples() {
        return samples;
    }

    /** Files one record of {@value Topics#HEADS}; records of heads not named are ignored. */
    void accept(ConsumerRecord<byte[], byte[]> r) {
        String key = HeadKeys.key(r);
        if (key == null || !newest.containsKey(key)) {
            return;
        }
        if (r.value() == null) {
            newest.put(key, null);
            return;
        }
        HeadUpdate u;
        try {
            u = HeadUpdate.parseFrom(r.value());
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        if (HeadKeys.mismatch(key, u).isPresent()) {
            return;
        }
        HeadUpdate held = newest.get(key);
        if (held == null || u.getVersion() > held.getVersion()) {
            newest.put(key, u);
        }
    }

    /** Whether every named head has a version that applied at least the goal's samples. */
    boolean reached() {
        return newest.values().stream().allMatch(this::done);
    }

    /** Each named head with its newest version's count: {@code acme/alice/wake 24 (v12)} or {@code acme/bob/wake no version}. */
    List<String> progress() {
        return describe(false);
    }

    /** {@link #progress()} of the heads that have not reached the goal. */
    List<String> behind() {
        return describe(true);
    }

    private List<String> describe(boolean onlyShort) {
        List<String> out = new ArrayList<>();
        newest.forEach((id, u) -> {
            if (!onlyShort || !done(u)) {
                out.add(
                        u == null
                                ? id + " no version"
                                : String.format(
                                        Locale.ROOT,
                                        "%s %d (v%d)",
                                        id,
                                        u.getProvenance().getSamplesApplied(),
                                        u.getVersion()));
            }
        });
        return out;
    }

    private boolean done(HeadUpdate u) {
        return u != null && u.getProvenance().getSamplesApplied() >= samples;
    }

    /** The line {@code watch} prints when the goal is reached. */
    String reachedMessage() {
        return "watch: every head has applied at least " + samples + " samples: " + String.join(", ", progress());
    }

    /** The message {@code watch} fails with when the time runs out first. */
    String timeoutMessage(String after) {
        List<String> behind = behind();
        return "timed out after " + after + " with " + behind.size() + " of " + newest.size() + " heads short of "
                + samples + " samples: " + String.join(", ", behind);
    }
}
