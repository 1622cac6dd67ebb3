package dev.headstream.tools.speakers;

import dev.headstream.core.bank.BankPart;
import dev.headstream.runtime.speech.Voice;
import dev.headstream.testkit.synth.CatalogVoice;
import dev.headstream.testkit.synth.Part;
import dev.headstream.testkit.synth.VoiceCatalog;
import java.util.ArrayList;
import java.util.List;

/**
 * Utterances of a negative-bank part (continuous speech of people outside every household): each
 * segment cut into consecutive, non-overlapping blocks of a fixed number of embedding frames,
 * each block one utterance, labeled with its speaker group.
 *
 * @param blocks      each block's frames ({@code blockFrames x dim} floats, row-major), segment by segment
 * @param groups      each block's speaker group ({@link CatalogVoice#group()} of the segment's voice)
 * @param blockFrames frames per block
 * @param dim         floats per frame
 */
public record CalibrationSpeech(List<float[]> blocks, List<String> groups, int blockFrames, int dim) {

    /**
     * Every whole block of {@code blockFrames} frames of every segment of {@code part}, each
     * segment's voice looked up in {@code catalog}.
     *
     * @param expected the catalog part every voice of {@code part} must belong to
     * @throws IllegalArgumentException if a voice is not in the catalog or belongs to another part
     */
    public static CalibrationSpeech of(BankPart part, int blockFrames, VoiceCatalog catalog, Part expected) {
        if (blockFrames < 1) {
            throw new IllegalArgumentException("blockFrames must be at least 1, was " + blockFrames);
        }
        List<float[]> blocks = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        for (int s = 0; s < part.segments(); s++) {
            int frames = part.segment(s).frames();
            String voice = part.voiceOf(s);
            CatalogVoice entry = catalog.find(Voice.parse(voice))
                    .orElseThrow(() -> new IllegalArgumentException(
                            "bank part " + part.file() + ": voice " + voice + " is not in the voice catalog"));
            if (entry.part() != expected) {
                throw new IllegalArgumentException("bank part " + part.file() + ": voice " + voice + " belongs to the "
                        + entry.part() + " part of the voice catalog, not " + expected);
            }
            String group = entry.group();
            for (int b = 0; b + blockFrames <= frames; b += blockFrames) {
                float[] block = new float[blockFrames * part.dim()];
                part.copyFrames(part.segmentStart(s) + b, blockFrames, block, 0);
                blocks.add(block);
                groups.add(group);
            }
        }
        return new CalibrationSpeech(List.copyOf(blocks), List.copyOf(groups), blockFrames, part.dim());
    }

    /** Each block's summary. */
    public List<float[]> summaries(Utterance.Statistics statistics) {
        return blocks.stream()
                .map(b -> Utterance.summary(b, dim, 0, blockFrames, statistics))
                .toList();
    }

    /** Number of distinct speaker groups. */
    public long speakers() {
        return groups.stream().distinct().count();
    }
}
