/**
 * The negative bank: hours of other people's speech, embedded once and shared read-only
 * (memory-mapped, half precision) by every user's training, threshold calibration and
 * evaluation.
 *
 * <p>May use {@code core.embed}; nothing else of the core.
 */
package dev.headstream.core.bank;
