package dev.headstream.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** Options the own-word benchmark refuses before it synthesizes anything, and its JSON strings. */
class BenchOwnWordCommandTest {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "--clips=0|--clips: clip counts must be at least 1",
                "--clips=3,3|--clips: clip counts must increase",
                "--clips=8,5|--clips: clip counts must increase",
                "--holdout=0|--holdout: must be at least 1",
                "--users=0|--users: must be at least 1",
                "--near-miss-variants=0|--near-miss-variants: must be at least 1",
                "--phrases=okay nova,Hey  Jarvis|'hey jarvis' is the source head's phrase",
                "--phrases=okay nova, ,hey marble|--phrases: an empty phrase",
                "--phrases=okay nova,Okay Nova|given twice",
                "--phrases=say {x}|'say {x}' must be English words (letters, spaces and apostrophes",
                "--phrases=-v en|'-v en' must be English words",
                "--phrases=wake-up luna|'wake-up luna' must be English words",
                "--phrases=okay nova okay nova okay nova okay nova okay nova okay nova okay nova|at most 64 characters",
                "--variants=prototype,trained_bogus|--variants: unknown 'trained_bogus'",
                "--variants=prototype,prototype|--variants: 'prototype' given twice",
            })
    void rejectsABadOptionWithItsName(String option, String message) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new BenchOwnWordCommand());
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        assertThat(cl.execute(option)).isEqualTo(2);
        assertThat(err.toString()).contains(message);
    }

    @Test
    void escapesJsonStrings() {
        assertThat(BenchOwnWordCommand.quote("a\"b\\c\n\u0001")).isEqualTo("\"a\\\"b\\\\c\\n\\u0001\"");
        assertThat(BenchOwnWordCommand.quote("h'eI m'A@b@L")).isEqualTo("\"h'eI m'A@b@L\"");
    }
}
