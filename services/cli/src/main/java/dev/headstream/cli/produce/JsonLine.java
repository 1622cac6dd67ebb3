package dev.headstream.cli.produce;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses one line of JSON lines: an object whose values are objects ({@code Map}), arrays
 * ({@code List}), or scalars, each scalar as its text (a string's value, a number's digits,
 * {@code true}, {@code false}) and {@code null} as null. Objects and arrays nest at most
 * {@value #MAX_DEPTH} deep (the top object is depth 1), so a hostile line cannot exhaust the stack.
 * Errors are {@link IllegalArgumentException}s that start with where the line is and name the
 * column. Stateless.
 */
final class JsonLine {

    /** Deepest nesting of objects and arrays read. */
    static final int MAX_DEPTH = 64;

    private final String text;
    private final String where;
    private int at;
    private int depth;

    private JsonLine(String text, String where) {
        this.text = text;
        this.where = where;
    }

    /** The object on {@code line}; duplicate names are an error. */
    static Map<String, Object> object(String line, String where) {
        JsonLine p = new JsonLine(line, where);
        p.space();
        if (p.peek() != '{') {
            throw p.error("expected a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> out = (Map<String, Object>) p.value();
        p.space();
        if (p.at < p.text.length()) {
            throw p.error("text after the object");
        }
        return out;
    }

    private Object value() {
        space();
        char c = peek();
        if ((c == '{' || c == '[') && ++depth > MAX_DEPTH) {
            throw error("objects and arrays nested deeper than " + MAX_DEPTH);
        }
        switch (c) {
            case '{' -> {
                at++;
                Map<String, Object> m = new LinkedHashMap<>();
                space();
                if (peek() == '}') {
                    at++;
                    depth--;
                    return m;
                }
                while (true) {
                    space();
                    if (peek() != '"') {
                        throw error("expected a name in quotes");
                    }
                    String name = string();
                    space();
                    expect(':');
                    if (m.containsKey(name)) {
                        throw error("\"" + name + "\" appears twice");
                    }
                    m.put(name, value());
                    space();
                    if (peek() == ',') {
                        at++;
                    } else {
                        expect('}');
                        depth--;
                        return m;
                    }
                }
            }
            case '[' -> {
                at++;
                List<Object> l = new ArrayList<>();
                space();
                if (peek() == ']') {
                    at++;
                    depth--;
                    return l;
                }
                while (true) {
                    l.add(value());
                    space();
                    if (peek() == ',') {
                        at++;
                    } else {
                        expect(']');
                        depth--;
                        return l;
                    }
                }
            }
            case '"' -> {
                return string();
            }
            default -> {
                int start = at;
                while (at < text.length() && "{}[],: \t\r\n\"".indexOf(text.charAt(at)) < 0) {
                    at++;
                }
                String word = text.substring(start, at);
                if (word.equals("null")) {
                    return null;
                }
                if (word.equals("true")
                        || word.equals("false")
                        || word.matches("-?(0|[1-9]\\d*)(\\.\\d+)?([eE][+-]?\\d+)?")) {
                    return word;
                }
                at = start;
                throw error(word.isEmpty() ? "expected a value" : "'" + word + "' is not a JSON value");
            }
        }
    }

    private String string() {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (true) {
            if (at >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(at++);
            if (c == '"') {
                return b.toString();
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (at >= text.length()) {
                throw error("unterminated string");
            }
            char e = text.charAt(at++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (at + 4 > text.length()) {
                        throw error("short \\u escape");
                    }
                    try {
                        b.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                    } catch (NumberFormatException x) {
                        throw error("bad \\u escape");
                    }
                    at += 4;
                }
                default -> throw error("bad escape \\" + e);
            }
        }
    }

    private void expect(char c) {
        if (peek() != c) {
            throw error("expected '" + c + "'");
        }
        at++;
    }

    private char peek() {
        return at < text.length() ? text.charAt(at) : '\0';
    }

    private void space() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
            at++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(where + ", column " + (at + 1) + ": " + what);
    }
}
