/**
 * The development command line ({@code ./headstream <command>}, jar
 * {@code services/tools/target/headstream-tools.jar}): {@link dev.headstream.tools.DevMain} adds the
 * development tools (one subpackage each: {@code kafka}, {@code produce} (the
 * {@code produce-synth} command), {@code demo},
 * {@code bank}, the benchmarks and sweep in {@code bench}, {@code soak}) to the user commands of
 * {@link dev.headstream.cli.Main}.
 *
 * <p>The tools may use every other module except the adapter's classes (they run the adapter as a
 * child process through the test kit) and the integration tests; nothing depends on the tools.
 * Their figures are documented, with the command that reproduces each, under {@code docs/}.
 *
 * <p>{@code swap} holds {@code bench-swap}, the benchmark that runs the real broker and adapter.
 */
package dev.headstream.tools;
