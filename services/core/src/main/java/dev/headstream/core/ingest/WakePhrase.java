package dev.headstream.core.ingest;

import java.util.Locale;

/**
 * What a wake phrase may be, for the service to synthesize its near misses: English words (letters,
 * spaces and apostrophes, starting with a letter), at most {@value #MAX_CHARS} characters. The same
 * rules hold for a task's configured phrase and for a phrase a user names in a sample.
 */
public final class WakePhrase {

    /** The longest phrase accepted, in characters. */
    public static final int MAX_CHARS = 64;

    /** What {@link #speakable} accepts, for messages. */
    public static final String RULE = "English words (letters, spaces and apostrophes, starting with a letter, at most "
            + MAX_CHARS + " characters)";

    private WakePhrase() {}

    /** Whether {@code phrase} follows the {@link #RULE}. */
    public static boolean speakable(String phrase) {
        return phrase.length() <= MAX_CHARS && phrase.matches("[A-Za-z][A-Za-z' ]*");
    }

    /** {@code phrase} with runs of spaces collapsed and trailing ones dropped. */
    public static String collapsed(String phrase) {
        return phrase.strip().replaceAll("\\s+", " ");
    }

    /**
     * A user's phrase as a head keeps it: {@link #collapsed}, in lower case, so that "Okay Nova" and
     * "okay  nova" are one phrase.
     */
    public static String ofUser(String phrase) {
        return collapsed(phrase).toLowerCase(Locale.ROOT);
    }
}
