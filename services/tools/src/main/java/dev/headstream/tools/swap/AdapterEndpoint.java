package dev.headstream.tools.swap;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The adapter's Prometheus endpoint ({@code /q/metrics}) read over one HTTP client, and the sums of
 * series in its text. Thread-safe.
 */
public final class AdapterEndpoint {

    private final HttpClient http;
    private final HttpRequest request;

    /** The endpoint of the adapter listening on {@code httpPort} on this machine. */
    public AdapterEndpoint(int httpPort) {
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        this.request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/metrics"))
                .timeout(Duration.ofSeconds(10))
                .build();
    }

    /**
     * The exposition text as it is now.
     *
     * @throws IllegalStateException when the adapter does not answer
     */
    public String metricsText() {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the adapter's metrics: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the adapter's metrics", e);
        }
    }

    /**
     * The sum of the values of every series of metric {@code name} (exactly that name, with or
     * without labels) whose line contains {@code label} ({@code ""}: every series); 0 when there
     * is none.
     */
    public static double sum(String text, String name, String label) {
        double total = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(name)
                    && line.length() > name.length()
                    && (line.charAt(name.length()) == '{' || line.charAt(name.length()) == ' ')
                    && line.contains(label)) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }
}
