/**
 * {@code demo --scenario own-word}: a user's own wake word through the service (fresh-start binary
 * tasks, near misses synthesized by the adapter), scored as a consumer scores the published heads.
 */
package dev.headstream.tools.ownword;
