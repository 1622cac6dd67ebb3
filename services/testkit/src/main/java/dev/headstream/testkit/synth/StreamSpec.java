package dev.headstream.testkit.synth;

import dev.headstream.runtime.speech.Synthesizer;
import java.util.Locale;
import java.util.Objects;

/**
 * The plan of one read-speech stream: who reads, from which text pool, how long, and the seed
 * of everything random in it ({@link ReadSpeech#render}).
 *
 * @param id      stable id within a plan, e.g. {@code train-007}
 * @param part    the bank part; the stream reads that part's text pool ({@link TextCorpus#pool})
 * @param voice   the reader, a voice of {@code part}
 * @param seconds stream length, (0, {@value #MAX_SECONDS}] s; rendered as {@code round(seconds * 16000)} samples
 * @param seed    drives text order, prosody jitter, pauses, levels, channel and noise
 */
public record StreamSpec(String id, Part part, CatalogVoice voice, double seconds, long seed) {

    /** Longest stream: twenty minutes. */
    public static final double MAX_SECONDS = 1_200;

    public StreamSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(part, "part");
        Objects.requireNonNull(voice, "voice");
        if (!part.bank()) {
            throw new IllegalArgumentException("a stream reads a bank part's texts; " + part + " has none");
        }
        if (voice.part() != part) {
            throw new IllegalArgumentException(
                    "voice " + voice.voice().id() + " belongs to " + voice.part() + ", not " + part);
        }
        if (!(seconds > 0 && seconds <= MAX_SECONDS)) {
            throw new IllegalArgumentException("seconds must be in (0, " + MAX_SECONDS + "], was " + seconds);
        }
    }

    /** The stream length in samples at {@link Synthesizer#SAMPLE_RATE}. */
    public int samples() {
        return (int) Math.round(seconds * Synthesizer.SAMPLE_RATE);
    }

    /** One canonical line with every field, for manifests and recipe hashes. */
    public String canonical() {
        return String.format(
                Locale.ROOT,
                "%s part=%s voice=%s pitch=%d speed=%d seconds=%.3f seed=%d",
                id,
                part,
                voice.voice().id(),
                voice.basePitch(),
                voice.baseSpeedWpm(),
                seconds,
                seed);
    }
}
