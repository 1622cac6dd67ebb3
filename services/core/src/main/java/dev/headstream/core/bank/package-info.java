/**
 * The negative bank: hours of other people's speech, embedded once and shared read-only
 * (memory-mapped, half precision) by every user's training, threshold calibration and
 * evaluation.
 */
package dev.headstream.core.bank;
