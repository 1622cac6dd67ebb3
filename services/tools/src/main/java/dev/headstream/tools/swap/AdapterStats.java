package dev.headstream.tools.swap;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The adapter's own counters, read from its Prometheus endpoint ({@code /q/metrics}): committed
 * batches and their total time (processing and commit), samples applied, head versions published
 * and records rejected. The difference of two readings says what the adapter did in between.
 */
record AdapterStats(double batches, double batchSeconds, double applied, double published, double rejected) {

    /** Reads the counters of the adapter listening on {@code httpPort}. */
    static AdapterStats read(int httpPort) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/metrics"))
                .timeout(Duration.ofSeconds(10))
                .build();
        String text;
        try {
            text = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build()
                    .send(req, HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the adapter's metrics: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the adapter's metrics", e);
        }
        return parse(text);
    }

    /** The counters in a Prometheus text exposition (0 where a series is absent). */
    static AdapterStats parse(String text) {
        return new AdapterStats(
                sum(text, "headstream_batch_seconds_count", "outcome=\"committed\""),
                sum(text, "headstream_batch_seconds_sum", "outcome=\"committed\""),
                sum(text, "headstream_samples_applied_total", ""),
                sum(text, "headstream_heads_published_total", ""),
                sum(text, "headstream_rejects_total", ""));
    }

    /** What happened between {@code earlier} and this reading. */
    AdapterStats since(AdapterStats earlier) {
        return new AdapterStats(
                batches - earlier.batches,
                batchSeconds - earlier.batchSeconds,
                applied - earlier.applied,
                published - earlier.published,
                rejected - earlier.rejected);
    }

    /** Mean time of a committed batch in ms. */
    double msPerBatch() {
        return batches == 0 ? Double.NaN : 1000 * batchSeconds / batches;
    }

    private static double sum(String text, String name, String label) {
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
