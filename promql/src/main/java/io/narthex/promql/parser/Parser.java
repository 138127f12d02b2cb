package io.narthex.promql.parser;

import io.narthex.promql.PromQLException;
import io.narthex.tsdb.labels.Matcher;
import java.util.List;

/**
 * Recursive-descent / precedence-climbing PromQL parser following Prometheus's promql/parser/generated_parser.y
 * grammar and its type checks. Errors are {@link PromQLException} of type BAD_DATA with Prometheus's
 * {@code line:col: parse error: ...} messages.
 *
 * <p>This file holds the entry points and the expression grammar (binary operators by precedence, unary operators,
 * parentheses); selectors are in {@link SelectorParser}, calls and aggregations in {@link CallParser}, ranges,
 * subqueries, offset and @ in {@link ModifierParser}, literals in {@link Literals}, and the depth limit in
 * {@link NestingDepth}.
 */
public final class Parser {
  /**
   * The deepest expression tree the parser builds, counting every operator, call, aggregation, parenthesis and
   * subquery on the way from the root to a leaf (a chain {@code a + b + c} is 3 deep). The parser and the evaluator
   * recurse once per level, so this bounds their stack use; deeper queries fail with BAD_DATA. Prometheus has no such
   * limit; the deepest query in Prometheus's promqltest scripts and in the compliance suite is far below it.
   */
  public static final int MAX_DEPTH = 500;

  /**
   * The longest regex a matcher may hold, in characters (UTF-16 code units). re2j, unlike Go's regexp, compiles a
   * long run of literal characters in quadratic time: 64 KiB of {@code a} takes about half a second once re2j is
   * JIT-compiled (seconds before), and 1 MiB of opening braces over three minutes. Longer regexes are refused with
   * BAD_DATA ({@code err-narthex-regex-too-long}) before they are compiled. Prometheus and Mimir need no such limit,
   * as Go's regexp parses in linear time; literal alternations up to this length, such as a Grafana variable of
   * a thousand or more pod names, still fit.
   */
  public static final int MAX_REGEX_LENGTH = 64 << 10;

  private final TokenCursor cursor;
  private final NestingDepth depth;
  private final SelectorParser selectors;
  private final ModifierParser modifiers;
  private final CallParser calls;
  /** How many parseExpr calls are open: bounds the parser's own recursion. */
  private int parseDepth;
  private int sinceDeadlineCheck;

  private Parser(String query, long deadlineNanos) {
    this.cursor = new TokenCursor(query, deadlineNanos);
    this.depth = new NestingDepth(cursor);
    this.selectors = new SelectorParser(cursor);
    this.modifiers = new ModifierParser(cursor, depth);
    this.calls = new CallParser(this, cursor, depth, selectors);
  }

  /** Parses and type-checks a PromQL expression, with no deadline. */
  public static Expr parse(String query) {
    return parse(query, Long.MAX_VALUE);
  }

  /**
   * Parses and type-checks a PromQL expression, failing with TIMEOUT ("query timed out in query parsing") once
   * {@link System#nanoTime()} passes {@code deadlineNanos}; checked before each regex is compiled and every 256
   * subexpressions, so one regex compile is the most it can overrun. {@link Long#MAX_VALUE} means none.
   */
  public static Expr parse(String query, long deadlineNanos) {
    Parser p = new Parser(query, deadlineNanos);
    TokenCursor cursor = p.cursor;
    if (cursor.peek().type() == TokenType.EOF) {
      throw cursor.error(0, "no expression found in input");
    }
    Expr e;
    try {
      e = p.parseExpr(0);
    } catch (NestingDepth.Exceeded tooDeep) {
      throw p.depth.tooDeep();
    }
    if (cursor.peek().type() != TokenType.EOF) {
      throw cursor.unexpected(cursor.peek(), "");
    }
    return e;
  }

  /**
   * Parses a series selector such as {@code up{job="x"}}, as the API's {@code match[]} takes them.
   *
   * @return the matchers, {@code __name__} included when a metric name is given
   * @throws io.narthex.promql.PromQLException BAD_DATA with the position when the input is not a plain selector
   */
  public static List<Matcher> parseMetricSelector(String selector) {
    return parseMetricSelector(selector, Long.MAX_VALUE);
  }

  /**
   * {@link #parseMetricSelector(String)} with a deadline, as {@link #parse(String, long)}: TIMEOUT once
   * {@link System#nanoTime()} passes {@code deadlineNanos}, checked before each regex is compiled.
   */
  public static List<Matcher> parseMetricSelector(String selector, long deadlineNanos) {
    Expr expr = parse(selector, deadlineNanos);
    if (!(expr instanceof Expr.VectorSelector vs) || vs.offsetMs() != 0 || vs.at().isSet()) {
      throw Lexer.error(selector, 0, "expected a series selector such as up{job=\"x\"}, got \"" + selector + "\"");
    }
    return vs.matchers();
  }

  /** An expression whose binary operators bind at least as tightly as {@code minPrec}. */
  Expr parseExpr(int minPrec) {
    if (++parseDepth > MAX_DEPTH) {
      throw depth.exceeded(cursor.peek().pos());
    }
    if ((++sinceDeadlineCheck & 0xff) == 0) {
      cursor.checkDeadline();
    }
    try {
      return parseBinary(minPrec);
    } finally {
      parseDepth--;
    }
  }

  private Expr parseBinary(int minPrec) {
    Expr lhs = parseUnary();
    while (true) {
      Token op = cursor.peek();
      int prec = BinaryOps.precedence(op.type());
      if (prec < 0 || prec < minPrec) {
        return lhs;
      }
      cursor.next();
      // Parsed in a method of its own so that this frame, one per nesting level, stays small.
      BinaryModifiers modifiers = parseBinaryModifiers();
      Expr rhs = parseExpr(op.type() == TokenType.POW ? prec : prec + 1);
      lhs = depth.check(makeBinary(op, lhs, rhs, modifiers));
    }
  }

  /** What may follow a binary operator: {@code bool}, then {@code on}/{@code ignoring} and a group modifier. */
  private record BinaryModifiers(boolean returnBool, Expr.VectorMatching matching, boolean hasMatching) {}

  private BinaryModifiers parseBinaryModifiers() {
    boolean returnBool = false;
    if (cursor.peek().type() == TokenType.BOOL) {
      cursor.next();
      returnBool = true;
    }
    Expr.Card card = Expr.Card.ONE_TO_ONE;
    List<String> matching = List.of();
    boolean on = false;
    List<String> include = List.of();
    boolean hasMatching = false;
    if (cursor.peek().type() == TokenType.ON || cursor.peek().type() == TokenType.IGNORING) {
      on = cursor.next().type() == TokenType.ON;
      matching = selectors.parseLabelList("grouping opts");
      hasMatching = true;
      if (cursor.peek().type() == TokenType.GROUP_LEFT || cursor.peek().type() == TokenType.GROUP_RIGHT) {
        card = cursor.next().type() == TokenType.GROUP_LEFT ? Expr.Card.MANY_TO_ONE : Expr.Card.ONE_TO_MANY;
        if (cursor.peek().type() == TokenType.LEFT_PAREN) {
          include = selectors.parseLabelList("grouping opts");
        }
      }
    }
    return new BinaryModifiers(returnBool, new Expr.VectorMatching(card, matching, on, include), hasMatching);
  }

  private Expr makeBinary(Token op, Expr lhs, Expr rhs, BinaryModifiers modifiers) {
    boolean returnBool = modifiers.returnBool();
    Expr.VectorMatching vm = modifiers.matching();
    boolean hasMatching = modifiers.hasMatching();
    String opText = op.text();
    boolean comparison = BinaryOps.isComparison(opText);
    boolean setOp = BinaryOps.isSetOperator(opText);
    ValueType lt = lhs.type();
    ValueType rt = rhs.type();
    if (returnBool && !comparison) {
      throw cursor.error(op.pos(), "bool modifier can only be used on comparison operators");
    }
    if (lt != ValueType.SCALAR && lt != ValueType.VECTOR) {
      throw cursor.error(lhs.pos(), "binary expression must contain only scalar and instant vector types");
    }
    if (rt != ValueType.SCALAR && rt != ValueType.VECTOR) {
      throw cursor.error(rhs.pos(), "binary expression must contain only scalar and instant vector types");
    }
    if (comparison && lt == ValueType.SCALAR && rt == ValueType.SCALAR && !returnBool) {
      throw cursor.error(op.pos(), "comparisons between scalars must use BOOL modifier");
    }
    boolean bothVectors = lt == ValueType.VECTOR && rt == ValueType.VECTOR;
    if (!bothVectors && hasMatching && (vm.on() || !vm.matchingLabels().isEmpty())) {
      throw cursor.error(lhs.pos(), "vector matching only allowed between instant vectors");
    }
    if (setOp && (lt == ValueType.SCALAR || rt == ValueType.SCALAR)) {
      throw cursor.error(op.pos(), "set operator \"" + opText + "\" not allowed in binary scalar expression");
    }
    if (bothVectors && setOp) {
      if (vm.card() == Expr.Card.MANY_TO_ONE || vm.card() == Expr.Card.ONE_TO_MANY) {
        throw cursor.error(lhs.pos(), "no grouping allowed for \"" + opText + "\" operation");
      }
      vm = new Expr.VectorMatching(Expr.Card.MANY_TO_MANY, vm.matchingLabels(), vm.on(), vm.include());
    }
    if (vm.on()) {
      for (String l : vm.include()) {
        if (vm.matchingLabels().contains(l)) {
          throw cursor.error(lhs.pos(), "label \"" + l + "\" must not occur in ON and GROUP clause at once");
        }
      }
    }
    return new Expr.Binary(opText, lhs, rhs, bothVectors ? vm : null, returnBool, lhs.pos());
  }

  private Expr parseUnary() {
    Token t = cursor.peek();
    if (t.type() == TokenType.ADD || t.type() == TokenType.SUB) {
      cursor.next();
      Expr operand = parseExpr(BinaryOps.precedence(TokenType.POW));
      if (operand instanceof Expr.NumberLiteral n) {
        return new Expr.NumberLiteral(t.type() == TokenType.SUB ? -n.value() : n.value(), t.pos());
      }
      ValueType type = operand.type();
      if (type != ValueType.SCALAR && type != ValueType.VECTOR) {
        throw cursor.error(t.pos(),
            "unary expression only allowed on expressions of type scalar or instant vector, got " + type);
      }
      return depth.check(new Expr.Unary(t.text(), operand, t.pos()));
    }
    return modifiers.parsePostfix(parsePrimary());
  }

  private Expr parsePrimary() {
    Token t = cursor.peek();
    switch (t.type()) {
      case NUMBER -> {
        cursor.next();
        return new Expr.NumberLiteral(Literals.parseNumber(t.text()), t.pos());
      }
      case DURATION -> {
        cursor.next();
        return new Expr.NumberLiteral(Literals.parseDurationText(cursor, t) / 1000.0, t.pos());
      }
      case STRING -> {
        cursor.next();
        return new Expr.StringLiteral(Literals.unquote(cursor, t), t.pos());
      }
      case LEFT_PAREN -> {
        cursor.next();
        Expr inner = parseExpr(0);
        Token close = cursor.peek();
        if (close.type() != TokenType.RIGHT_PAREN) {
          throw cursor.unexpected(close, "paren expression", close.type() == TokenType.EOF ? null : "\")\"");
        }
        cursor.next();
        return depth.check(new Expr.Paren(inner, t.pos()));
      }
      case LEFT_BRACE -> {
        return selectors.parseSelector(null, t.pos());
      }
      case AGGREGATOR -> {
        TokenType after = cursor.peek(1).type();
        if (after == TokenType.LEFT_PAREN || after == TokenType.BY || after == TokenType.WITHOUT) {
          return calls.parseAggregate();
        }
        cursor.next();
        return selectors.parseSelector(t.text(), t.pos());
      }
      case IDENTIFIER -> {
        cursor.next();
        if (cursor.peek().type() == TokenType.LEFT_PAREN) {
          return calls.parseCall(t);
        }
        return selectors.parseSelector(t.text(), t.pos());
      }
      case METRIC_IDENTIFIER -> {
        cursor.next();
        return selectors.parseSelector(t.text(), t.pos());
      }
      case START, END -> {
        if (cursor.peek(1).type() == TokenType.LEFT_PAREN) {
          cursor.next();
          return calls.parseCall(t);
        }
        cursor.next();
        return selectors.parseSelector(t.text(), t.pos());
      }
      default -> {
        if ((t.type().keyword || t.type() == TokenType.LAND || t.type() == TokenType.LOR
            || t.type() == TokenType.LUNLESS || t.type() == TokenType.ATAN2)
            && cursor.peek(1).type() != TokenType.LEFT_PAREN) {
          cursor.next();
          return selectors.parseSelector(t.text(), t.pos());
        }
        throw cursor.unexpected(t, "");
      }
    }
  }
}
