package dev.headstream.cli.detect;

import dev.headstream.cli.evaluate.EvalHead;
import java.util.Objects;

/**
 * One version of the head a detector scores with: immutable, so a detector that holds it scores
 * a whole window with one version (no torn read), and a newer version replaces it as a whole.
 *
 * @param headId  {@code <tenant>/<user>/<task>}, or the file name of an exported head
 * @param version the head's version (0 for a file without one)
 * @param status  the published status ({@code ACTIVE}, {@code RESET}, {@code ROLLED_BACK}), or {@code FILE}
 * @param heldAtSource   whether the version is the source head, held there because the user's own
 *                       head could not meet the target
 * @param samplesApplied training samples the version includes (0 for a file)
 * @param head    the model and the threshold it accepts at
 */
public record DetectorHead(
        String headId, long version, String status, boolean heldAtSource, long samplesApplied, EvalHead head) {

    public DetectorHead {
        Objects.requireNonNull(headId, "headId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(head, "head");
    }

    /** {@code acme/alice/wake v7 (ACTIVE, threshold 0.731)}. */
    public String describe() {
        if (status.equals("FILE")) {
            return headId + (version > 0 ? " v" + version : "") + " (file, threshold " + head.threshold() + ")";
        }
        return headId + " v" + version + " (" + status + (heldAtSource ? ", held at the source head" : "") + ", "
                + samplesApplied + " samples, threshold " + head.threshold() + ")";
    }
}
