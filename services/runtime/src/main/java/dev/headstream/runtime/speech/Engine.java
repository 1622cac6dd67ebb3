package dev.headstream.runtime.speech;

/**
 * A speech synthesizer program, with the Debian package that provides it.
 *
 * <p>Every engine ends in the same format: {@code sox} turns its output into 16 kHz mono
 * int16 with dither off ({@link Synthesizer#SAMPLE_RATE}).
 */
public enum Engine {

    /** {@code espeak-ng} (formant synthesis): dialect voices with variants, e.g. {@code en-us+f2}. */
    ESPEAK_NG("espeak-ng", "espeak-ng", "espeak-ng"),
    /** {@code flite} (CMU Flite 2.2): built-in voices {@code kal}, {@code kal16}, {@code awb}, {@code rms}, {@code slt}. */
    FLITE("flite", "flite", "flite"),
    /**
     * Festival, run as {@code festival --batch} (the program behind {@code text2wave}): voices
     * {@code kal_diphone}, {@code ked_diphone} (diphone, 16 kHz) and {@code cmu_us_slt_arctic_hts} (HTS, 32 kHz).
     */
    FESTIVAL("festival", "festival", "festival");

    private final String id;
    private final String command;
    private final String debianPackage;

    Engine(String id, String command, String debianPackage) {
        this.id = id;
        this.command = command;
        this.debianPackage = debianPackage;
    }

    /** The name used in voice ids and manifests, e.g. {@code espeak-ng}. */
    public String id() {
        return id;
    }

    /** The executable looked up on the {@code PATH} by default. */
    public String command() {
        return command;
    }

    /** The Debian package that installs {@link #command()}. */
    public String debianPackage() {
        return debianPackage;
    }

    /** The engine whose {@link #id()} is {@code id}. */
    public static Engine byId(String id) {
        for (Engine e : values()) {
            if (e.id.equals(id)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown speech engine '" + id + "' (known: espeak-ng, flite, festival)");
    }
}
