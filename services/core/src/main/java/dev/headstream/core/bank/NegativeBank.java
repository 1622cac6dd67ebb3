package dev.headstream.core.bank;

import dev.headstream.core.embed.ModelFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A negative bank on disk: hours of other people's continuous speech, embedded once by the
 * streaming front end and split by voice into a training part (hard negatives for every user's
 * updates), a calibration part (every published threshold is set on it, in false accepts per
 * hour) and an optional evaluation part (for measuring only; never read by the adapter). No
 * voice is in two parts. Built by {@code ./headstream bank build}; see {@link BankPart} for the
 * file layout.
 *
 * @param directory   where the part files are
 * @param train       {@value #TRAIN_FILE}
 * @param calibration {@value #CALIBRATION_FILE}
 * @param evaluation  {@value #EVALUATION_FILE}, or null when absent
 */
public record NegativeBank(Path directory, BankPart train, BankPart calibration, BankPart evaluation) {

    public static final String TRAIN_FILE = "train.bank";
    public static final String CALIBRATION_FILE = "calibration.bank";
    public static final String EVALUATION_FILE = "evaluation.bank";

    public NegativeBank {
        if (train.dim() != calibration.dim() || (evaluation != null && evaluation.dim() != train.dim())) {
            throw new IllegalArgumentException("negative bank " + directory + ": parts have different embedding sizes");
        }
        if (!train.backbone().equals(calibration.backbone())
                || (evaluation != null && !evaluation.backbone().equals(train.backbone()))) {
            throw new IllegalArgumentException(
                    "negative bank " + directory + ": parts were embedded by different backbones");
        }
    }

    /**
     * Maps the parts in {@code directory}; the evaluation part is optional.
     *
     * @throws IllegalArgumentException naming the missing or damaged file
     */
    public static NegativeBank open(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("negative bank not found: " + directory
                    + " (build it with ./headstream setup or ./headstream bank build --out " + directory + ")");
        }
        Path eval = directory.resolve(EVALUATION_FILE);
        return new NegativeBank(
                directory,
                BankPart.open(directory.resolve(TRAIN_FILE)),
                BankPart.open(directory.resolve(CALIBRATION_FILE)),
                Files.isRegularFile(eval) ? BankPart.open(eval) : null);
    }

    /**
     * Checks that this bank was embedded by the backbone {@code backboneSha256} (as
     * {@link dev.headstream.core.embed.BackboneInfo#sha256()} names it).
     *
     * @throws IllegalArgumentException naming both, when they differ
     */
    public NegativeBank checkBackbone(String backboneSha256) {
        if (!train.backbone().equals(backboneSha256)) {
            throw new IllegalArgumentException(
                    "negative bank " + directory + " was embedded by backbone " + train.backbone()
                            + ", but this backbone is " + backboneSha256 + ": rebuild it (./headstream bank build)");
        }
        return this;
    }

    /** Embedding floats per frame. */
    public int dim() {
        return train.dim();
    }

    /** SHA-256 over the training and calibration parts' digests: what heads trained on this bank name in their provenance. */
    public String id() {
        return ModelFile.sha256((train.sha256() + calibration.sha256()).getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return "NegativeBank[" + directory + ", train " + train + ", calibration " + calibration
                + (evaluation == null ? "" : ", evaluation " + evaluation) + "]";
    }
}
