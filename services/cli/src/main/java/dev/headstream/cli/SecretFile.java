package dev.headstream.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * A password given as a file (a mounted secret, never the command line): its first line, without
 * the surrounding blanks. What cannot be used is a usage error naming the option and the file, never
 * the password.
 */
public final class SecretFile {

    private SecretFile() {}

    /**
     * The first line of {@code file}, stripped.
     *
     * @param option the option that named the file, for the message
     * @throws ParameterException if it cannot be read or its first line is empty
     */
    public static String firstLine(CommandSpec spec, String option, Path file) {
        String line;
        try {
            line = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .findFirst()
                    .orElse("")
                    .strip();
        } catch (IOException e) {
            throw new ParameterException(
                    spec.commandLine(), option + " " + file + ": cannot read it: " + e.getMessage());
        }
        if (line.isEmpty()) {
            throw new ParameterException(spec.commandLine(), option + " " + file + ": its first line is empty");
        }
        return line;
    }
}
