/**
 * {@code headstream detect}: a wake-word detector that scores audio every 80 ms with a user's
 * newest head, hot-swapped as new versions commit ({@link dev.headstream.cli.detect.StreamingDetector},
 * {@link dev.headstream.cli.detect.FollowedHead}), or with an exported head file
 * ({@link dev.headstream.cli.detect.FixedHead}).
 */
package dev.headstream.cli.detect;
