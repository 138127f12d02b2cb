package io.narthex.promql.parser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.promql.ErrorType;
import io.narthex.promql.PromQLException;
import org.junit.jupiter.api.Test;

class ParserTest {
  @Test
  void setOperatorsBindLooserThanComparisonsAndOrIsLoosest() {
    Expr e = Parser.parse("a or b and c > d");
    assertThat(e).isInstanceOfSatisfying(Expr.Binary.class, or -> {
      assertThat(or.op()).isEqualTo("or");
      assertThat(or.rhs()).isInstanceOfSatisfying(Expr.Binary.class, and -> {
        assertThat(and.op()).isEqualTo("and");
        assertThat(((Expr.Binary) and.rhs()).op()).isEqualTo(">");
      });
    });
  }

  @Test
  void rejectsRegexAboveGosLimitsAsBadData() {
    assertThatThrownBy(() -> Parser.parse("{__name__=~\"(((a{1000}){1000}){100})\"}"))
        .isInstanceOfSatisfying(PromQLException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.BAD_DATA))
        .hasMessage("1:2: parse error: error parsing regexp: invalid repeat count: `{1000}`");
  }

  @Test
  void refusesRegexOneCharacterOverTheLengthLimitBeforeCompilingIt() {
    // Literal alternations compile in linear time, so the old code accepted this one in well under a second.
    String overLimit = alternation(Parser.MAX_REGEX_LENGTH + 1);
    for (String op : new String[] {"=~", "!~"}) {
      assertThatThrownBy(() -> Parser.parse("{job" + op + "\"" + overLimit + "\"}")).as(op)
          .isInstanceOfSatisfying(PromQLException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.BAD_DATA))
          .hasMessage("1:2: parse error: error parsing regexp: expression too large: " + (Parser.MAX_REGEX_LENGTH + 1)
              + " characters, more than Narthex's limit of " + Parser.MAX_REGEX_LENGTH + " (err-narthex-regex-too-long)");
    }
  }

  @Test
  void acceptsRegexExactlyAtTheLengthLimit() {
    String atLimit = alternation(Parser.MAX_REGEX_LENGTH);
    Expr e = Parser.parse("{job=~\"" + atLimit + "\"}");
    assertThat(((Expr.VectorSelector) e).matchers().getFirst().matches("pod-00000")).isTrue();
  }

  /** {@code pod-00000|pod-00001|...} of exactly {@code length} characters, as a Grafana variable expands. */
  private static String alternation(int length) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; sb.length() < length; i++) {
      sb.append(i == 0 ? "" : "|").append(String.format("pod-%05d", i));
    }
    sb.setLength(length);
    return sb.toString();
  }

  @Test
  void rejectsTooDeepQueriesAsBadDataInsteadOfOverflowingTheStack() {
    // Each of these overflowed the stack (a bare 500) before the depth limit.
    String parens = "(".repeat(2000) + "1" + ")".repeat(2000);
    String minuses = "-".repeat(100_000) + "up";
    String sum = "up" + " + up".repeat(89_999);
    String calls = "abs(".repeat(5000) + "up" + ")".repeat(5000);
    String subqueries = "max_over_time(".repeat(1000) + "up" + "[1m:])".repeat(1000);
    for (String query : new String[] {parens, minuses, sum, calls, subqueries}) {
      assertThatThrownBy(() -> Parser.parse(query))
          .isInstanceOfSatisfying(PromQLException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.BAD_DATA))
          .hasMessageContaining("parse error: expression nests too deeply: more than " + Parser.MAX_DEPTH + " levels");
    }
  }

  @Test
  void rejectsMalformedStringEscapesAsParseErrors() {
    // Found by PromqlFuzzTest (seed 1): these threw NumberFormatException, a 500.
    for (String query : new String[] {"{a=\"\\uoffs\"}", "{a=\"\\xzz\"}", "\"\\19x\"", "\"\\U00110000\"",
        "\"\\UFFFFFFFF\""}) {
      assertThatThrownBy(() -> Parser.parse(query)).as(query)
          .isInstanceOfSatisfying(PromQLException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.BAD_DATA))
          .hasMessageContaining("invalid syntax");
    }
  }

  @Test
  void parsesQueriesUpToTheDepthLimit() {
    int levels = Parser.MAX_DEPTH - 1; // the leaf is a level of its own
    assertThat(Parser.parse("(".repeat(levels) + "1" + ")".repeat(levels))).isInstanceOf(Expr.Paren.class);
    assertThat(Parser.parse("up" + " + up".repeat(levels))).isInstanceOf(Expr.Binary.class);
    assertThat(Parser.parse("-".repeat(levels) + "up")).isInstanceOf(Expr.Unary.class);
  }

  @Test
  void powerIsRightAssociativeAndOthersLeftAssociative() {
    Expr pow = Parser.parse("a ^ b ^ c");
    assertThat(((Expr.Binary) pow).rhs()).isInstanceOf(Expr.Binary.class);
    Expr minus = Parser.parse("a - b - c");
    assertThat(((Expr.Binary) minus).lhs()).isInstanceOf(Expr.Binary.class);
  }

  @Test
  void unaryMinusBindsTighterThanMultiplicationButLooserThanPower() {
    Expr e = Parser.parse("-a ^ b");
    assertThat(e).isInstanceOfSatisfying(Expr.Unary.class, u -> assertThat(u.expr()).isInstanceOf(Expr.Binary.class));
    Expr m = Parser.parse("-a * b");
    assertThat(m).isInstanceOfSatisfying(Expr.Binary.class, b -> assertThat(b.lhs()).isInstanceOf(Expr.Unary.class));
  }

  @Test
  void negativeNumberLiteralsAreFolded() {
    assertThat(Parser.parse("-1")).isEqualTo(new Expr.NumberLiteral(-1, 0));
  }

  @Test
  void numberLiteralsIncludeHexInfNanAndExponents() {
    assertThat(((Expr.NumberLiteral) Parser.parse("0x1F")).value()).isEqualTo(31);
    assertThat(((Expr.NumberLiteral) Parser.parse("1e3")).value()).isEqualTo(1000);
    assertThat(((Expr.NumberLiteral) Parser.parse("Inf")).value()).isInfinite();
    assertThat(((Expr.NumberLiteral) Parser.parse("NaN")).value()).isNaN();
    assertThat(((Expr.NumberLiteral) Parser.parse(".5")).value()).isEqualTo(0.5);
  }

  @Test
  void stringsSupportAllQuoteStylesAndEscapes() {
    assertThat(((Expr.StringLiteral) Parser.parse("\"a\\nb\"")).value()).isEqualTo("a\nb");
    assertThat(((Expr.StringLiteral) Parser.parse("'it\\'s'")).value()).isEqualTo("it's");
    assertThat(((Expr.StringLiteral) Parser.parse("`raw\\n`")).value()).isEqualTo("raw\\n");
  }

  @Test
  void selectorsCarryRangeOffsetAndAtModifiers() {
    Expr e = Parser.parse("rate(foo:bar{job=\"x\"}[1h30m] offset -5m @ 100)");
    Expr.MatrixSelector ms = (Expr.MatrixSelector) ((Expr.Call) e).args().get(0);
    assertThat(ms.rangeMs()).isEqualTo(5_400_000);
    assertThat(ms.selector().offsetMs()).isEqualTo(-300_000);
    assertThat(ms.selector().at()).isEqualTo(new Expr.At(Expr.AtKind.TIMESTAMP, 100_000));
    assertThat(ms.selector().name()).isEqualTo("foo:bar");
  }

  @Test
  void subqueriesWithAndWithoutStep() {
    Expr.Subquery sq = (Expr.Subquery) Parser.parse("rate(foo[5m])[1h:1m] @ end()");
    assertThat(sq.rangeMs()).isEqualTo(3_600_000);
    assertThat(sq.stepMs()).isEqualTo(60_000);
    assertThat(sq.at().kind()).isEqualTo(Expr.AtKind.END);
    assertThat(((Expr.Subquery) Parser.parse("foo[1h:]")).stepMs()).isZero();
  }

  @Test
  void aggregationGroupingMayPrecedeOrFollowTheBody() {
    Expr.Aggregate before = (Expr.Aggregate) Parser.parse("sum by (job, on) (foo)");
    Expr.Aggregate after = (Expr.Aggregate) Parser.parse("topk(3, foo) without (instance)");
    assertThat(before.grouping()).containsExactly("job", "on");
    assertThat(after.without()).isTrue();
    assertThat(after.param()).isInstanceOf(Expr.NumberLiteral.class);
  }

  @Test
  void vectorMatchingModifiers() {
    Expr.Binary b = (Expr.Binary) Parser.parse("a * on (x) group_left (y) b");
    assertThat(b.matching().card()).isEqualTo(Expr.Card.MANY_TO_ONE);
    assertThat(b.matching().matchingLabels()).containsExactly("x");
    assertThat(b.matching().include()).containsExactly("y");
  }

  @Test
  void keywordsCanBeMetricAndLabelNames() {
    Expr.VectorSelector vs = (Expr.VectorSelector) Parser.parse("offset{by=\"1\", sum=\"2\"}");
    assertThat(vs.name()).isEqualTo("offset");
    assertThat(vs.matchers()).hasSize(3);
  }

  @Test
  void commentsAreIgnored() {
    assertThat(Parser.parse("foo # a comment\n")).isInstanceOf(Expr.VectorSelector.class);
  }

  @Test
  void unexpectedTokenReportsLineAndColumn() {
    assertParseError("foo + bar + * 2", "1:13: parse error: unexpected <op:*>");
    assertParseError("1 +", "1:4: parse error: unexpected end of input");
    assertParseError("foo\n  + )", "2:5: parse error: unexpected \")\"");
  }

  @Test
  void typeErrorsMatchPrometheus() {
    assertParseError("rate(foo)", "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector");
    assertParseError("1 > 2", "1:3: parse error: comparisons between scalars must use BOOL modifier");
    assertParseError("foo + bool bar", "1:5: parse error: bool modifier can only be used on comparison operators");
    assertParseError("nosuchfn(foo)", "1:1: parse error: unknown function with name \"nosuchfn\"");
    assertParseError("{}", "1:1: parse error: vector selector must contain at least one non-empty matcher");
    assertParseError("sum(foo[5m])",
        "1:5: parse error: expected type instant vector in aggregation expression, got range vector");
  }

  private static void assertParseError(String query, String message) {
    assertThatThrownBy(() -> Parser.parse(query))
        .isInstanceOfSatisfying(PromQLException.class, e -> {
          assertThat(e.type()).isEqualTo(ErrorType.BAD_DATA);
          assertThat(e.getMessage()).isEqualTo(message);
        });
  }
}
