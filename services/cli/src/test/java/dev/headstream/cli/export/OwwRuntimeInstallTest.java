package dev.headstream.cli.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code src/build/oww-runtime/install.sh}'s Node.js check, on a copy of the script with a stand-in
 * {@code node} first on the PATH: an older Node.js or one whose version cannot be read stops it
 * with exit 2, naming the version found and the one needed, before anything is installed.
 */
class OwwRuntimeInstallTest {

    @TempDir
    Path dir;

    private Path script;

    @BeforeEach
    void copyTheScript() throws Exception {
        Path runtime = Path.of(System.getProperty("headstream.oww-runtime.dir", "../../src/build/oww-runtime"));
        Path copy = Files.createDirectories(dir.resolve("oww-runtime"));
        script = Files.copy(
                runtime.resolve("install.sh"), copy.resolve("install.sh"), StandardCopyOption.COPY_ATTRIBUTES);
        // installed from this very lock file: a node that passes the check stops at "installed"
        byte[] lock = "{\"lockfileVersion\": 3}\n".getBytes(StandardCharsets.UTF_8);
        Files.write(copy.resolve("package-lock.json"), lock);
        Files.createDirectories(copy.resolve("node_modules"));
        Files.writeString(copy.resolve("node_modules/.headstream-lock.sha256"), sha256(lock) + "\n");
    }

    @Test
    void anOlderNodeStopsTheInstallNamingTheVersionFoundAndTheOneNeeded() throws Exception {
        Run run = install("echo v16.20.2");

        assertThat(run.exit).as(run.err).isEqualTo(2);
        assertThat(run.err).contains("oww-runtime: Node.js 18 or newer is needed; found 'v16.20.2' (node --version, ");
        assertThat(run.out).doesNotContain("installed");
    }

    @Test
    void aNodeWhoseVersionCannotBeReadStopsTheInstall() throws Exception {
        Run run = install("exit 1");

        assertThat(run.exit).as(run.err).isEqualTo(2);
        assertThat(run.err).contains("Node.js 18 or newer is needed; found 'nothing'");
    }

    @Test
    void node18OrNewerPasses() throws Exception {
        for (String version : new String[] {"v18.0.0", "v20.20.2", "v22.1.0"}) {
            Run run = install("echo " + version);

            assertThat(run.exit).as(run.err).isZero();
            assertThat(run.out).contains("oww-runtime: installed in ").contains("(" + version + ")");
        }
    }

    private record Run(int exit, String out, String err) {}

    /** Runs the copy with a {@code node} that runs {@code nodeBody} first on the PATH. */
    private Run install(String nodeBody) throws IOException, InterruptedException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path node = bin.resolve("node");
        Files.writeString(node, "#!/bin/sh\n" + nodeBody + "\n");
        Files.setPosixFilePermissions(node, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().put("PATH", bin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        Process p = pb.start();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("install.sh finished").isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
