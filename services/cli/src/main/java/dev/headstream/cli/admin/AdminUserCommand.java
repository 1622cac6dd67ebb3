package dev.headstream.cli.admin;

import dev.headstream.cli.SecretFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code headstream admin-user}: prints the two environment variables that give a user of the
 * adapter's admin API and dashboard a role, with the password in the form the adapter's realm
 * stores it (HEX(SHA-256("user:Quarkus:password")), never the password itself), ready for a
 * compose file or a Kubernetes Secret.
 */
@Command(
        name = "admin-user",
        mixinStandardHelpOptions = true,
        description = {
            "Print the environment variables that give a user of the adapter's admin API and dashboard a role"
                    + " (viewer reads, operator acts), the password stored as the realm's SHA-256 digest.",
        })
public final class AdminUserCommand implements Callable<Integer> {

    /** The realm name the digest includes (Quarkus' embedded realm's default). */
    static final String REALM = "Quarkus";

    /** Names that survive the environment-variable spelling of the realm's keys (lower case, digits). */
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]{0,31}");

    private static final Set<String> ROLES = Set.of("viewer", "operator");

    @Spec
    CommandSpec spec;

    @Option(
            names = "--name",
            required = true,
            paramLabel = "USER",
            description = "The user: lower-case letters and digits.")
    String name;

    @Option(names = "--role", required = true, paramLabel = "ROLE", description = "viewer or operator.")
    String role;

    @Option(
            names = "--password-file",
            required = true,
            paramLabel = "FILE",
            description = "The password: this file's first line (a mounted secret; '-' reads standard input).")
    String passwordFile;

    @Override
    public Integer call() {
        if (!NAME.matcher(name).matches()) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--name must be 1-32 lower-case letters and digits"
                            + " starting with a letter (the environment-variable form of the realm's keys keeps no other), got '"
                            + name + "'");
        }
        String r = role.toLowerCase(Locale.ROOT);
        if (!ROLES.contains(r)) {
            throw new ParameterException(spec.commandLine(), "--role must be viewer or operator, got '" + role + "'");
        }
        String password = password();
        String upper = name.toUpperCase(Locale.ROOT);
        PrintWriter out = spec.commandLine().getOut();
        out.println("QUARKUS_SECURITY_USERS_EMBEDDED_USERS_" + upper + "=" + digest(name, password));
        out.println("QUARKUS_SECURITY_USERS_EMBEDDED_ROLES_" + upper + "=" + r);
        out.flush();
        return 0;
    }

    private String password() {
        if (!passwordFile.equals("-")) {
            return SecretFile.firstLine(spec, "--password-file", Path.of(passwordFile));
        }
        String p;
        try {
            p = new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .findFirst()
                    .orElse("")
                    .strip();
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--password-file -: cannot read standard input: " + e);
        }
        if (p.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--password-file -: the first line is empty");
        }
        return p;
    }

    /** HEX(SHA-256("user:Quarkus:password")), as the adapter's realm stores a password. */
    static String digest(String user, String password) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256")
                            .digest((user + ":" + REALM + ":" + password).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
