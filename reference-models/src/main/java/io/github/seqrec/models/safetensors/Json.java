package io.github.seqrec.models.safetensors;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON reader and string quoter for safetensors headers (RFC 8259, minus
 * fractional numbers, which a header never holds).
 *
 * <p>Values map to {@code Map<String, Object>} (insertion order kept), {@code List<Object>},
 * {@code String}, {@code Long} (integers only: a fraction or exponent is an error), {@code Boolean}
 * and {@link #NULL}. It rejects what a lenient parser would guess at: duplicate keys, trailing
 * commas, unescaped control characters, lone surrogates, leading zeros, integers beyond 64 bits,
 * trailing content, nesting deeper than {@link #MAX_DEPTH} (so a corrupt header can never
 * overflow the stack). Errors carry the character offset.
 */
final class Json {
  /** The JSON {@code null} (maps and lists here never hold Java null). */
  static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };

  /** Deepest nesting accepted; a safetensors header needs 3. */
  static final int MAX_DEPTH = 64;

  /** A syntax error at a character offset. */
  static final class ParseException extends Exception {
    private static final long serialVersionUID = 1L;

    ParseException(String message, int offset) {
      super(message + " at character " + offset);
    }
  }

  private final String text;
  private int pos;

  private Json(String text) {
    this.text = text;
  }

  /** Parses one complete JSON document; only whitespace may follow the value. */
  static Object parse(String text) throws ParseException {
    Json parser = new Json(text);
    parser.skipWhitespace();
    Object value = parser.value(0);
    parser.skipWhitespace();
    if (parser.pos != text.length()) {
      throw new ParseException("unexpected content after the JSON value", parser.pos);
    }
    return value;
  }

  /** {@code s} as a JSON string literal: quotes, backslashes and control characters escaped. */
  static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  private Object value(int depth) throws ParseException {
    if (pos >= text.length()) {
      throw new ParseException("unexpected end of JSON, expected a value", pos);
    }
    char c = text.charAt(pos);
    return switch (c) {
      case '{' -> object(depth + 1);
      case '[' -> array(depth + 1);
      case '"' -> string();
      case 't' -> literal("true", Boolean.TRUE);
      case 'f' -> literal("false", Boolean.FALSE);
      case 'n' -> literal("null", NULL);
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) {
          yield integer();
        }
        throw new ParseException("unexpected character " + describe(c) + ", expected a value", pos);
      }
    };
  }

  private Map<String, Object> object(int depth) throws ParseException {
    checkDepth(depth);
    pos++; // '{'
    Map<String, Object> members = new LinkedHashMap<>();
    skipWhitespace();
    if (peek() == '}') {
      pos++;
      return members;
    }
    while (true) {
      skipWhitespace();
      if (peek() != '"') {
        throw new ParseException("expected a string key", pos);
      }
      int keyStart = pos;
      String key = string();
      skipWhitespace();
      expect(':');
      skipWhitespace();
      Object value = value(depth);
      if (members.putIfAbsent(key, value) != null) {
        throw new ParseException("duplicate key " + quote(key), keyStart);
      }
      skipWhitespace();
      char c = next("',' or '}'");
      if (c == '}') {
        return members;
      }
      if (c != ',') {
        throw new ParseException("expected ',' or '}' but found " + describe(c), pos - 1);
      }
    }
  }

  private List<Object> array(int depth) throws ParseException {
    checkDepth(depth);
    pos++; // '['
    List<Object> items = new ArrayList<>();
    skipWhitespace();
    if (peek() == ']') {
      pos++;
      return items;
    }
    while (true) {
      skipWhitespace();
      items.add(value(depth));
      skipWhitespace();
      char c = next("',' or ']'");
      if (c == ']') {
        return items;
      }
      if (c != ',') {
        throw new ParseException("expected ',' or ']' but found " + describe(c), pos - 1);
      }
    }
  }

  private String string() throws ParseException {
    int start = pos;
    pos++; // opening quote
    StringBuilder out = new StringBuilder();
    while (true) {
      if (pos >= text.length()) {
        throw new ParseException("unterminated string", start);
      }
      char c = text.charAt(pos++);
      if (c == '"') {
        return out.toString();
      }
      if (c < 0x20) {
        throw new ParseException("unescaped control character " + describe(c) + " in a string", pos - 1);
      }
      if (Character.isSurrogate(c)) {
        // The text was decoded from strict UTF-8, so a raw surrogate is always half of a valid pair.
        out.append(c);
        continue;
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char e = next("an escape character");
      switch (e) {
        case '"' -> out.append('"');
        case '\\' -> out.append('\\');
        case '/' -> out.append('/');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> {
          char u = hex4();
          if (Character.isHighSurrogate(u)) {
            if (pos + 1 < text.length() && text.charAt(pos) == '\\' && text.charAt(pos + 1) == 'u') {
              pos += 2;
              char low = hex4();
              if (!Character.isLowSurrogate(low)) {
                throw new ParseException("high surrogate escape not followed by a low surrogate", pos - 6);
              }
              out.append(u).append(low);
            } else {
              throw new ParseException("lone high surrogate escape", pos - 6);
            }
          } else if (Character.isLowSurrogate(u)) {
            throw new ParseException("lone low surrogate escape", pos - 6);
          } else {
            out.append(u);
          }
        }
        default -> throw new ParseException("invalid escape \\" + describe(e), pos - 2);
      }
    }
  }

  private char hex4() throws ParseException {
    if (pos + 4 > text.length()) {
      throw new ParseException("truncated \\u escape", pos);
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(text.charAt(pos + i), 16);
      if (d < 0 || text.charAt(pos + i) > 'f') {
        throw new ParseException("invalid hex digit in \\u escape", pos + i);
      }
      v = v * 16 + d;
    }
    pos += 4;
    return (char) v;
  }

  private Long integer() throws ParseException {
    int start = pos;
    boolean negative = false;
    if (text.charAt(pos) == '-') {
      negative = true;
      pos++;
    }
    if (pos >= text.length() || !isDigit(text.charAt(pos))) {
      throw new ParseException("expected a digit", pos);
    }
    if (text.charAt(pos) == '0' && pos + 1 < text.length() && isDigit(text.charAt(pos + 1))) {
      throw new ParseException("leading zero in a number", pos);
    }
    // Accumulate negatively so that Long.MIN_VALUE parses too.
    long v = 0;
    while (pos < text.length() && isDigit(text.charAt(pos))) {
      int d = text.charAt(pos) - '0';
      if (v < (Long.MIN_VALUE + d) / 10) {
        throw new ParseException("integer out of the 64-bit range", start);
      }
      v = v * 10 - d;
      pos++;
    }
    if (pos < text.length()) {
      char c = text.charAt(pos);
      if (c == '.' || c == 'e' || c == 'E') {
        throw new ParseException("only integers are allowed in a safetensors header, found a fraction or exponent", start);
      }
    }
    if (!negative) {
      if (v == Long.MIN_VALUE) {
        throw new ParseException("integer out of the 64-bit range", start);
      }
      v = -v;
    }
    return v;
  }

  private Object literal(String word, Object value) throws ParseException {
    if (!text.startsWith(word, pos)) {
      throw new ParseException("invalid literal, expected " + word, pos);
    }
    pos += word.length();
    return value;
  }

  private void checkDepth(int depth) throws ParseException {
    if (depth > MAX_DEPTH) {
      throw new ParseException("JSON nested deeper than " + MAX_DEPTH + " levels", pos);
    }
  }

  private void skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private char peek() throws ParseException {
    if (pos >= text.length()) {
      throw new ParseException("unexpected end of JSON", pos);
    }
    return text.charAt(pos);
  }

  private char next(String expected) throws ParseException {
    if (pos >= text.length()) {
      throw new ParseException("unexpected end of JSON, expected " + expected, pos);
    }
    return text.charAt(pos++);
  }

  private void expect(char c) throws ParseException {
    char got = next("'" + c + "'");
    if (got != c) {
      throw new ParseException("expected '" + c + "' but found " + describe(got), pos - 1);
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static String describe(char c) {
    return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
  }
}
