package dev.headstream.tools.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The demo refuses a scenario it does not have and options that do not go with the chosen one, before any work. */
class DemoScenarioOptionsTest {

    private static String run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new DemoCommand());
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args);
        assertThat(code).as("exit code of %s", String.join(" ", args)).isEqualTo(2);
        return err.toString();
    }

    @Test
    void optionsOfAnotherScenarioAreNamed() {
        assertThat(run("--households", "3")).contains("--households goes with --scenario speakers");
        assertThat(run("--scenario", "speakers", "--users", "4", "--train", "8"))
                .contains("[--users, --train] apply to the wake scenario, not to --scenario speakers");
        assertThat(run("--scenario", "speakers", "--households", "0")).contains("--households must be at least 1");
        assertThat(run("--scenario", "own-word", "--users", "4", "--holdout", "3"))
                .contains("[--users, --holdout] do not apply to --scenario own-word");
        assertThat(run("--scenario", "own-word", "--households", "2"))
                .contains("[--households] do not apply to --scenario own-word");
        assertThat(run("--scenario", "bogus")).contains("--scenario must be wake, speakers or own-word, not 'bogus'");
        assertThat(run("--phrase", "okay nova"))
                .contains("--phrase and --phrase-per-user go with --scenario own-word, not --scenario wake");
        assertThat(run("--scenario", "speakers", "--phrase-per-user"))
                .contains("--phrase and --phrase-per-user go with --scenario own-word, not --scenario speakers");
        assertThat(run("--scenario", "own-word", "--phrase", "hey-jarvis!")).contains("--phrase must be English words");
        assertThat(run("--scenario", "own-word", "--phrase", "a".repeat(41)))
                .contains("--phrase: the demo takes phrases of at most 40 characters");
        assertThat(run("--scenario", "own-word", "--phrase", "lets go", "--phrase", "let's go"))
                .contains("name the same task ([lets-go, lets-go])");
    }
}
