package dev.headstream.tools.kafka;

import dev.headstream.cli.KafkaSecurityOption;
import dev.headstream.cli.SecretFile;
import dev.headstream.client.KafkaConnection;
import dev.headstream.client.KafkaRole;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code headstream kafka-user}: gives a Kafka principal one of Headstream's roles
 * ({@link KafkaRole}): optionally its SCRAM-SHA-512 credential, then exactly that role's ACLs (the
 * principal's other ACLs are deleted once the role's exist, so changing a role never leaves a moment
 * without any). Run as a cluster administrator (a super user); the set-up step of the compose file
 * and the security integration test use it, so the ACLs a deployment gets are the ones the code
 * names.
 */
@Command(
        name = "kafka-user",
        mixinStandardHelpOptions = true,
        description = {
            "Creates or updates a Kafka user for one of Headstream's roles (producer, adapter, follower,"
                    + " operator, monitor): its SCRAM-SHA-512 password (with --password-env) and exactly the role's ACLs."
                    + " Run it with an administrator's --kafka-config.",
        })
public final class KafkaUserCommand implements Callable<Integer> {

    /** SCRAM iterations of a credential set here (Kafka's minimum for SCRAM-SHA-512 is 4,096). */
    static final int ITERATIONS = 8192;

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Spec
    private CommandSpec spec;

    @Option(
            names = {"-b", "--bootstrap-servers"},
            defaultValue = "localhost:9092",
            paramLabel = "HOSTS",
            description = "The cluster's bootstrap.servers (default: ${DEFAULT-VALUE}).")
    private String bootstrap;

    @Mixin
    private KafkaSecurityOption kafkaSecurity;

    @Option(names = "--name", required = true, paramLabel = "USER", description = "The principal's name (User:USER).")
    private String name;

    @Option(
            names = "--role",
            required = true,
            paramLabel = "ROLE",
            description = "producer, adapter, follower, operator or monitor (reads the adapter group's lag only).")
    private String role;

    @Option(
            names = "--password-env",
            paramLabel = "VAR",
            description = "Set the user's SCRAM-SHA-512 password from this environment variable (never on the"
                    + " command line); without it only the ACLs are set (a TLS certificate's principal).")
    private String passwordEnv;

    @Option(
            names = "--password-file",
            paramLabel = "FILE",
            description = "Set the user's SCRAM-SHA-512 password from this file's first line (a mounted secret).")
    private Path passwordFile;

    @Option(
            names = "--group",
            defaultValue = KafkaRole.ADAPTER_GROUP,
            paramLabel = "GROUP",
            description = "The adapter's consumer group (adapter role; default: ${DEFAULT-VALUE}).")
    private String group;

    @Option(
            names = "--transactional-id-prefix",
            defaultValue = KafkaRole.ADAPTER_TRANSACTIONAL_ID_PREFIX,
            paramLabel = "PREFIX",
            description = "What the adapter's transactional ids start with (adapter role; default: ${DEFAULT-VALUE}).")
    private String transactionalIdPrefix;

    @Option(names = "--dry-run", description = "Print the role's ACLs and change nothing.")
    private boolean dryRun;

    @Override
    public Integer call() {
        KafkaRole r;
        List<AclBinding> wanted;
        if (name.isBlank() || name.contains("*")) {
            throw new ParameterException(
                    spec.commandLine(), "--name must name one principal; '" + name + "' would match every user");
        }
        try {
            r = KafkaRole.named(role);
            wanted = r.bindings(name, group, transactionalIdPrefix);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        String password = password();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("User:%s, role %s: %d ACLs%n", name, r.label(), wanted.size());
        wanted.forEach(b -> out.println("  " + describe(b)));
        if (dryRun) {
            out.flush();
            return 0;
        }
        KafkaConnection kafka = kafkaSecurity.connection(bootstrap);
        try (Admin admin = Admin.create(adminProperties(kafka))) {
            if (password != null) {
                await(
                        admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                                        name,
                                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS),
                                        password)))
                                .all(),
                        "set the SCRAM-SHA-512 credential of " + name,
                        kafka);
                out.printf("SCRAM-SHA-512 credential of %s set%n", name);
            }
            await(admin.createAcls(wanted).all(), "create the ACLs of " + name, kafka);
            List<AclBindingFilter> stale = stale(admin, wanted, kafka);
            if (!stale.isEmpty()) {
                await(admin.deleteAcls(stale).all(), "delete the other ACLs of " + name, kafka);
            }
            out.printf("on %s: %d ACLs in place, %d others deleted%n", kafka, wanted.size(), stale.size());
        }
        out.flush();
        return 0;
    }

    /** The password {@code --password-env} or {@code --password-file} gives, or null for none. */
    private String password() {
        if (passwordEnv != null && passwordFile != null) {
            throw new ParameterException(spec.commandLine(), "--password-env and --password-file are alternatives");
        }
        if (passwordEnv != null) {
            String p = System.getenv(passwordEnv);
            if (p == null || p.isEmpty()) {
                throw new ParameterException(
                        spec.commandLine(), "--password-env " + passwordEnv + ": that environment variable is not set");
            }
            return p;
        }
        if (passwordFile != null) {
            return SecretFile.firstLine(spec, "--password-file", passwordFile);
        }
        return null;
    }

    /**
     * The principal's ALLOW ACLs that are not the role's, as exact filters; DENY ACLs (an
     * administrator's block on a compromised user) are never deleted here.
     */
    private List<AclBindingFilter> stale(Admin admin, Collection<AclBinding> wanted, KafkaConnection kafka) {
        AclBindingFilter mine = new AclBindingFilter(
                ResourcePatternFilter.ANY,
                new AccessControlEntryFilter("User:" + name, null, AclOperation.ANY, AclPermissionType.ALLOW));
        Set<AclBinding> keep = new HashSet<>(wanted);
        List<AclBindingFilter> out = new ArrayList<>();
        for (AclBinding b : await(admin.describeAcls(mine).values(), "read the ACLs of " + name, kafka)) {
            if (!keep.contains(b)) {
                out.add(b.toFilter());
            }
        }
        return out;
    }

    private static Properties adminProperties(KafkaConnection kafka) {
        Properties p = kafka.clientProperties();
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        return p;
    }

    /** One line: {@code ALLOW WRITE on TOPIC headstream.samples (LITERAL)}. */
    static String describe(AclBinding b) {
        return b.entry().permissionType() + " " + b.entry().operation() + " on "
                + b.pattern().resourceType() + " " + b.pattern().name() + " ("
                + b.pattern().patternType() + ")";
    }

    private static <T> T await(KafkaFuture<T> future, String what, KafkaConnection kafka) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException(
                    "cannot " + what + " on " + kafka + ": " + cause.getClass().getSimpleName() + ": "
                            + cause.getMessage(),
                    cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot " + what + " on " + kafka + ": no answer within " + TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while trying to " + what, e);
        }
    }
}
