package dev.headstream.core.head;

/**
 * Whether the incubating Vector API can be used: the JVM was started with
 * {@code --add-modules jdk.incubator.vector} (the {@code headstream} launcher and the core
 * module's tests do so), the system property {@code headstream.vector} is not {@code false}, and
 * the machine's preferred vector is at least 256 bits wide (the kernels use 8-lane float vectors;
 * on narrower hardware they would run through the API's slow emulation).
 * Code that needs the API ({@link FusedDenseAdam}) is only loaded when {@link #ENABLED} holds;
 * everything has a plain-Java path for when it does not.
 */
final class VectorSupport {

    static final boolean ENABLED =
            ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                    && !"false".equalsIgnoreCase(System.getProperty("headstream.vector"))
                    && FusedDenseAdam.lanes() * Float.SIZE >= 256;

    private VectorSupport() {}
}
