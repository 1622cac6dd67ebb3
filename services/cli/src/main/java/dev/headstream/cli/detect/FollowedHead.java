package dev.headstream.cli.detect;

import dev.headstream.cli.evaluate.EvalHead;
import dev.headstream.cli.evaluate.HeadLoader;
import dev.headstream.client.HeadFollower;
import dev.headstream.client.HeadKeys;
import dev.headstream.client.KafkaConnection;
import dev.headstream.runtime.onnx.SourceHeads;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadUpdate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One user's head as it is published on {@value Topics#HEADS}, followed with the client library's
 * {@link HeadFollower} (only that head's partition, only its key). Each version is exported in
 * memory exactly as {@code export-head} would write it and read back ({@link HeadLoader}), on the
 * follower's thread, then swapped in whole: a detector calling {@link #current()} gets the old
 * version until the new one is built. Versions never go back; a tombstone (erased head) leaves
 * no head until a new one is published. A version that cannot be built is skipped (the detector
 * scores on with the one before) and named by {@link #takeNotices()}, with the reason.
 */
public final class FollowedHead implements HeadSource {

    private final String headId;
    private final String bootstrap;
    private final Problems problems = new Problems();
    private final HeadFollower<DetectorHead> follower;

    /**
     * Starts following; see {@link #awaitCaughtUp}.
     *
     * @param threshold overrides each version's published threshold when not null
     * @param listener  hears of swaps and removals (on the follower's thread; must not block)
     */
    public FollowedHead(
            String bootstrap,
            String headId,
            Path modelsDir,
            Float threshold,
            HeadFollower.Listener<DetectorHead> listener) {
        this(KafkaConnection.plain(bootstrap), headId, modelsDir, threshold, listener);
    }

    /** {@link #FollowedHead(String, String, Path, Float, HeadFollower.Listener)} on a cluster that may need authentication. */
    public FollowedHead(
            KafkaConnection kafka,
            String headId,
            Path modelsDir,
            Float threshold,
            HeadFollower.Listener<DetectorHead> listener) {
        this.headId = headId;
        this.bootstrap = kafka.bootstrapServers();
        Map<String, SourceHeads.Resolved> sources = new ConcurrentHashMap<>();
        this.follower = HeadFollower.<DetectorHead>builder(kafka, u -> {
                    try {
                        return build(u, modelsDir, sources, threshold);
                    } catch (RuntimeException e) {
                        problems.failed(u, e);
                        throw e;
                    }
                })
                .heads(Set.of(headId))
                .listener(listener)
                .build()
                .start();
    }

    /** The head a detector scores with for {@code update}: the model {@code export-head} would write. */
    static DetectorHead build(
            HeadUpdate update, Path modelsDir, Map<String, SourceHeads.Resolved> sources, Float threshold) {
        byte[] model = HeadLoader.export(update, modelsDir, sources);
        String name = update.getHeadId() + " v" + update.getVersion();
        EvalHead head = HeadLoader.adapted(name, Topics.HEADS + " " + name, model, threshold);
        return new DetectorHead(
                update.getHeadId(),
                update.getVersion(),
                update.getStatus().name().replace("HEAD_STATUS_", ""),
                update.getHeldAtSource(),
                update.getProvenance().getSamplesApplied(),
                head);
    }

    /**
     * Waits until the follower has read every head committed before it started.
     *
     * @return whether it did within {@code timeout}
     */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return follower.awaitCaughtUp(timeout);
    }

    /** Whether the follower has read every head committed before it started. */
    public boolean caughtUp() {
        return follower.caughtUp();
    }

    /** Head records that could not be read or built (counted by the follower). */
    public long skipped() {
        return follower.skipped() + follower.foreign();
    }

    @Override
    public Optional<DetectorHead> current() {
        return follower.current(headId).map(HeadFollower.Versioned::head);
    }

    @Override
    public List<String> takeNotices() {
        return problems.take(skipped());
    }

    @Override
    public Optional<String> failure() {
        // a failure the follower retries (the broker away for a while) is not one: only a dead follower
        if (follower.alive()) {
            return Optional.empty();
        }
        return Optional.of("the head follower stopped: "
                + follower.failure().map(Throwable::toString).orElse("closed"));
    }

    @Override
    public String describe() {
        return "head " + headId + " on " + Topics.HEADS + " at " + bootstrap;
    }

    @Override
    public void close() {
        follower.close();
    }

    /**
     * Versions that could not be built (told by the follower's thread) and the other records the
     * follower skipped, as console lines for the scoring thread. Bounded: the first
     * {@value #KEPT} versions not yet taken are named, the rest counted.
     */
    static final class Problems {

        static final int KEPT = 32;

        private final ArrayBlockingQueue<String> failed = new ArrayBlockingQueue<>(KEPT);
        private final AtomicLong builds = new AtomicLong();
        private final AtomicLong unnamed = new AtomicLong();
        private long otherTold;

        /** On the follower's thread: {@code update} could not be built; counted before the follower counts it. */
        void failed(HeadUpdate update, RuntimeException e) {
            builds.incrementAndGet();
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            String line = "version " + update.getVersion() + " of " + HeadKeys.shown(update.getHeadId())
                    + " cannot be used, skipped (scoring goes on with the version before it): "
                    + HeadKeys.shown(why).replaceAll("\\p{Cntrl}", " ");
            if (!failed.offer(line)) {
                unnamed.incrementAndGet();
            }
        }

        /**
         * On the scoring thread: the lines since the last call, given the follower's count of
         * skipped records ({@code skipped}, build failures included).
         */
        List<String> take(long skipped) {
            List<String> lines = new ArrayList<>();
            failed.drainTo(lines);
            long more = unnamed.getAndSet(0);
            if (more > 0) {
                lines.add(more + " more version" + (more == 1 ? "" : "s") + " could not be used (see standard error)");
            }
            // builds is counted before the follower's own count: never more than were skipped
            long other = skipped - builds.get();
            if (other > otherTold) {
                lines.add((other - otherTold) + " head record" + (other - otherTold == 1 ? " was" : "s were")
                        + " skipped: unreadable, or naming another head than its key (see standard error)");
                otherTold = other;
            }
            return lines;
        }
    }
}
