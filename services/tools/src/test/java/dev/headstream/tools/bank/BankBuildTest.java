package dev.headstream.tools.bank;

import static org.assertj.core.api.Assertions.assertThat;

import dev.headstream.core.bank.NegativeBank;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bank is a function of its recipe: two builds of the same small plan, on 1 and on 2 threads,
 * give the same bytes in every part (two builds of the default bank once differed in one
 * festival stream, from Festival's batch mode), and a second build into a directory that holds
 * the recipe is skipped.
 */
class BankBuildTest {

    @TempDir
    Path dir;

    @Test
    void theSameRecipeBuildsTheSameBankOnAnyNumberOfThreadsAndOnlyOnce() {
        Path models = Path.of(System.getProperty("headstream.models.dir"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        BankBuilder.Result a = BankCommand.build(dir.resolve("a"), models, 0.04, 0.03, 0.03, 7, 1, out);
        BankBuilder.Result b = BankCommand.build(dir.resolve("b"), models, 0.04, 0.03, 0.03, 7, 2, out);
        NegativeBank x = NegativeBank.open(dir.resolve("a"));
        NegativeBank y = NegativeBank.open(dir.resolve("b"));
        assertThat(a.rebuilt()).isTrue();
        assertThat(b.rebuilt()).isTrue();
        assertThat(x.train().voices())
                .as("the training part has festival speech")
                .anyMatch(v -> v.startsWith("festival:"));
        assertThat(y.train().sha256()).isEqualTo(x.train().sha256());
        assertThat(y.calibration().sha256()).isEqualTo(x.calibration().sha256());
        assertThat(y.evaluation().sha256()).isEqualTo(x.evaluation().sha256());
        assertThat(BankCommand.build(dir.resolve("a"), models, 0.04, 0.03, 0.03, 7, 2, out)
                        .rebuilt())
                .isFalse();
        assertThat(log.toString(StandardCharsets.UTF_8))
                .contains("is up to date (recipe " + BankBuilder.builtRecipe(dir.resolve("a")));
    }
}
