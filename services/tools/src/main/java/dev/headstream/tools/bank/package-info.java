/**
 * {@code headstream bank build} and {@code bank info}: the negative bank of other people's speech.
 * {@link dev.headstream.tools.bank.BankBuilder} renders every planned stream with the test kit's
 * speech synthesizers, embeds it with the runtime's streaming front end and writes core's
 * {@link dev.headstream.core.bank.NegativeBank} parts with a manifest naming the recipe (rebuilt
 * only when the recipe changes). Size, build time and recipe: {@code docs/bank/README.md}.
 *
 * <p>May use the test kit's {@code synth}, the runtime's {@code backbone}, core's {@code bank} and
 * {@code embed}, and the CLI's progress bar.
 */
package dev.headstream.tools.bank;
