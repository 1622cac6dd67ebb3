package dev.headstream.cli.heads;

import dev.headstream.cli.JsonText;
import dev.headstream.client.HeadKeys;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@link HeadList}'s rows as a text table or as JSON. Stateless. */
public final class HeadTable {

    static final List<String> COLUMNS =
            List.of("HEAD", "VERSION", "STATUS", "SAMPLES", "THRESHOLD", "HELD", "ALARMS", "CREATED");

    private HeadTable() {}

    /**
     * One line per head under a header, columns padded to their widest cell. ALARMS lists the flags
     * set on the head's newest metrics record ({@code -}: none; {@code (no metrics)}: no record),
     * followed by {@code (metrics of vN)} when that record scored another version than VERSION;
     * HELD is the head version's own {@code held_at_source}; CREATED is the version's creation time
     * (UTC). No heads: one line saying so.
     */
    public static String text(List<HeadList.Row> rows) {
        return textOf(rows);
    }

    /**
     * {@code s} with control characters (a forged key's terminal escapes, line breaks) shown as
     * {@code \\uXXXX} and cut to {@link HeadKeys#SHOWN_CHARS} characters, so a head id cannot
     * rewrite the terminal or the table.
     */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (Character.isISOControl(c) || Character.getType(c) == Character.FORMAT) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return HeadKeys.shown(b.toString());
    }

    /**
     * The flags of the head's newest metrics record, and, when that record scored another version
     * than the one shown, which ({@code held-at-source (metrics of v4)}): the newest metrics may lag
     * (or lead) the newest committed version, and its alarms are shown as they are rather than
     * dropped, with the version they are about.
     */
    static String alarms(HeadList.Row r, HeadList.Metrics m) {
        String flags = m.alarms().isEmpty() ? "-" : String.join(",", m.alarms());
        return m.headVersion() == r.version() ? flags : flags + " (metrics of v" + m.headVersion() + ")";
    }

    private static String textOf(List<HeadList.Row> rows) {
        if (rows.isEmpty()) {
            return "no heads\n";
        }
        List<List<String>> cells = new ArrayList<>();
        cells.add(COLUMNS);
        for (HeadList.Row r : rows) {
            cells.add(List.of(
                    printable(r.headId()),
                    Long.toString(r.version()),
                    r.status(),
                    Long.toString(r.samplesApplied()),
                    r.classHead() ? "- (" + r.output() + ")" : String.format(Locale.ROOT, "%.4f", r.threshold()),
                    r.heldAtSource() ? "yes" : "no",
                    r.metrics().map(m -> alarms(r, m)).orElse("(no metrics)"),
                    time(r.createdTimeMs())));
        }
        int[] width = new int[COLUMNS.size()];
        for (List<String> line : cells) {
            for (int c = 0; c < width.length; c++) {
                width[c] = Math.max(width[c], line.get(c).length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (List<String> line : cells) {
            StringBuilder l = new StringBuilder();
            for (int c = 0; c < width.length; c++) {
                String cell = line.get(c);
                boolean right = c == 1 || c == 3 || c == 4;
                String pad = " ".repeat(width[c] - cell.length());
                l.append(c == 0 ? "" : "  ").append(right ? pad + cell : cell + pad);
            }
            b.append(l.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }

    /**
     * {@code {"heads": [...], "skipped": [...]}}: per head its id, tenant, user, task, version,
     * status, status reason, samples applied, threshold (the float's shortest decimal; 0 for a class
     * head), output ({@code sigmoid}, {@code softmax}, {@code multi-label}), output labels, held at
     * source, creation time (ISO-8601 and milliseconds), and {@code metrics}: {@code null} or the
     * newest record's head version, samples applied, creation time, each flag and the names of
     * those set ({@code alarms}).
     */
    public static String json(List<HeadList.Row> rows, List<String> skipped) {
        JsonText j = new JsonText().beginObject().name("heads").beginArray();
        for (HeadList.Row r : rows) {
            j.beginObject()
                    .field("headId", r.headId())
                    .field("tenant", r.tenant())
                    .field("user", r.user())
                    .field("task", r.task())
                    .field("version", r.version())
                    .field("status", r.status())
                    .field("statusReason", r.statusReason())
                    .field("samplesApplied", r.samplesApplied())
                    .field("threshold", r.threshold())
                    .field("output", r.output())
                    .name("outputLabels")
                    .beginArray();
            for (String label : r.outputLabels()) {
                j.value(label);
            }
            j.endArray()
                    .field("heldAtSource", r.heldAtSource())
                    .field("createdTime", time(r.createdTimeMs()))
                    .field("createdTimeMs", r.createdTimeMs())
                    .name("metrics");
            if (r.metrics().isEmpty()) {
                j.value((String) null);
            } else {
                HeadList.Metrics m = r.metrics().get();
                j.beginObject()
                        .field("headVersion", m.headVersion())
                        .field("samplesApplied", m.samplesApplied())
                        .field("createdTime", time(m.createdTimeMs()))
                        .field("createdTimeMs", m.createdTimeMs())
                        .field("negativeTransferAlarm", m.negativeTransferAlarm())
                        .field("driftAlarm", m.driftAlarm())
                        .field("lossRiseAlarm", m.lossRiseAlarm())
                        .field("errorRiseAlarm", m.errorRiseAlarm())
                        .field("heldAtSource", m.heldAtSource())
                        .field("heldReason", m.heldReason())
                        .name("alarms")
                        .strings(m.alarms())
                        .endObject();
            }
            j.endObject();
        }
        return j.endArray().name("skipped").strings(skipped).endObject().toString();
    }

    /** Epoch milliseconds as an ISO-8601 UTC instant; {@code -} for 0 (not set). */
    static String time(long ms) {
        return ms == 0 ? "-" : Instant.ofEpochMilli(ms).toString();
    }
}
