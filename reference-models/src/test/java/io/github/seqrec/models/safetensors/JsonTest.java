package io.github.seqrec.models.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void parsesObjectsArraysStringsIntegersAndLiterals() throws Json.ParseException {
    Object v = Json.parse(" {\"a\" : [1, -2, 0, 9223372036854775807, -9223372036854775808], \"b\":\"x\",\n"
        + "\"c\":{}, \"d\":[], \"e\":true, \"f\":false, \"g\":null} ");
    assertThat(v).isInstanceOf(Map.class);
    Map<?, ?> m = (Map<?, ?>) v;
    assertThat(List.copyOf(m.keySet())).isEqualTo(List.of("a", "b", "c", "d", "e", "f", "g"));
    assertThat(m.get("a")).isEqualTo(List.of(1L, -2L, 0L, Long.MAX_VALUE, Long.MIN_VALUE));
    assertThat(m.get("b")).isEqualTo("x");
    assertThat(m.get("c")).isEqualTo(Map.of());
    assertThat(m.get("d")).isEqualTo(List.of());
    assertThat(m.get("e")).isEqualTo(true);
    assertThat(m.get("f")).isEqualTo(false);
    assertThat(m.get("g")).isSameAs(Json.NULL);
  }

  @Test
  void decodesEscapes() throws Json.ParseException {
    assertThat(Json.parse("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\uD83D\\uDE00\""))
        .isEqualTo("q\" b\\ s/ \b\f\n\r\t é \uD83D\uDE00");
    assertThat(Json.parse("\"\uD83D\uDE00 raw\"")).isEqualTo("\uD83D\uDE00 raw");
  }

  @Test
  void quoteRoundTrips() throws Json.ParseException {
    String s = "a\"b\\c\nd\re\tf\bg\fh\u0001i é \uD83D\uDE00";
    assertThat(Json.parse(Json.quote(s))).isEqualTo(s);
  }

  @Test
  void rejectsWhatALenientParserWouldGuess() {
    assertFails("[1,]", "expected a value");
    assertFails("{\"a\":1,}", "expected a string key");
    assertFails("[01]", "leading zero");
    assertFails("[-]", "expected a digit");
    assertFails("[1.0]", "only integers");
    assertFails("[1e3]", "only integers");
    assertFails("[9223372036854775808]", "out of the 64-bit range");
    assertFails("[-9223372036854775809]", "out of the 64-bit range");
    assertFails("[99999999999999999999999]", "out of the 64-bit range");
    assertFails("\"\\x\"", "invalid escape");
    assertFails("\"\\u12G4\"", "invalid hex digit");
    assertFails("\"\\u12\"", "truncated");
    assertFails("\"\\uD800\"", "lone high surrogate");
    assertFails("\"\\uD800\\u0041\"", "not followed by a low surrogate");
    assertFails("\"\\uDC00\"", "lone low surrogate");
    assertFails("\"abc", "unterminated string");
    assertFails("\"a\tb\"", "unescaped control character");
    assertFails("tru", "expected true");
    assertFails("nul", "expected null");
    assertFails("{\"a\" 1}", "expected ':'");
    assertFails("{\"a\":1 \"b\":2}", "expected ',' or '}'");
    assertFails("[1 2]", "expected ',' or ']'");
    assertFails("{\"a\":1,\"a\":1}", "duplicate key");
    assertFails("{} {}", "unexpected content");
    assertFails("", "unexpected end");
    assertFails("'a'", "unexpected character ''', expected a value");
    assertFails("[".repeat(65) + "]".repeat(65), "nested deeper than 64");
  }

  @Test
  void acceptsNestingUpToTheLimit() throws Json.ParseException {
    assertThat(Json.parse("[".repeat(64) + "]".repeat(64))).isInstanceOf(List.class);
  }

  private static void assertFails(String json, String fragment) {
    assertThatThrownBy(() -> Json.parse(json)).as(json).isInstanceOf(Json.ParseException.class)
        .hasMessageContaining(fragment).hasMessageContaining(" at character ");
  }
}
