package dev.headstream.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.tools.DevMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BenchDedupCommandTest {

    @Test
    void quickRunPrintsARowPerIdLength() {
        StringWriter out = new StringWriter();
        int exit = DevMain.commandLine()
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(new StringWriter(), true))
                .execute("bench-dedup", "--users", "3", "--window", "64", "--few", "4", "--copies", "10");

        assertThat(exit).as(out.toString()).isZero();
        assertThat(out.toString())
                .contains("dedup window of 64 sample ids")
                .contains("full window B")
                .containsPattern("(?m)^  36 ")
                .containsPattern("(?m)^  256 ");
    }

    @Test
    void sampleIdsAreUuidsPaddedToTheLength() {
        SplittableRandom random = new SplittableRandom(1);
        assertThat(BenchDedupCommand.sampleId(random, 36)).matches("[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}");
        assertThat(BenchDedupCommand.sampleId(random, 256)).hasSize(256);
    }
}
