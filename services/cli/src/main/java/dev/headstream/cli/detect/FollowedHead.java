package dev.headstream.cli.detect;

import dev.headstream.cli.evaluate.EvalHead;
import dev.headstream.cli.evaluate.HeadLoader;
import dev.headstream.client.HeadFollower;
import dev.headstream.schemas.Topics;
import dev.headstream.schemas.v1.HeadUpdate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One user's head as it is published on {@value Topics#HEADS}, followed with the client library's
 * {@link HeadFollower} (only that head's partition, only its key). Each version is exported in
 * memory exactly as {@code export-head} would write it and read back ({@link HeadLoader}), on the
 * follower's thread, then swapped in whole: a detector calling {@link #current()} gets the old
 * version until the new one is built. Versions never go back; a tombstone (erased head) leaves
 * no head until a new one is published.
 */
public final class FollowedHead implements HeadSource {

    private final String headId;
    private final String bootstrap;
    private final HeadFollower<DetectorHead> follower;

    /**
     * Starts following; see {@link #awaitCaughtUp}.
     *
     * @param threshold overrides each version's published threshold when not null
     * @param listener  hears of swaps and removals (on the follower's thread)
     */
    public FollowedHead(
            String bootstrap,
            String headId,
            Path modelsDir,
            Float threshold,
            HeadFollower.Listener<DetectorHead> listener) {
        this.headId = headId;
        this.bootstrap = bootstrap;
        Map<String, byte[]> sources = new ConcurrentHashMap<>();
        this.follower = HeadFollower.<DetectorHead>builder(bootstrap, u -> build(u, modelsDir, sources, threshold))
                .heads(Set.of(headId))
                .listener(listener)
                .build()
                .start();
    }

    /** The head a detector scores with for {@code update}: the model {@code export-head} would write. */
    static DetectorHead build(HeadUpdate update, Path modelsDir, Map<String, byte[]> sources, Float threshold) {
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

    /** Head records that could not be read or built (counted by the follower). */
    public long skipped() {
        return follower.skipped() + follower.foreign();
    }

    @Override
    public Optional<DetectorHead> current() {
        return follower.current(headId).map(HeadFollower.Versioned::head);
    }

    @Override
    public String describe() {
        return "head " + headId + " on " + Topics.HEADS + " at " + bootstrap;
    }

    @Override
    public void close() {
        follower.close();
    }
}
