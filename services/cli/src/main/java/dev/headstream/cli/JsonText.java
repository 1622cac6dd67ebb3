package dev.headstream.cli;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A small JSON writer for the commands' JSON output ({@code eval --out}, {@code heads --json}):
 * objects and arrays nested one per line, arrays of numbers on one line, strings escaped, numbers
 * with at most 7 significant digits, NaN and infinities as {@code null}.
 *
 * <p>Call order: {@link #beginObject()} / {@link #beginArray()} and their ends nest as in the
 * document; inside an object every value is preceded by {@link #name}. Not thread-safe.
 */
public final class JsonText {

    private final StringBuilder b = new StringBuilder();
    /** Per open container: whether it has no element yet. */
    private final Deque<Boolean> empty = new ArrayDeque<>();

    private boolean afterName;

    public JsonText beginObject() {
        return open('{');
    }

    public JsonText endObject() {
        return close('}');
    }

    public JsonText beginArray() {
        return open('[');
    }

    public JsonText endArray() {
        return close(']');
    }

    public JsonText name(String name) {
        element();
        b.append(quote(name)).append(": ");
        afterName = true;
        return this;
    }

    public JsonText value(String s) {
        element();
        b.append(s == null ? "null" : quote(s));
        return this;
    }

    public JsonText value(long v) {
        element();
        b.append(v);
        return this;
    }

    public JsonText value(double v) {
        element();
        b.append(number(v));
        return this;
    }

    /** A float as its shortest decimal that reads back as the same float ({@link Float#toString}). */
    public JsonText value(float v) {
        element();
        b.append(Float.isNaN(v) || Float.isInfinite(v) ? "null" : Float.toString(v));
        return this;
    }

    public JsonText value(boolean v) {
        element();
        b.append(v);
        return this;
    }

    /** A number array on one line. */
    public JsonText numbers(double[] v) {
        element();
        b.append('[');
        for (int i = 0; i < v.length; i++) {
            b.append(i > 0 ? ", " : "").append(number(v[i]));
        }
        b.append(']');
        return this;
    }

    /** A string array on one line. */
    public JsonText strings(Iterable<String> v) {
        element();
        b.append('[');
        boolean first = true;
        for (String s : v) {
            b.append(first ? "" : ", ").append(quote(s));
            first = false;
        }
        b.append(']');
        return this;
    }

    public JsonText field(String name, String v) {
        return name(name).value(v);
    }

    public JsonText field(String name, long v) {
        return name(name).value(v);
    }

    public JsonText field(String name, double v) {
        return name(name).value(v);
    }

    public JsonText field(String name, float v) {
        return name(name).value(v);
    }

    public JsonText field(String name, boolean v) {
        return name(name).value(v);
    }

    @Override
    public String toString() {
        if (!empty.isEmpty()) {
            throw new IllegalStateException(empty.size() + " JSON containers are still open");
        }
        return b + "\n";
    }

    private JsonText open(char c) {
        element();
        b.append(c);
        empty.push(true);
        return this;
    }

    private JsonText close(char c) {
        boolean wasEmpty = empty.pop();
        if (!wasEmpty) {
            newline();
        }
        b.append(c);
        return this;
    }

    /** Starts an element: a comma after the previous one and a new line, unless a name was just written. */
    private void element() {
        if (afterName) {
            afterName = false;
            return;
        }
        if (empty.isEmpty()) {
            if (b.length() > 0) {
                throw new IllegalStateException("a JSON document has one top-level value");
            }
            return;
        }
        if (!empty.peek()) {
            b.append(',');
        }
        empty.pop();
        empty.push(false);
        newline();
    }

    private void newline() {
        b.append('\n').append("  ".repeat(empty.size()));
    }

    public static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "null";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return new BigDecimal(v).round(new MathContext(7)).stripTrailingZeros().toString();
    }

    public static String quote(String s) {
        StringBuilder q = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> q.append("\\\"");
                case '\\' -> q.append("\\\\");
                case '\n' -> q.append("\\n");
                case '\r' -> q.append("\\r");
                case '\t' -> q.append("\\t");
                default -> {
                    if (c < 0x20) {
                        q.append(String.format("\\u%04x", (int) c));
                    } else {
                        q.append(c);
                    }
                }
            }
        }
        return q.append('"').toString();
    }
}
