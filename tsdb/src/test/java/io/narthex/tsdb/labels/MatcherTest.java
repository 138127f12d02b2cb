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
  void rejectsNestedRepeatsAboveGosRepeatCap() {
    // 40 bytes that re2j alone expands until the heap is gone; Go's regexp rejects them while parsing.
    assertThatThrownBy(() -> re("(((a{1000}){1000}){100})"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("error parsing regexp: invalid repeat count: `{1000}`");
    assertThatThrownBy(() -> re("(?:x(?:a{2,}){20}){51}")).hasMessageContaining("invalid repeat count: `{51}`");
    assertThatThrownBy(() -> re("a{1001}")).hasMessageContaining("invalid repeat count: `{1001}`");
  }

  @Test
  void rejectsRegexAboveProgramSizeCap() {
    String big = "(" + "abcd".repeat(1000) + "){1000}";
    assertThatThrownBy(() -> re(big)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("error parsing regexp: expression too large");
    String wide = "(?:" + "[a-z]{1000}".repeat(4000) + ")";
    assertThatThrownBy(() -> re(wide)).hasMessage("error parsing regexp: expression too large");
  }

  @Test
  void rejectsRegexNestingDeeperThanGo() {
    String deep = "(".repeat(100_000) + "a" + ")".repeat(100_000);
    assertThatThrownBy(() -> re(deep)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("error parsing regexp: expression nests too deeply");
    String ok = "(".repeat(200) + "a" + ")".repeat(200);
    assertThat(re(ok).matches("a")).isTrue();
  }

  @Test
  void ordinaryRegexesPassTheSizeLimits() {
    assertThat(re("(a{10}){100}").matches("a".repeat(1000))).isTrue();
    assertThat(re("x{2,}y{0}").matches("xxx")).isTrue();
    assertThat(re("a{").matches("a{")).isTrue();
    assertThat(re("[{}]{3}").matches("{}{")).isTrue();
    assertThat(re("\\{1000\\}(b{999})").matches("{1000}" + "b".repeat(999))).isTrue();
    assertThat(re("\\Q(((\\E{3}").matches("(((((")).isTrue();
    assertThat(re("(?i:foo|ba[rz]){1,3}").matches("FOObaz")).isTrue();
    assertThat(re("\\p{Greek}{100}[[:alpha:]]{10}").matches("\u03b1".repeat(100) + "abcdefghij")).isTrue();
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
