package dev.headstream.testkit.kafka;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.CodeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.plain.PlainLoginModule;
import org.apache.kafka.common.security.scram.ScramLoginModule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Apache Kafka broker in KRaft combined mode (broker and controller in one
 * process), run in a child JVM so that tests can stop, kill and restart it.
 *
 * <p>Everything lives in the data directory: {@code server.properties}, the logging configuration,
 * the broker's output in {@code broker.log} (appended across restarts) and the Kafka log
 * directory {@code kafka-logs/}, which is formatted ({@code kafka.tools.StorageTool format}, in
 * the broker's JVM) on the first start only. Both listeners bind to {@value #HOST}; ports are the given ones or free ones
 * picked once, and stay the same across restarts.
 *
 * <p>Lifecycle: {@link Builder#start()} (or {@link Builder#build()} then {@link #start()}), then any
 * sequence of {@link #stop()} / {@link #kill()} and {@link #start()} on the same data directory and
 * ports, and finally {@link #close()}, after which the instance cannot be started again. Each
 * start waits until the broker answers {@code describeCluster} with itself, or fails with the tail
 * of {@code broker.log}. A JVM shutdown hook stops the broker if the instance is not closed, and
 * the child itself exits when this JVM is gone (see {@link BrokerMain}).
 *
 * <p>Security: by default both listeners are PLAINTEXT and nothing is authorized. With
 * {@link Builder#scram(String, String)} the broker is secured for tests of authentication and ACLs:
 * the client listener ({@code CLIENT}) takes SASL SCRAM-SHA-512 only, the {@code StandardAuthorizer}
 * denies whatever no ACL allows, and the admin is the one super user. Its SCRAM credential is added
 * when the storage is formatted, since SCRAM credentials live in the metadata log; for the same
 * reason the controller listener ({@code CONTROLLER}) cannot use SCRAM and takes SASL PLAIN with
 * the admin as its only user, in a static JAAS configuration. Inter-broker traffic goes over the
 * client listener as the admin. Clients authenticate with {@link #clientProperties()} (the admin)
 * or {@link #scramClientProperties(String, String)} (any user). No password appears in
 * {@code broker.log}; {@code server.properties} holds the admin's in its JAAS configuration.
 *
 * <p>Thread-safety: the lifecycle methods are synchronized; the accessors can be called from any
 * thread.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** The address both listeners bind to and the broker advertises. */
    public static final String HOST = "127.0.0.1";

    /** System property of the child JVM naming the process whose exit stops the broker. */
    static final String PARENT_PID_PROPERTY = "headstream.parent.pid";

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final int NODE_ID = 1;
    private static final int LOG_TAIL_LINES = 40;
    private static final Duration CLIENT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final String SCRAM_MECHANISM = ScramMechanism.SCRAM_SHA_512.mechanismName();
    /** A user name that can be a JAAS option name ({@code user_<admin>}) and a {@code super.users} entry. */
    private static final Pattern ADMIN_USER = Pattern.compile("[A-Za-z0-9._-]+");
    /** Printable ASCII without {@code "}, {@code \} (JAAS quoting) and {@code ,} (StorageTool's --add-scram). */
    private static final Pattern ADMIN_PASSWORD = Pattern.compile("[\\x20-\\x7E&&[^\"\\\\,]]+");

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private final Duration startTimeout;
    private final Duration stopTimeout;
    private final Map<String, String> brokerProperties;
    private final List<String> jvmOptions;
    /** The super user of a secured broker; null when the broker is not secured. */
    private final String adminUser;

    private final String adminPassword;
    private final Map<String, Object> clientProperties;

    private volatile Process process;
    private Thread shutdownHook;
    private boolean closed;

    private EmbeddedKafka(Builder builder) {
        this.dataDir = builder.dataDir.toAbsolutePath().normalize();
        int[] ports = freePortsFor(builder.port, builder.controllerPort);
        this.port = ports[0];
        this.controllerPort = ports[1];
        this.startTimeout = builder.startTimeout;
        this.stopTimeout = builder.stopTimeout;
        this.brokerProperties = Map.copyOf(builder.brokerProperties);
        this.jvmOptions = List.copyOf(builder.jvmOptions);
        this.adminUser = builder.adminUser;
        this.adminPassword = builder.adminPassword;
        this.clientProperties = adminUser == null ? Map.of() : scramClientProperties(adminUser, adminPassword);
    }

    /**
     * Starts configuring a broker that keeps its state in {@code dataDir} (created if missing).
     *
     * @param dataDir the directory for configuration, broker output and Kafka logs
     * @return a builder; {@link Builder#start()} gives a running broker
     */
    public static Builder builder(Path dataDir) {
        return new Builder(dataDir);
    }

    /** The {@code bootstrap.servers} value for clients: {@code 127.0.0.1:<port>}. */
    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    /** The port of the listener that clients use (PLAINTEXT, or SASL_PLAINTEXT when secured). */
    public int port() {
        return port;
    }

    /** The port of the KRaft controller listener. */
    public int controllerPort() {
        return controllerPort;
    }

    /**
     * The security settings of the admin's clients, to add to {@link #bootstrapServers()}: for a
     * secured broker those of {@link #scramClientProperties(String, String)} for the admin, otherwise
     * none.
     *
     * @return an unmodifiable map, empty when the broker is not secured
     */
    public Map<String, Object> clientProperties() {
        return clientProperties;
    }

    /**
     * The security settings of a client that authenticates to a secured broker as the given SCRAM
     * user: {@code security.protocol} SASL_PLAINTEXT, {@code sasl.mechanism} SCRAM-SHA-512 and a
     * {@code sasl.jaas.config} with the user and password in double quotes. Rather than escaping,
     * this refuses what such a quoted JAAS value cannot hold as it is: {@code "}, {@code \} and line
     * breaks.
     *
     * @param user the SCRAM user name
     * @param password the user's password
     * @return an unmodifiable map of client settings
     * @throws IllegalArgumentException if the user or the password contains {@code "}, {@code \},
     *     a carriage return or a line feed
     */
    public static Map<String, Object> scramClientProperties(String user, String password) {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        if (!isJaasQuotable(user)) {
            throw new IllegalArgumentException(
                    "SCRAM user name " + user + " contains '\"', '\\' or a line break, which a JAAS value cannot hold");
        }
        if (!isJaasQuotable(password)) {
            throw new IllegalArgumentException("The password of SCRAM user " + user
                    + " contains '\"', '\\' or a line break, which a JAAS value cannot hold");
        }
        return Map.of(
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG,
                SecurityProtocol.SASL_PLAINTEXT.name,
                SaslConfigs.SASL_MECHANISM,
                SCRAM_MECHANISM,
                SaslConfigs.SASL_JAAS_CONFIG,
                scramJaasConfig(user, password));
    }

    /** The data directory, absolute. */
    public Path dataDir() {
        return dataDir;
    }

    /** The file the broker's standard output and error go to. */
    public Path logFile() {
        return dataDir.resolve("broker.log");
    }

    /** Whether the broker process is alive (it may still be starting or stopping). */
    public boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /**
     * Starts the broker if it is not running, formatting the storage on the first start, and waits
     * until it serves clients.
     *
     * @return this
     * @throws IllegalStateException if the instance is closed, a port is taken, or the broker does
     *     not become ready within the start timeout (the message carries the end of the broker log)
     */
    public synchronized EmbeddedKafka start() {
        if (closed) {
            throw new IllegalStateException("EmbeddedKafka on " + dataDir + " is closed");
        }
        if (isRunning()) {
            return this;
        }
        Instant deadline = Instant.now().plus(startTimeout);
        requireFree(port, "broker");
        requireFree(controllerPort, "controller");
        try {
            Files.createDirectories(dataDir);
            Path serverProperties = writeConfig();
            List<String> command = javaCommand();
            command.add(
                    "-D" + PARENT_PID_PROPERTY + "=" + ProcessHandle.current().pid());
            command.add(BrokerMain.class.getName());
            Map<String, String> environment = new HashMap<>();
            if (!Files.exists(kafkaLogDir().resolve("meta.properties"))) {
                String clusterId = Uuid.randomUuid().toString();
                command.add(BrokerMain.FORMAT_OPTION);
                command.add(clusterId);
                if (adminUser == null) {
                    appendToLog("formatting " + kafkaLogDir() + " for cluster " + clusterId);
                } else {
                    appendToLog("formatting " + kafkaLogDir() + " for cluster " + clusterId + " with the "
                            + SCRAM_MECHANISM + " credential of " + adminUser);
                    command.add(BrokerMain.SCRAM_USER_OPTION);
                    command.add(adminUser);
                    // the password goes by the environment, out of the command line and its log line
                    environment.put(BrokerMain.SCRAM_PASSWORD_ENV, adminPassword);
                }
            }
            command.add(serverProperties.toString());
            appendToLog("starting broker on " + bootstrapServers() + ", controller on " + HOST + ":" + controllerPort
                    + ": " + String.join(" ", command));
            process = launch(command, environment);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start Kafka in " + dataDir, e);
        }
        registerShutdownHook();
        try {
            awaitReady(process, deadline);
        } catch (RuntimeException e) {
            terminate(process, stopTimeout);
            process = null;
            throw e;
        }
        return this;
    }

    /**
     * Stops the broker gracefully (SIGTERM), waiting up to the stop timeout before killing it. Does
     * nothing if it is not running. The instance can be {@link #start() started} again.
     */
    public synchronized void stop() {
        Process p = process;
        process = null;
        if (p != null) {
            terminate(p, stopTimeout);
        }
    }

    /**
     * Kills the broker at once (SIGKILL), as a crash would, and waits until it is gone. The instance
     * can be {@link #start() started} again; the broker then recovers its logs.
     */
    public synchronized void kill() {
        Process p = process;
        process = null;
        if (p != null) {
            p.destroyForcibly();
            awaitExit(p, stopTimeout);
        }
    }

    /**
     * Blocks until the broker process exits, e.g. to run in the foreground.
     *
     * @return the broker's exit code, or 0 if it was not running
     * @throws InterruptedException if interrupted while waiting
     */
    public int awaitExit() throws InterruptedException {
        Process p = process;
        return p == null ? 0 : p.waitFor();
    }

    /** Stops the broker (see {@link #stop()}) and releases the shutdown hook; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop();
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shutdownInProgress) {
                // the hook is running or about to run; it finds no process left
            }
            shutdownHook = null;
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + bootstrapServers() + ", " + dataDir + "]";
    }

    private Path kafkaLogDir() {
        return dataDir.resolve("kafka-logs");
    }

    private Path writeConfig() throws IOException {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("process.roles", "broker,controller");
        config.put("node.id", String.valueOf(NODE_ID));
        config.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + controllerPort);
        String clientListener = adminUser == null ? "PLAINTEXT" : "CLIENT";
        config.put(
                "listeners",
                clientListener + "://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
        config.put("advertised.listeners", clientListener + "://" + HOST + ":" + port);
        config.put("controller.listener.names", "CONTROLLER");
        config.put("inter.broker.listener.name", clientListener);
        config.put(
                "listener.security.protocol.map",
                adminUser == null
                        ? "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
                        : "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT");
        if (adminUser != null) {
            putSecurity(config);
        }
        config.put("log.dirs", kafkaLogDir().toString());
        // one node: every internal topic has one replica
        config.put("offsets.topic.replication.factor", "1");
        config.put("offsets.topic.num.partitions", "8");
        config.put("transaction.state.log.replication.factor", "1");
        config.put("transaction.state.log.min.isr", "1");
        config.put("transaction.state.log.num.partitions", "8");
        config.put("share.coordinator.state.topic.replication.factor", "1");
        config.put("share.coordinator.state.topic.min.isr", "1");
        config.put("default.replication.factor", "1");
        config.put("min.insync.replicas", "1");
        config.put("num.partitions", "1");
        // topics are created explicitly (TopicAdmin); a misspelt name fails instead of creating one
        config.put("auto.create.topics.enable", "false");
        // fast group joins and short sessions for tests that kill members
        config.put("group.initial.rebalance.delay.ms", "0");
        config.put("group.min.session.timeout.ms", "500");
        // after a kill, the restarted broker can register only once its old session expired
        config.put("broker.heartbeat.interval.ms", "500");
        config.put("broker.session.timeout.ms", "3000");
        // segments must hold the largest batch (16 MiB heads); roll hourly so compaction can run
        config.put("log.segment.bytes", String.valueOf(32 * 1024 * 1024));
        config.put("log.roll.hours", "1");
        config.put("log.retention.hours", "48");
        config.put("log.retention.check.interval.ms", "60000");
        config.put("log.cleaner.threads", "1");
        config.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
        config.put("num.network.threads", "2");
        config.put("num.io.threads", "4");
        config.put("num.recovery.threads.per.data.dir", "2");
        config.putAll(brokerProperties);

        StringBuilder text = new StringBuilder("# Written by Headstream EmbeddedKafka on every start.\n");
        config.forEach(
                (key, value) -> text.append(key).append('=').append(value).append('\n'));
        Path serverProperties = dataDir.resolve("server.properties");
        // a secured broker's file holds the admin's password (its JAAS lines): the owner's only
        Files.deleteIfExists(serverProperties);
        Files.createFile(
                serverProperties, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(serverProperties, text, StandardCharsets.UTF_8);
        Files.writeString(
                dataDir.resolve("log4j.properties"),
                String.join(
                        "\n",
                        "log4j.rootLogger=INFO, stdout",
                        "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
                        "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
                        "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n",
                        "log4j.logger.kafka.request.logger=WARN",
                        "log4j.logger.org.apache.kafka.clients=WARN",
                        ""),
                StandardCharsets.UTF_8);
        // the broker logs through SLF4J to reload4j; this only quiets log4j2, which Kafka also loads
        Files.writeString(
                dataDir.resolve("log4j2.properties"),
                String.join(
                        "\n",
                        "status=warn",
                        "appender.stdout.type=Console",
                        "appender.stdout.name=STDOUT",
                        "appender.stdout.layout.type=PatternLayout",
                        "appender.stdout.layout.pattern=[%d] %p %m (%c)%n",
                        "rootLogger.level=info",
                        "rootLogger.appenderRef.stdout.ref=STDOUT",
                        ""),
                StandardCharsets.UTF_8);
        return serverProperties;
    }

    /** The settings of a secured broker (see the class comment). */
    private void putSecurity(Map<String, String> config) {
        config.put("sasl.enabled.mechanisms", SCRAM_MECHANISM);
        config.put("sasl.mechanism.inter.broker.protocol", SCRAM_MECHANISM);
        config.put("listener.name.client.scram-sha-512.sasl.jaas.config", scramJaasConfig(adminUser, adminPassword));
        // SCRAM needs the metadata log, which the controller serves: PLAIN with a static user instead
        config.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        config.put("sasl.mechanism.controller.protocol", "PLAIN");
        config.put(
                "listener.name.controller.plain.sasl.jaas.config",
                PlainLoginModule.class.getName() + " required username=\"" + adminUser + "\" password=\""
                        + adminPassword + "\" user_" + adminUser + "=\"" + adminPassword + "\";");
        config.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        config.put("super.users", "User:" + adminUser);
        config.put("allow.everyone.if.no.acl.found", "false");
    }

    private static String scramJaasConfig(String user, String password) {
        return ScramLoginModule.class.getName() + " required username=\"" + user + "\" password=\"" + password + "\";";
    }

    private static boolean isJaasQuotable(String value) {
        return value.chars().noneMatch(c -> c == '"' || c == '\\' || c == '\r' || c == '\n');
    }

    private List<String> javaCommand() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xms64m");
        command.add("-Xmx512m");
        command.add("-XX:+ExitOnOutOfMemoryError");
        command.add("-Djava.awt.headless=true");
        command.add(
                "-Dlog4j.configuration=" + dataDir.resolve("log4j.properties").toUri());
        command.add("-Dlog4j2.configurationFile="
                + dataDir.resolve("log4j2.properties").toUri());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(String.join(File.pathSeparator, childClasspath()));
        return command;
    }

    private Process launch(List<String> command, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        return builder.directory(dataDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(nullFile()))
                .start();
    }

    private void awaitReady(Process p, Instant deadline) {
        while (!canConnect(port)) {
            pause(p, deadline, null);
        }
        Map<String, Object> config = new HashMap<>(clientProperties);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000);
        Admin admin = Admin.create(config);
        try {
            Exception last = null;
            while (true) {
                try {
                    Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5_000))
                            .nodes()
                            .get(6, TimeUnit.SECONDS);
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted while waiting for Kafka to start", e);
                }
                pause(p, deadline, last);
            }
        } finally {
            admin.close(CLIENT_CLOSE_TIMEOUT);
        }
    }

    /** Waits a moment; fails if the broker died or the deadline passed. */
    private void pause(Process p, Instant deadline, Exception last) {
        try {
            if (p.waitFor(200, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("Kafka broker exited with code " + p.exitValue()
                        + " while starting; end of " + logFile() + ":\n" + logTail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Kafka to start", e);
        }
        if (Instant.now().isAfter(deadline)) {
            throw new IllegalStateException(
                    "Kafka broker on " + bootstrapServers() + " not ready after " + startTimeout
                            + (last == null ? "" : " (last error: " + last.getMessage() + ")")
                            + "; end of " + logFile() + ":\n" + logTail(),
                    last);
        }
    }

    private void registerShutdownHook() {
        if (shutdownHook == null) {
            shutdownHook = new Thread(
                    () -> {
                        Process p = process;
                        if (p != null) {
                            terminate(p, stopTimeout);
                        }
                    },
                    "headstream-kafka-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }
    }

    private static void terminate(Process p, Duration timeout) {
        p.destroy();
        if (!awaitExit(p, timeout)) {
            LOG.warn("Kafka broker (pid {}) did not stop within {}; killing it", p.pid(), timeout);
            p.destroyForcibly();
            awaitExit(p, timeout);
        }
    }

    private static boolean awaitExit(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }

    private void appendToLog(String line) throws IOException {
        Files.writeString(
                logFile(),
                "[" + Instant.now() + "] headstream: " + line + "\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /** The last lines of the broker log, for error messages. */
    public String logTail() {
        Path log = logFile();
        if (!Files.exists(log)) {
            return "(no " + log + ")";
        }
        Deque<String> tail = new ArrayDeque<>();
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            lines.forEach(line -> {
                tail.addLast(line);
                if (tail.size() > LOG_TAIL_LINES) {
                    tail.removeFirst();
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
        return String.join("\n", tail);
    }

    private static File nullFile() {
        return new File(File.separatorChar == '\\' ? "NUL" : "/dev/null");
    }

    private static boolean canConnect(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void requireFree(int port, String listener) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
        } catch (IOException e) {
            throw new IllegalStateException(
                    "Cannot start Kafka: " + listener + " port " + HOST + ":" + port + " is already in use", e);
        }
    }

    private static int[] freePortsFor(int port, int controllerPort) {
        if (port != 0 && controllerPort != 0) {
            return new int[] {port, controllerPort};
        }
        // two sockets open at once give two different ports
        try (ServerSocket first = new ServerSocket(0, 50, InetAddress.getByName(HOST));
                ServerSocket second = new ServerSocket(0, 50, InetAddress.getByName(HOST))) {
            int a = first.getLocalPort();
            int b = second.getLocalPort();
            if (port != 0) {
                return new int[] {port, a != port ? a : b};
            }
            if (controllerPort != 0) {
                return new int[] {a != controllerPort ? a : b, controllerPort};
            }
            return new int[] {a, b};
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot pick free ports on " + HOST, e);
        }
    }

    /**
     * The class path of the child JVM. Where this class comes from a jar whose manifest
     * {@code Class-Path} names its dependencies, that jar and those: the broker then sees that
     * jar's own dependencies only, whatever else the calling JVM has loaded. Otherwise (the tools
     * jar, whose manifest names the test kit among its {@code lib/}, classes
     * directories, an IDE) this JVM's class path with the manifest {@code Class-Path} entries of its
     * jars spelled out (surefire and failsafe may put only a manifest-only booter jar on
     * {@code java.class.path}), plus the URLs of this class's loader and the code sources of the
     * classes the broker needs.
     */
    static List<String> childClasspath() {
        Set<Path> entries = new LinkedHashSet<>();
        Optional<Path> cliJar = codeSource(BrokerMain.class).filter(Files::isRegularFile);
        List<Path> cliDependencies =
                cliJar.map(EmbeddedKafka::manifestClassPath).orElse(List.of());
        if (!cliDependencies.isEmpty() && cliDependencies.stream().allMatch(Files::exists)) {
            entries.add(cliJar.get());
            entries.addAll(cliDependencies);
        } else {
            for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
                if (!entry.isBlank()) {
                    addWithManifestClassPath(Path.of(entry).toAbsolutePath().normalize(), entries);
                }
            }
            if (EmbeddedKafka.class.getClassLoader() instanceof URLClassLoader loader) {
                for (URL url : loader.getURLs()) {
                    toPath(url).ifPresent(path -> addWithManifestClassPath(path, entries));
                }
            }
            for (Class<?> anchor : List.of(BrokerMain.class, kafka.Kafka.class, Admin.class, LoggerFactory.class)) {
                codeSource(anchor).ifPresent(path -> addWithManifestClassPath(path, entries));
            }
        }
        List<String> classpath = new ArrayList<>();
        entries.forEach(path -> classpath.add(path.toString()));
        return classpath;
    }

    private static void addWithManifestClassPath(Path path, Set<Path> entries) {
        if (Files.exists(path) && entries.add(path) && Files.isRegularFile(path)) {
            for (Path dependency : manifestClassPath(path)) {
                addWithManifestClassPath(dependency, entries);
            }
        }
    }

    /** The entries of a jar's manifest {@code Class-Path}, resolved against the jar; empty if none. */
    private static List<Path> manifestClassPath(Path jarPath) {
        Manifest manifest;
        try (JarFile jar = new JarFile(jarPath.toFile())) {
            manifest = jar.getManifest();
        } catch (IOException e) {
            return List.of();
        }
        String classPath =
                manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
        if (classPath == null || classPath.isBlank()) {
            return List.of();
        }
        List<Path> paths = new ArrayList<>();
        for (String relative : classPath.trim().split("\\s+")) {
            try {
                toPath(jarPath.toUri().resolve(relative).toURL()).ifPresent(paths::add);
            } catch (IOException | IllegalArgumentException e) {
                LOG.debug("Ignoring class path entry {} of {}", relative, jarPath, e);
            }
        }
        return paths;
    }

    private static Optional<Path> codeSource(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        return source == null || source.getLocation() == null ? Optional.empty() : toPath(source.getLocation());
    }

    private static Optional<Path> toPath(URL url) {
        if (!"file".equals(url.getProtocol())) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(url.toURI()).toAbsolutePath().normalize());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Configuration of an {@link EmbeddedKafka}; not thread-safe. */
    public static final class Builder {
        private final Path dataDir;
        private int port;
        private int controllerPort;
        private Duration startTimeout = Duration.ofSeconds(120);
        private Duration stopTimeout = Duration.ofSeconds(30);
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private String adminUser;
        private String adminPassword;

        private Builder(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
        }

        /** The client listener's port; 0, the default, picks a free one. */
        public Builder port(int port) {
            this.port = checkPort(port);
            return this;
        }

        /** The KRaft controller port; 0, the default, picks a free one. */
        public Builder controllerPort(int controllerPort) {
            this.controllerPort = checkPort(controllerPort);
            return this;
        }

        /** How long a start (including formatting) may take; default 120 s. */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = requirePositive(timeout);
            return this;
        }

        /** How long a graceful stop may take before the broker is killed; default 30 s. */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = requirePositive(timeout);
            return this;
        }

        /** Sets or overrides one {@code server.properties} entry. */
        public Builder brokerProperty(String key, String value) {
            brokerProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Secures the broker: clients authenticate with SASL SCRAM-SHA-512, ACLs are enforced, and
         * the given admin is the one super user (see the class comment). The admin's credential is
         * added when the storage is formatted, so on a data directory formatted before, this admin
         * must be the one it was formatted with.
         *
         * @param adminUser letters, digits, {@code .}, {@code _} and {@code -} only: the name becomes
         *     a JAAS option name ({@code user_<admin>}) and a {@code super.users} entry
         * @param adminPassword printable ASCII without {@code "}, {@code \} and {@code ,}: it is quoted
         *     in the JAAS configurations of {@code server.properties} (read as ISO-8859-1) and in the
         *     comma-separated {@code --add-scram} argument of the storage format
         * @throws IllegalArgumentException if the user or the password breaks these rules
         */
        public Builder scram(String adminUser, String adminPassword) {
            Objects.requireNonNull(adminUser, "adminUser");
            Objects.requireNonNull(adminPassword, "adminPassword");
            if (!ADMIN_USER.matcher(adminUser).matches()) {
                throw new IllegalArgumentException(
                        "SCRAM admin user must be letters, digits, '.', '_' and '-' only: '" + adminUser + "'");
            }
            if (!ADMIN_PASSWORD.matcher(adminPassword).matches()) {
                throw new IllegalArgumentException("The password of SCRAM admin " + adminUser
                        + " must be non-empty printable ASCII without '\"', '\\' and ','");
            }
            this.adminUser = adminUser;
            this.adminPassword = adminPassword;
            return this;
        }

        /** Adds an option to the broker's JVM command line, e.g. {@code -Xmx1g}. */
        public Builder jvmOption(String option) {
            jvmOptions.add(Objects.requireNonNull(option, "option"));
            return this;
        }

        /** Creates the instance without starting it; the ports are fixed from here on. */
        public EmbeddedKafka build() {
            if (port != 0 && port == controllerPort) {
                throw new IllegalArgumentException("Broker and controller port are both " + port);
            }
            return new EmbeddedKafka(this);
        }

        /** Creates the instance and {@link EmbeddedKafka#start() starts} it. */
        public EmbeddedKafka start() {
            EmbeddedKafka kafka = build();
            try {
                return kafka.start();
            } catch (RuntimeException e) {
                kafka.close();
                throw e;
            }
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("Port out of range: " + port);
            }
            return port;
        }

        private static Duration requirePositive(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("Timeout must be positive: " + timeout);
            }
            return timeout;
        }
    }
}
