/** {@code headstream admin-user}: users of the adapter's admin API and dashboard. */
package dev.headstream.cli.admin;
