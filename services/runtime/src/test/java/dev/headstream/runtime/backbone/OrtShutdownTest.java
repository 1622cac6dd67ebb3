package dev.headstream.runtime.backbone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM told to exit while two threads run the backbone's models exits cleanly ({@link OrtGate}):
 * without the gate, ONNX Runtime's own shutdown hook releases its environment under the runs in
 * flight, the next growth of its memory arena logs through the released environment, and the JVM
 * dies with SIGSEGV in libonnxruntime.so (exit 134). With {@code -Dheadstream.ort-shutdown-guard=false}
 * added to the probe's command line, 3 of 4 probes died so on 2026-12-04 (docs/tests.md). Each
 * probe is a child JVM ({@link OrtShutdownProbe}) on this test JVM's class path.
 */
class OrtShutdownTest {

    @TempDir
    Path dir;

    @Test
    void exitWithModelRunsInFlightIsClean() throws Exception {
        int withRunsInFlight = 0;
        for (int run = 0; run < 4; run++) {
            Result r = probe(300 + 150 * run, run);
            assertThat(r.exitCode)
                    .as("run %d exit code; output:%n%s", run, r.output)
                    .isZero();
            assertThat(r.output)
                    .as("run %d output", run)
                    .contains("ONNX Runtime's environment is released at shutdown once the model runs in flight end")
                    .contains("probe: released true, in flight 0")
                    .doesNotContain("SIGSEGV")
                    .doesNotContain("fatal error");
            Matcher m = Pattern.compile("exiting with (\\d+) runs in flight").matcher(r.output);
            assertThat(m.find()).as("run %d output:%n%s", run, r.output).isTrue();
            if (Integer.parseInt(m.group(1)) > 0) {
                withRunsInFlight++;
            }
        }
        assertThat(withRunsInFlight)
                .as("probes that exited with a model run in flight")
                .isPositive();
    }

    private record Result(int exitCode, String output) {}

    private Result probe(long runMillis, int run) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-opens");
        cmd.add("java.base/java.lang=ALL-UNNAMED");
        cmd.add("-XX:ErrorFile=" + dir.resolve("hs_err_%p.log"));
        cmd.add("-Dheadstream.models.dir=" + TestModels.dir());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(OrtShutdownProbe.class.getName());
        cmd.add(Long.toString(runMillis));
        Path log = dir.resolve("probe-" + run + ".log");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("probe did not exit in 120 s:\n" + Files.readString(log));
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }
}
