package dev.headstream.core.head;

/**
 * Whether the incubating Vector API can be used: the JVM was started with
 * {@code --add-modules jdk.incubator.vector} (the {@code headstream} launcher and the core
 * module's tests do so) and the system property {@code headstream.vector} is not {@code false}.
 * Code that needs the API ({@link FusedDenseAdam}) is only loaded when {@link #ENABLED} holds;
 * everything has a plain-Java path for when it does not.
 */
final class VectorSupport {

    static final boolean ENABLED = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !"false".equalsIgnoreCase(System.getProperty("headstream.vector"));

    private VectorSupport() {
    }
}
