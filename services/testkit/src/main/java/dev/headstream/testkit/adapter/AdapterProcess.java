package dev.headstream.testkit.adapter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.ModuleFinder;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The adapter service ({@code quarkus-run.jar}) run as a child JVM, so demos and tests can start,
 * stop and kill it like a real deployment. Output goes to a log file.
 *
 * <p>Lifecycle: {@link #start} -> {@link #awaitReady} -> {@link #close()} (graceful, bounded) or
 * {@link #kill()} (SIGKILL). A shutdown hook makes sure the child does not outlive this JVM.
 */
public final class AdapterProcess implements AutoCloseable {

    /** The child's heap limit unless {@link #start(Path, Map, List, Path)} is given another. */
    public static final String DEFAULT_MAX_HEAP = "-Xmx2g";

    private final Process process;
    private final int httpPort;
    private final Path log;
    private final Thread hook;

    private AdapterProcess(Process process, int httpPort, Path log) {
        this.process = process;
        this.httpPort = httpPort;
        this.log = log;
        this.hook = new Thread(process::destroyForcibly, "adapter-process-reaper");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Starts the adapter.
     *
     * @param jar        the adapter's {@code quarkus-run.jar}
     * @param properties system properties for the service (e.g. {@code kafka.bootstrap.servers})
     * @param log        file that receives the service's output
     */
    public static AdapterProcess start(Path jar, Map<String, String> properties, Path log) {
        return start(jar, properties, List.of(), log);
    }

    /**
     * Starts the adapter with extra JVM options, e.g. {@code -Xmx256m} to hold it to a small heap
     * (an {@code -Xmx} given here replaces the default {@value #DEFAULT_MAX_HEAP}).
     *
     * @param jar        the adapter's {@code quarkus-run.jar}
     * @param properties system properties for the service (e.g. {@code kafka.bootstrap.servers})
     * @param jvmOptions options placed before the system properties on the {@code java} command line
     * @param log        file that receives the service's output
     */
    public static AdapterProcess start(Path jar, Map<String, String> properties, List<String> jvmOptions, Path log) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(
                    "adapter jar not found: " + jar + " (build it: mvn -DskipTests package)");
        }
        int port = freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (jvmOptions.stream().noneMatch(o -> o.startsWith("-Xmx"))) {
            cmd.add(DEFAULT_MAX_HEAP);
        }
        cmd.addAll(jvmOptions);
        if (ModuleFinder.ofSystem().find("jdk.incubator.vector").isPresent()) {
            cmd.add("--add-modules"); // the Vector API head kernels (same floats without, only slower)
            cmd.add("jdk.incubator.vector");
        }
        cmd.add("-Dquarkus.http.port=" + port);
        properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar.toString());
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            return new AdapterProcess(p, port, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the adapter: " + cmd, e);
        }
    }

    /** Waits until {@code /q/health/ready} answers 200; fails with the log tail if the process dies or time runs out. */
    public AdapterProcess awaitReady(Duration timeout) {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5))
                .build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                close();
                throw new IllegalStateException(
                        "adapter exited with " + process.exitValue() + " before it was ready:\n" + tail());
            }
            try {
                if (http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return this;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IllegalStateException("interrupted while waiting for the adapter", e);
            }
            try {
                process.waitFor(500, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the adapter", e);
            }
        }
        String tail = tail();
        close();
        throw new IllegalStateException("adapter not ready after " + timeout + " (stopped it):\n" + tail);
    }

    /** One answer of {@code /q/health/ready}: its HTTP status (200 UP, 503 DOWN) and JSON body. */
    public HttpResponse<String> readiness() throws IOException, InterruptedException {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(2))
                .build()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    public int httpPort() {
        return httpPort;
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The process id (e.g. to stop and continue it with signals). */
    public long pid() {
        return process.pid();
    }

    /** Waits up to {@code timeout} for the process to exit; returns its exit code. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("adapter still running after " + timeout + ":\n" + tail());
        }
        return process.exitValue();
    }

    /** Hard kill, as a crash would. */
    public void kill() {
        process.destroyForcibly();
        waitExit(30);
    }

    /**
     * Last 40 lines of the service log, for failure messages. Never decide on it whether something was
     * logged: a shutdown can log hundreds of lines of stack traces after the line a test looks for;
     * use {@link #logContains} or {@link #logText}.
     */
    public String tail() {
        try {
            List<String> lines = logText().lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (UncheckedIOException e) {
            return "(no log: " + e.getCause().getMessage() + ")";
        }
    }

    /**
     * The whole service log as it stands now (every run of this process appended to {@link #log()}),
     * bytes that are not UTF-8 replaced rather than refused.
     *
     * @throws UncheckedIOException if the log cannot be read
     */
    public String logText() {
        try {
            return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the adapter log " + log, e);
        }
    }

    /** Whether the whole service log, not only its tail, contains {@code text}. */
    public boolean logContains(String text) {
        return logText().contains(text);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            if (!waitExit(30)) {
                process.destroyForcibly();
                waitExit(10);
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs anyway
        }
    }

    private boolean waitExit(int seconds) {
        try {
            return process.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
