package dev.headstream.cli.produce;

/**
 * Why {@code produce} did not send a clip, with the words the summary groups them by: the file
 * ({@link ClipReader}) or, for {@link #DUPLICATE_ID}, the run itself ({@link SampleIds}).
 */
enum SkipReason {
    NOT_FOUND("not found"),
    EMPTY("empty file"),
    UNREADABLE("unreadable"),
    TOO_LONG("too long"),
    TOO_SHORT("too short"),
    /** The sample id of a clip this run already sent for the same user: the adapter would drop it. */
    DUPLICATE_ID("duplicate sample id");

    private final String text;

    SkipReason(String text) {
        this.text = text;
    }

    String text() {
        return text;
    }
}
