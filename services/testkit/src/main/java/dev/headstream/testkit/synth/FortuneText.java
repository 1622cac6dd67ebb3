package dev.headstream.testkit.synth;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Turns one fortune (the text between two {@code %} lines of a fortune file) into speakable
 * plain ASCII utterances of {@value #MIN_WORDS}-{@value #MAX_WORDS} words, or none.
 *
 * <p>Steps: undo overstriking ({@code c BACKSPACE c}); fold accents and typographic quotes and
 * dashes to ASCII and drop the fortune if anything else is left; split off the attribution (from
 * the first line after the first that starts with {@code --}) and keep it as a closing sentence
 * when it is a short run of words ({@code Mark Twain.}); drop the fortune when the body holds a
 * URL, an e-mail address, code-like symbols ({@code { } [ ] < > | \ / = _ # ^ ~ * $ % + @} or a
 * backquote), more than {@value #MAX_DIGITS} digits, or mostly capital letters (ASCII art,
 * headlines), or when it mentions the wake word's name ({@code jarvis}, any case); join the lines,
 * turn {@code &} into {@code and}, inner {@code --} into a comma, drop double quotes and
 * parentheses (keeping what they enclose) and collapse spaces. A body of at most {@value #MAX_WORDS} words is one utterance; a longer one (up to
 * {@value #MAX_ENTRY_WORDS} words) is cut at sentence ends into consecutive utterances of at most
 * {@value #MAX_WORDS} words (a sentence longer than that is dropped). Stateless.
 */
final class FortuneText {

    static final int MIN_WORDS = 3;
    static final int MAX_WORDS = 40;
    static final int MAX_ENTRY_WORDS = 120;
    static final int MAX_DIGITS = 4;
    static final int MAX_CHARS = 500;
    private static final int MAX_ATTRIBUTION_WORDS = 8;

    private static final Pattern OVERSTRIKE = Pattern.compile(".\b");
    private static final Pattern MARKS = Pattern.compile("\\p{M}+");
    private static final Pattern URL = Pattern.compile("(?i)(https?:|ftp:|www\\.|\\.(com|org|edu|net|gov)\\b)");
    private static final Pattern SYMBOLS = Pattern.compile("[{}\\[\\]<>|\\\\/=_#^~*$%+@`]");
    private static final Pattern ATTRIBUTION = Pattern.compile("[A-Za-z][A-Za-z .,'-]*");
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+(?=[A-Z(])");
    private static final Pattern SPACES = Pattern.compile("\\s+");
    private static final Pattern REPEATED = Pattern.compile("([!?,;:])\\1+");

    private FortuneText() {}

    /** The utterances {@code fortune} gives, in reading order; empty when it is dropped. */
    static List<String> utterances(String fortune) {
        String text = toAscii(OVERSTRIKE.matcher(fortune).replaceAll(""));
        if (text == null || text.toLowerCase(Locale.ROOT).contains("jarvis")) {
            return List.of();
        }
        List<String> lines = text.lines().toList();
        int attributionAt = lines.size();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).strip().startsWith("--")) {
                attributionAt = i;
                break;
            }
        }
        String body = String.join(" ", lines.subList(0, attributionAt));
        if (URL.matcher(body).find()
                || SYMBOLS.matcher(body).find()
                || body.chars().filter(Character::isDigit).count() > MAX_DIGITS
                || mostlyCapitals(body)) {
            return List.of();
        }
        body = speakable(body);
        String attribution = attribution(String.join(" ", lines.subList(attributionAt, lines.size())));
        if (!attribution.isEmpty()) {
            body = body + (body.matches(".*[.!?]$") ? " " : ". ") + attribution + ".";
        }
        int words = words(body);
        if (words > MAX_ENTRY_WORDS) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (words <= MAX_WORDS) {
            out.add(body);
        } else {
            StringBuilder chunk = new StringBuilder();
            for (String sentence : SENTENCE_END.split(body)) {
                if (words(sentence) > MAX_WORDS) {
                    flush(chunk, out);
                    continue;
                }
                if (words(chunk.toString()) + words(sentence) > MAX_WORDS) {
                    flush(chunk, out);
                }
                chunk.append(chunk.length() == 0 ? "" : " ").append(sentence);
            }
            flush(chunk, out);
        }
        return out.stream()
                .filter(u -> words(u) >= MIN_WORDS && u.length() <= MAX_CHARS)
                .toList();
    }

    private static void flush(StringBuilder chunk, List<String> out) {
        if (chunk.length() > 0) {
            out.add(chunk.toString());
            chunk.setLength(0);
        }
    }

    /** Accents folded, typographic punctuation mapped; {@code null} when other non-ASCII text remains. */
    private static String toAscii(String text) {
        String folded = MARKS.matcher(Normalizer.normalize(text, Normalizer.Form.NFKD))
                .replaceAll("")
                .replace('\u2018', '\'')
                .replace('\u2019', '\'')
                .replace('\u201c', '"')
                .replace('\u201d', '"')
                .replace("\u2013", " -- ")
                .replace("\u2014", " -- ")
                .replace("\u2026", "...")
                .replace('\t', ' ');
        for (int i = 0; i < folded.length(); i++) {
            char c = folded.charAt(i);
            if (c > 126 || (c < 32 && c != '\n')) {
                return null;
            }
        }
        return folded;
    }

    private static boolean mostlyCapitals(String text) {
        long letters = text.chars().filter(Character::isLetter).count();
        long capitals = text.chars().filter(Character::isUpperCase).count();
        return letters >= 8 && capitals * 2 > letters;
    }

    private static String speakable(String text) {
        String s = text.replace("&", " and ")
                .replace("--", ", ")
                .replace("\"", "")
                .replace("(", "")
                .replace(")", "");
        s = SPACES.matcher(s).replaceAll(" ").strip();
        s = s.replace(" ,", ",").replace(",,", ",");
        s = REPEATED.matcher(s).replaceAll("$1");
        int start = 0;
        while (start < s.length() && !Character.isLetterOrDigit(s.charAt(start))) {
            start++;
        }
        return s.substring(start);
    }

    /** The attribution's words when short and plain ({@code Mark Twain}); empty otherwise. */
    private static String attribution(String text) {
        String s = SPACES.matcher(text.replace("\"", "")).replaceAll(" ").strip();
        while (s.startsWith("-")) {
            s = s.substring(1).strip();
        }
        while (s.endsWith(".") || s.endsWith(",")) {
            s = s.substring(0, s.length() - 1).strip();
        }
        if (s.isEmpty() || !ATTRIBUTION.matcher(s).matches() || words(s) > MAX_ATTRIBUTION_WORDS || mostlyCapitals(s)) {
            return "";
        }
        return s;
    }

    static int words(String text) {
        int n = 0;
        for (String token : SPACES.split(text.strip())) {
            if (token.chars().anyMatch(Character::isLetterOrDigit)) {
                n++;
            }
        }
        return n;
    }
}
