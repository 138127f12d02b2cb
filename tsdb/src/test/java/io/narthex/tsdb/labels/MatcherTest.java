package io.narthex.tsdb.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class MatcherTest {
  private static Matcher re(String value) {
    return Matcher.of(Matcher.Type.REGEX, "foo", value);
  }

  @Test
  void regexIsFullyAnchored() {
    assertThat(re("b").matches("abc")).isFalse();
    assertThat(re("b").matches("b")).isTrue();
    assertThat(re("a.*").matches("abc")).isTrue();
    assertThat(re("b|c").matches("abc")).isFalse();
  }

  @Test
  void dotMatchesNewline() {
    assertThat(re("a.b").matches("a\nb")).isTrue();
    assertThat(re(".*").matches("x\ny")).isTrue();
  }

  @Test
  void literalAlternationIsASetMatch() {
    Matcher m = re("a|b");
    assertThat(m.setMatches()).containsExactly("a", "b");
    assertThat(m.matches("a")).isTrue();
    assertThat(m.matches("b")).isTrue();
    assertThat(m.matches("ab")).isFalse();
    assertThat(re("a.b|c").setMatches()).isNull();
    assertThat(re("a\\.b|c").setMatches()).containsExactly("a.b", "c");
  }

  @Test
  void prefixRegexExposesItsLiteralPrefix() {
    Matcher m = re("foo.*");
    assertThat(m.prefix()).isEqualTo("foo");
    assertThat(m.matches("foobar")).isTrue();
    assertThat(m.matches("fo")).isFalse();
    assertThat(re("fooo?").prefix()).isEqualTo("foo");
    assertThat(re("a|b").prefix()).isEmpty();
  }

  @Test
  void invalidRegexIsIllegalArgument() {
    assertThatThrownBy(() -> re("a(")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a(");
  }

  @Test
  void emptyMatchingFollowsPrometheus() {
    assertThat(Matcher.equal("foo", "").matchesEmpty()).isTrue();
    assertThat(Matcher.of(Matcher.Type.NOT_EQUAL, "foo", "bar").matchesEmpty()).isTrue();
    assertThat(Matcher.of(Matcher.Type.NOT_EQUAL, "foo", "").matchesEmpty()).isFalse();
    assertThat(re(".*").matchesEmpty()).isTrue();
    assertThat(re(".+").matchesEmpty()).isFalse();
    assertThat(Matcher.of(Matcher.Type.NOT_REGEX, "foo", "x").matchesEmpty()).isTrue();
  }

  @Test
  void printsInPromqlSyntax() {
    assertThat(Matcher.of(Matcher.Type.NOT_REGEX, "job", "a\"b").toString()).isEqualTo("job!~\"a\\\"b\"");
    assertThat(List.of(Matcher.equal("a", "1"))).contains(Matcher.equal("a", "1"));
  }
}
