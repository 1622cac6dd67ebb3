package dev.headstream.cli.synth;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An espeak-ng voice: a language/dialect voice plus an optional voice variant, written
 * {@code en-us+f2} on the espeak-ng command line.
 *
 * <p>espeak-ng silently ignores a variant it cannot apply (for example {@code en-gb+f3}
 * sounds exactly like {@code en-gb}), so the pools in {@link SyntheticUsers} only hold
 * combinations that were checked to change the audio.
 *
 * @param language the espeak-ng language voice, e.g. {@code en-us} or {@code en-gb-scotland}
 * @param variant  the variant file name under {@code voices/!v}, e.g. {@code f2}; empty for none
 */
public record Voice(String language, String variant) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");

    public Voice {
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(variant, "variant");
        if (!NAME.matcher(language).matches()) {
            throw new IllegalArgumentException("bad espeak-ng language voice: '" + language + "'");
        }
        if (!variant.isEmpty() && !NAME.matcher(variant).matches()) {
            throw new IllegalArgumentException("bad espeak-ng voice variant: '" + variant + "'");
        }
    }

    /** Parses {@code language[+variant]}, the form espeak-ng's {@code -v} takes. */
    public static Voice parse(String espeakName) {
        int plus = espeakName.indexOf('+');
        return plus < 0
                ? new Voice(espeakName, "")
                : new Voice(espeakName.substring(0, plus), espeakName.substring(plus + 1));
    }

    /** The argument for espeak-ng's {@code -v}, e.g. {@code en-us+f2}. */
    public String espeakName() {
        return variant.isEmpty() ? language : language + "+" + variant;
    }

    @Override
    public String toString() {
        return espeakName();
    }
}
