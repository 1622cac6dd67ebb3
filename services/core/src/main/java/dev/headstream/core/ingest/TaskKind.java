package dev.headstream.core.ingest;

/**
 * What a task's labels look like.
 *
 * @param type    the label type a sample must carry for the task
 * @param outputs number of head outputs: 1 for binary, the class count, or the label count
 */
public record TaskKind(Type type, int outputs) {

    public enum Type {
        BINARY,
        MULTI_CLASS,
        MULTI_LABEL
    }

    public static TaskKind binary() {
        return new TaskKind(Type.BINARY, 1);
    }
}
