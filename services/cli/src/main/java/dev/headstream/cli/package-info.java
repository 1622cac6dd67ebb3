/**
 * The user command line: {@link dev.headstream.cli.Main} registers the commands a user of a
 * running service needs ({@code watch}, {@code heads}, {@code control}, {@code export-head},
 * {@code replay}, {@code eval}, {@code produce}, {@code detect}; one subpackage each) and reports
 * failures as one line with exit code 1; {@link dev.headstream.cli.Console},
 * {@link dev.headstream.cli.ProgressBar}, {@link dev.headstream.cli.Dirs} and
 * {@link dev.headstream.cli.JsonText} are shared by the commands. The development tools add
 * theirs to this command line in {@code dev.headstream.tools.DevMain}.
 *
 * <p>May use picocli, the runtime, client and schemas modules (and core through runtime); never
 * the test kit, the tools or the broker ({@code kafka_2.13}).
 */
package dev.headstream.cli;
