package dev.headstream.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.tools.DevMain;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchHeadsCommandTest {

    @Test
    void quickRunPrintsTheTableAndWritesJson(@TempDir Path dir) throws IOException {
        StringWriter out = new StringWriter();
        Path json = dir.resolve("bench.json");
        int exit = DevMain.commandLine()
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(new StringWriter(), true))
                .execute(
                        "bench-heads",
                        "--models-dir",
                        System.getProperty("headstream.models.dir"),
                        "--depths",
                        "1",
                        "--seconds",
                        "0.2",
                        "--warmup-seconds",
                        "0.1",
                        "--users",
                        "2000",
                        "--out",
                        json.toString());

        assertThat(exit).as(out.toString()).isZero();
        assertThat(out.toString())
                .contains("native/s")
                .contains("dl4j/s")
                .contains("top-1")
                .contains("2000 resident top-1 heads");
        String written = Files.readString(json);
        assertThat(written)
                .contains("\"trainableTopK\": 1")
                .contains("\"storedBytesPerUser\": 1680")
                .contains("\"users\": 2000");
    }

    @Test
    void residentTop1HeadOfHeyJarvisIsUnderFourKilobytes() {
        // 129 floats: tail + Adam m + v, each a float[] (16 B header), plus record, state and slot array
        assertThat(BenchHeadsCommand.residentHeadBytes(129)).isEqualTo(1680).isLessThanOrEqualTo(4096);
    }
}
