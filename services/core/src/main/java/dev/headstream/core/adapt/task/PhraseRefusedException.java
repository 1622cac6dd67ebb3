package dev.headstream.core.adapt.task;

/**
 * A sample named a wake phrase its head cannot take now: a holdout sample naming another phrase
 * than the head's (a phrase is named on training samples), or a new phrase for a frozen head. The
 * engine rejects the sample {@code MALFORMED} with this message; the head is unchanged.
 */
public final class PhraseRefusedException extends RuntimeException {

    public PhraseRefusedException(String message) {
        super(message);
    }
}
