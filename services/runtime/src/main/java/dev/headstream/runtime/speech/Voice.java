package dev.headstream.runtime.speech;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A voice of one {@link Engine}.
 *
 * <p>espeak-ng voices are a language/dialect voice plus an optional voice variant, written
 * {@code en-us+f2} on the espeak-ng command line. espeak-ng silently ignores a variant it
 * cannot apply (for example {@code en-gb+f3} sounds exactly like {@code en-gb}), so the pools
 * in {@code SyntheticUsers} (test kit) only hold combinations that were checked to change the audio.
 * flite and Festival voices have a name only ({@code awb}, {@code kal_diphone}) and no variant.
 *
 * <p>Written forms: {@link #toString()} is {@code en-us+f2} for espeak-ng (the form the cache keys
 * of {@link SynthRequest#canonical()} have always used) and {@code flite:awb} or
 * {@code festival:kal_diphone} for the others; {@link #id()} always names the engine.
 *
 * @param engine  the synthesizer that speaks with this voice
 * @param name    the engine's voice name: an espeak-ng language voice ({@code en-us},
 *                {@code en-gb-scotland}), a flite voice ({@code awb}) or a Festival voice
 *                without its {@code voice_} prefix ({@code kal_diphone})
 * @param variant the espeak-ng variant file name under {@code voices/!v}, e.g. {@code f2}; empty
 *                for none and always empty for flite and Festival
 */
public record Voice(Engine engine, String name, String variant) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");

    public Voice {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(variant, "variant");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    engine == Engine.ESPEAK_NG
                            ? "bad espeak-ng language voice: '" + name + "'"
                            : "bad " + engine.id() + " voice name: '" + name + "'");
        }
        if (!variant.isEmpty() && engine != Engine.ESPEAK_NG) {
            throw new IllegalArgumentException(
                    engine.id() + " voices have no variants: '" + name + "+" + variant + "'");
        }
        if (!variant.isEmpty() && !NAME.matcher(variant).matches()) {
            throw new IllegalArgumentException("bad espeak-ng voice variant: '" + variant + "'");
        }
    }

    /** An espeak-ng voice: {@code language} plus {@code variant} (empty for none). */
    public Voice(String language, String variant) {
        this(Engine.ESPEAK_NG, language, variant);
    }

    /** A flite built-in voice, e.g. {@code awb}. */
    public static Voice flite(String name) {
        return new Voice(Engine.FLITE, name, "");
    }

    /** A Festival voice by the name after {@code voice_}, e.g. {@code kal_diphone}. */
    public static Voice festival(String name) {
        return new Voice(Engine.FESTIVAL, name, "");
    }

    /**
     * Parses {@code language[+variant]} (an espeak-ng voice, the form espeak-ng's {@code -v} takes)
     * or {@code engine:name} ({@code flite:awb}, {@code festival:kal_diphone}, {@code espeak-ng:en-us+f2}).
     */
    public static Voice parse(String text) {
        int colon = text.indexOf(':');
        if (colon >= 0) {
            Engine engine = Engine.byId(text.substring(0, colon));
            String rest = text.substring(colon + 1);
            return engine == Engine.ESPEAK_NG ? parse(rest) : new Voice(engine, rest, "");
        }
        int plus = text.indexOf('+');
        return plus < 0 ? new Voice(text, "") : new Voice(text.substring(0, plus), text.substring(plus + 1));
    }

    /** The espeak-ng language voice, e.g. {@code en-us}; for other engines the voice name. */
    public String language() {
        return name;
    }

    /**
     * The argument for espeak-ng's {@code -v}, e.g. {@code en-us+f2}. For flite and Festival
     * voices, which espeak-ng cannot speak, the engine-qualified form ({@code flite:awb}) so that
     * reports listing voices keep working.
     */
    public String espeakName() {
        if (engine != Engine.ESPEAK_NG) {
            return toString();
        }
        return variant.isEmpty() ? name : name + "+" + variant;
    }

    /** Engine-qualified and unambiguous: {@code espeak-ng:en-us+f2}, {@code flite:awb}, {@code festival:kal_diphone}. */
    public String id() {
        return engine.id() + ":" + (engine == Engine.ESPEAK_NG ? espeakName() : name);
    }

    /** {@code en-us+f2} for espeak-ng voices, {@code flite:awb} for the others. */
    @Override
    public String toString() {
        return engine == Engine.ESPEAK_NG ? espeakName() : id();
    }
}
