/**
 * The adapter service ({@code quarkus-run.jar}) as a child JVM
 * ({@link dev.headstream.testkit.adapter.AdapterProcess}): started with properties, awaited on its
 * readiness endpoint, stopped gracefully or killed with SIGKILL, as a deployment would see it. Used
 * by the demo, the soak and the integration tests.
 *
 * <p>Uses only the JDK (process and HTTP client); it does not link the adapter's classes.
 */
package dev.headstream.testkit.adapter;
