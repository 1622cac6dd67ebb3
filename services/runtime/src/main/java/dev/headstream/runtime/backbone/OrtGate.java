package dev.headstream.runtime.backbone;

import dev.headstream.core.embed.BackboneStoppedException;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps ONNX Runtime's native environment alive while a model runs when the JVM shuts down.
 *
 * <p>ONNX Runtime's Java binding releases its one environment in a JVM shutdown hook of its own
 * ({@code OrtEnvironment$OrtEnvCloser}; {@code OrtEnvironment.close()} does nothing). Shutdown
 * hooks run at the same time as each other and as daemon threads, so a model run in flight when
 * the JVM is told to stop (SIGTERM, {@code System.exit}) can find the environment released under
 * it, and the process dies with SIGSEGV in {@code libonnxruntime.so} instead of exiting (the
 * binding's authors say so in onnxruntime PR #10670, and issue #31352 reproduces it). An adapter of
 * the fault soak died this way on 2026-12-04, 0.1 s after its SIGTERM, with three threads in the
 * backbone's sessions.
 *
 * <p>{@link #install} takes the binding's hook out and puts in one that first refuses new runs,
 * then waits for the runs in flight ({@link #enter}/{@link #exit} around each; at most
 * {@link #DRAIN_SECONDS} s), then releases the environment as the binding's hook would. Reading
 * the JVM's list of hooks needs {@code java.lang} open to unnamed modules: the adapter's and the
 * tools' jars say {@code Add-Opens: java.base/java.lang} in their manifests, and the test JVMs get
 * {@code --add-opens}. Without it the binding's own hook stays, and {@link #install} logs that
 * once. {@code -Dheadstream.ort-shutdown-guard=false} leaves the binding's hook as it is.
 */
final class OrtGate {

    private static final Logger LOG = LoggerFactory.getLogger(OrtGate.class);

    /** Longest wait at shutdown for the runs in flight before the environment is released anyway. */
    static final int DRAIN_SECONDS = 10;

    private static final String CLOSER = "ai.onnxruntime.OrtEnvironment$OrtEnvCloser";

    private static final AtomicInteger IN_FLIGHT = new AtomicInteger();
    private static volatile boolean closing;
    private static volatile boolean released;
    private static boolean installed;

    private OrtGate() {}

    /**
     * Replaces the binding's release hook by the draining one; call after {@code
     * OrtEnvironment.getEnvironment()} (which registers the binding's). Once per JVM; later calls
     * do nothing. Never throws: where the hooks cannot be read, the binding's hook stays.
     */
    static synchronized void install() {
        if (installed || !Boolean.parseBoolean(System.getProperty("headstream.ort-shutdown-guard", "true"))) {
            return;
        }
        installed = true;
        try {
            Thread closer = removeBindingsHook();
            if (closer == null) {
                LOG.warn("ONNX Runtime's shutdown hook was not found; a model run in flight at shutdown may crash"
                        + " the JVM");
                return;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> drainThenRelease(closer), "headstream-ort-release"));
            LOG.info(
                    "ONNX Runtime's environment is released at shutdown once the model runs in flight end"
                            + " (at most {} s)",
                    DRAIN_SECONDS);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn(
                    "cannot take ONNX Runtime's shutdown hook out ({}): a model run in flight at shutdown may crash the"
                            + " JVM; start it with --add-opens java.base/java.lang=ALL-UNNAMED",
                    e.toString());
        }
    }

    /** The binding's hook thread, taken out of the JVM's hooks; null if none was registered. */
    @SuppressWarnings("unchecked")
    private static Thread removeBindingsHook() throws ReflectiveOperationException {
        Class<?> hooksClass = Class.forName("java.lang.ApplicationShutdownHooks");
        Field hooksField = hooksClass.getDeclaredField("hooks");
        hooksField.setAccessible(true);
        List<Thread> hooks;
        synchronized (hooksClass) {
            Map<Thread, Thread> map = (Map<Thread, Thread>) hooksField.get(null);
            if (map == null) {
                return null; // shutting down already
            }
            hooks = new ArrayList<>(map.keySet());
        }
        for (Thread t : hooks) {
            Object target = targetOf(t);
            if (target != null
                    && target.getClass().getName().equals(CLOSER)
                    && Runtime.getRuntime().removeShutdownHook(t)) {
                return t;
            }
        }
        return null;
    }

    /** A thread's Runnable: {@code Thread.target} up to JDK 18, {@code Thread.holder.task} from JDK 19 on. */
    private static Object targetOf(Thread t) throws ReflectiveOperationException {
        try {
            Field target = Thread.class.getDeclaredField("target");
            target.setAccessible(true);
            return target.get(t);
        } catch (NoSuchFieldException e) {
            Field holder = Thread.class.getDeclaredField("holder");
            holder.setAccessible(true);
            Object h = holder.get(t);
            if (h == null) {
                return null;
            }
            Field task = h.getClass().getDeclaredField("task");
            task.setAccessible(true);
            return task.get(h);
        }
    }

    private static void drainThenRelease(Thread closer) {
        closing = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_SECONDS);
        while (true) {
            if (IN_FLIGHT.get() == 0) {
                closer.run(); // the binding's release, on this thread (the hook thread was never started)
                released = true;
                return;
            }
            if (System.nanoTime() > deadline) {
                return; // a run did not end in time: the environment is left to the process's exit
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Before a model run (tensor creation to result close): counts it in flight.
     *
     * @throws BackboneStoppedException when the JVM is shutting down (no run starts then)
     */
    static void enter() {
        IN_FLIGHT.incrementAndGet();
        if (closing) {
            IN_FLIGHT.decrementAndGet();
            throw new BackboneStoppedException("ONNX Runtime is shutting down with the JVM; no model runs now");
        }
    }

    /** After a model run that {@link #enter} let in. */
    static void exit() {
        IN_FLIGHT.decrementAndGet();
    }

    /** Runs (and session closes) in flight now (for tests). */
    static int inFlight() {
        return IN_FLIGHT.get();
    }

    /** Whether the draining hook released the environment (for tests). */
    static boolean released() {
        return released;
    }

    /**
     * Closes sessions ({@code close}) through the gate: once the JVM is shutting down they are left
     * open (the process's exit frees them; closing one after the environment was released could
     * crash it), and a close in progress delays the release as a run does.
     */
    static void closeSessions(Runnable close) {
        try {
            enter();
        } catch (BackboneStoppedException e) {
            return;
        }
        try {
            close.run();
        } finally {
            exit();
        }
    }
}
