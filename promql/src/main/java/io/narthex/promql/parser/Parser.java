package io.narthex.promql.parser;

import io.narthex.promql.ErrorType;
import io.narthex.promql.PromQLException;
import io.narthex.promql.parser.Expr.At;
import io.narthex.promql.parser.Expr.AtKind;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import java.util.ArrayList;
import java.util.List;

/**
 * Recursive-descent / precedence-climbing PromQL parser following Prometheus's promql/parser/generated_parser.y
 * grammar and its type checks. Errors are {@link PromQLException} of type BAD_DATA with Prometheus's
 * {@code line:col: parse error: ...} messages.
 */
public final class Parser {
  /**
   * The deepest expression tree the parser builds, counting every operator, call, aggregation, parenthesis and
   * subquery on the way from the root to a leaf (a chain {@code a + b + c} is 3 deep). The parser and the evaluator
   * recurse once per level, so this bounds their stack use; deeper queries fail with BAD_DATA. Prometheus has no such
   * limit; the deepest query in Prometheus's promqltest scripts and in the compliance suite is far below it.
   */
  public static final int MAX_DEPTH = 500;

  private final String query;
  private final List<Token> tokens;
  private int index;
  /** How many parseExpr calls are open: bounds the parser's own recursion. */
  private int parseDepth;
  /** Height of every subtree built so far, by identity (records' hashCode would itself recurse). */
  private final java.util.IdentityHashMap<Expr, Integer> heights = new java.util.IdentityHashMap<>();
  /** {@link System#nanoTime()} past which parsing fails with TIMEOUT. */
  private final long deadlineNanos;
  private int sinceDeadlineCheck;

  private Parser(String query, long deadlineNanos) {
    this.query = query;
    this.deadlineNanos = deadlineNanos;
    this.tokens = Lexer.lex(query);
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
    if (p.peek().type() == TokenType.EOF) {
      throw p.error(0, "no expression found in input");
    }
    Expr e = p.parseExpr(0);
    if (p.peek().type() != TokenType.EOF) {
      throw p.unexpected(p.peek(), "");
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
    Expr expr = parse(selector);
    if (!(expr instanceof Expr.VectorSelector vs) || vs.offsetMs() != 0 || vs.at().isSet()) {
      throw Lexer.error(selector, 0, "expected a series selector such as up{job=\"x\"}, got \"" + selector + "\"");
    }
    return vs.matchers();
  }

  // ---------------------------------------------------------------- tokens

  private Token peek() {
    return tokens.get(index);
  }

  private Token peek(int ahead) {
    return tokens.get(Math.min(index + ahead, tokens.size() - 1));
  }

  private Token next() {
    Token t = tokens.get(index);
    if (index < tokens.size() - 1) {
      index++;
    }
    return t;
  }

  private Token expect(TokenType type, String context) {
    Token t = peek();
    if (t.type() != type) {
      throw unexpected(t, context, "\"" + type.text + "\"");
    }
    return next();
  }

  PromQLException error(int pos, String message) {
    return Lexer.error(query, pos, message);
  }

  private PromQLException unexpected(Token t, String context) {
    return unexpected(t, context, null);
  }

  private PromQLException unexpected(Token t, String context, String expected) {
    StringBuilder sb = new StringBuilder("unexpected ").append(t.desc());
    if (!context.isEmpty()) {
      sb.append(" in ").append(context);
    }
    if (expected != null) {
      sb.append(", expected ").append(expected);
    }
    return error(t.pos(), sb.toString());
  }

  // ---------------------------------------------------------------- expressions

  private Expr parseExpr(int minPrec) {
    if (++parseDepth > MAX_DEPTH) {
      throw tooDeep(peek().pos());
    }
    if ((++sinceDeadlineCheck & 0xff) == 0) {
      checkDeadline();
    }
    try {
      return parseBinary(minPrec);
    } finally {
      parseDepth--;
    }
  }

  /**
   * Checks that {@code e} is at most {@link #MAX_DEPTH} deep and returns it. Children were checked when they were
   * built, so this looks one level down.
   */
  private Expr checkDepth(Expr e) {
    if (height(e) > MAX_DEPTH) {
      throw tooDeep(e.pos());
    }
    return e;
  }

  private int height(Expr e) {
    Integer known = heights.get(e);
    if (known != null) {
      return known;
    }
    int below = switch (e) {
      case Expr.NumberLiteral n -> 0;
      case Expr.StringLiteral s -> 0;
      case Expr.VectorSelector v -> 0;
      case Expr.MatrixSelector m -> 1;
      case Expr.Subquery sq -> height(sq.expr());
      case Expr.Paren p -> height(p.expr());
      case Expr.Unary u -> height(u.expr());
      case Expr.Binary b -> Math.max(height(b.lhs()), height(b.rhs()));
      case Expr.Aggregate a -> Math.max(a.param() == null ? 0 : height(a.param()), height(a.expr()));
      case Expr.Call c -> {
        int max = 0;
        for (Expr arg : c.args()) {
          max = Math.max(max, height(arg));
        }
        yield max;
      }
    };
    heights.put(e, below + 1);
    return below + 1;
  }

  private void checkDeadline() {
    if (deadlineNanos != Long.MAX_VALUE && System.nanoTime() - deadlineNanos > 0) {
      throw new PromQLException(ErrorType.TIMEOUT, "query timed out in query parsing");
    }
  }

  private PromQLException tooDeep(int pos) {
    return error(pos, "expression nests too deeply: more than " + MAX_DEPTH
        + " levels of operators, calls, aggregations, parentheses and subqueries (Narthex's parser limit)");
  }

  private Expr parseBinary(int minPrec) {
    Expr lhs = parseUnary();
    while (true) {
      Token op = peek();
      int prec = BinaryOps.precedence(op.type());
      if (prec < 0 || prec < minPrec) {
        return lhs;
      }
      next();
      boolean returnBool = false;
      if (peek().type() == TokenType.BOOL) {
        next();
        returnBool = true;
      }
      Expr.Card card = Expr.Card.ONE_TO_ONE;
      List<String> matching = List.of();
      boolean on = false;
      List<String> include = List.of();
      boolean hasMatching = false;
      if (peek().type() == TokenType.ON || peek().type() == TokenType.IGNORING) {
        on = next().type() == TokenType.ON;
        matching = parseLabelList("grouping opts");
        hasMatching = true;
        if (peek().type() == TokenType.GROUP_LEFT || peek().type() == TokenType.GROUP_RIGHT) {
          card = next().type() == TokenType.GROUP_LEFT ? Expr.Card.MANY_TO_ONE : Expr.Card.ONE_TO_MANY;
          if (peek().type() == TokenType.LEFT_PAREN) {
            include = parseLabelList("grouping opts");
          }
        }
      }
      Expr rhs = parseExpr(op.type() == TokenType.POW ? prec : prec + 1);
      lhs = checkDepth(
          makeBinary(op, lhs, rhs, returnBool, new Expr.VectorMatching(card, matching, on, include), hasMatching));
    }
  }

  private Expr makeBinary(Token op, Expr lhs, Expr rhs, boolean returnBool, Expr.VectorMatching vm,
      boolean hasMatching) {
    String opText = op.text();
    boolean comparison = BinaryOps.isComparison(opText);
    boolean setOp = BinaryOps.isSetOperator(opText);
    ValueType lt = lhs.type();
    ValueType rt = rhs.type();
    if (returnBool && !comparison) {
      throw error(op.pos(), "bool modifier can only be used on comparison operators");
    }
    if (lt != ValueType.SCALAR && lt != ValueType.VECTOR) {
      throw error(lhs.pos(), "binary expression must contain only scalar and instant vector types");
    }
    if (rt != ValueType.SCALAR && rt != ValueType.VECTOR) {
      throw error(rhs.pos(), "binary expression must contain only scalar and instant vector types");
    }
    if (comparison && lt == ValueType.SCALAR && rt == ValueType.SCALAR && !returnBool) {
      throw error(op.pos(), "comparisons between scalars must use BOOL modifier");
    }
    boolean bothVectors = lt == ValueType.VECTOR && rt == ValueType.VECTOR;
    if (!bothVectors && hasMatching && (vm.on() || !vm.matchingLabels().isEmpty())) {
      throw error(lhs.pos(), "vector matching only allowed between instant vectors");
    }
    if (setOp && (lt == ValueType.SCALAR || rt == ValueType.SCALAR)) {
      throw error(op.pos(), "set operator \"" + opText + "\" not allowed in binary scalar expression");
    }
    if (bothVectors && setOp) {
      if (vm.card() == Expr.Card.MANY_TO_ONE || vm.card() == Expr.Card.ONE_TO_MANY) {
        throw error(lhs.pos(), "no grouping allowed for \"" + opText + "\" operation");
      }
      vm = new Expr.VectorMatching(Expr.Card.MANY_TO_MANY, vm.matchingLabels(), vm.on(), vm.include());
    }
    if (vm.on()) {
      for (String l : vm.include()) {
        if (vm.matchingLabels().contains(l)) {
          throw error(lhs.pos(), "label \"" + l + "\" must not occur in ON and GROUP clause at once");
        }
      }
    }
    return new Expr.Binary(opText, lhs, rhs, bothVectors ? vm : null, returnBool, lhs.pos());
  }

  private Expr parseUnary() {
    Token t = peek();
    if (t.type() == TokenType.ADD || t.type() == TokenType.SUB) {
      next();
      Expr operand = parseExpr(BinaryOps.precedence(TokenType.POW));
      if (operand instanceof Expr.NumberLiteral n) {
        return new Expr.NumberLiteral(t.type() == TokenType.SUB ? -n.value() : n.value(), t.pos());
      }
      ValueType type = operand.type();
      if (type != ValueType.SCALAR && type != ValueType.VECTOR) {
        throw error(t.pos(), "unary expression only allowed on expressions of type scalar or instant vector, got "
            + type);
      }
      return checkDepth(new Expr.Unary(t.text(), operand, t.pos()));
    }
    return parsePostfix(parsePrimary());
  }

  private Expr parsePostfix(Expr e) {
    while (true) {
      Token t = peek();
      switch (t.type()) {
        case LEFT_BRACKET -> e = parseBracket(e);
        case OFFSET -> {
          next();
          boolean negative = false;
          if (peek().type() == TokenType.SUB) {
            next();
            negative = true;
          } else if (peek().type() == TokenType.ADD) {
            next();
          }
          long offsetMs = parseDuration("offset");
          e = withOffset(e, negative ? -offsetMs : offsetMs, t);
        }
        case AT -> {
          next();
          e = withAt(e, parseAt(), t);
        }
        default -> {
          return e;
        }
      }
    }
  }

  private At parseAt() {
    Token t = peek();
    if (t.type() == TokenType.START || t.type() == TokenType.END) {
      next();
      expect(TokenType.LEFT_PAREN, "@ modifier");
      expect(TokenType.RIGHT_PAREN, "@ modifier");
      return new At(t.type() == TokenType.START ? AtKind.START : AtKind.END, 0);
    }
    double sign = 1;
    if (t.type() == TokenType.SUB || t.type() == TokenType.ADD) {
      sign = next().type() == TokenType.SUB ? -1 : 1;
      t = peek();
    }
    if (t.type() != TokenType.NUMBER && t.type() != TokenType.DURATION) {
      throw unexpected(t, "@", "number, \"start\", or \"end\"");
    }
    next();
    double seconds = sign * (t.type() == TokenType.NUMBER ? parseNumber(t) : parseDurationText(t) / 1000.0);
    if (Double.isInfinite(seconds) || Double.isNaN(seconds) || seconds >= Long.MAX_VALUE / 1000.0
        || seconds <= Long.MIN_VALUE / 1000.0) {
      throw error(t.pos(), "timestamp out of bounds for @ modifier: " + seconds);
    }
    return new At(AtKind.TIMESTAMP, Math.round(seconds * 1000));
  }

  private Expr withOffset(Expr e, long offsetMs, Token t) {
    switch (e) {
      case Expr.VectorSelector vs -> {
        if (vs.offsetMs() != 0) {
          throw error(t.pos(), "offset may not be set multiple times");
        }
        return new Expr.VectorSelector(vs.name(), vs.matchers(), offsetMs, vs.at(), vs.pos());
      }
      case Expr.MatrixSelector ms -> {
        if (ms.selector().offsetMs() != 0) {
          throw error(t.pos(), "offset may not be set multiple times");
        }
        Expr.VectorSelector vs = ms.selector();
        return new Expr.MatrixSelector(
            new Expr.VectorSelector(vs.name(), vs.matchers(), offsetMs, vs.at(), vs.pos()), ms.rangeMs(), ms.pos());
      }
      case Expr.Subquery sq -> {
        if (sq.offsetMs() != 0) {
          throw error(t.pos(), "offset may not be set multiple times");
        }
        return new Expr.Subquery(sq.expr(), sq.rangeMs(), sq.stepMs(), offsetMs, sq.at(), sq.pos());
      }
      default -> throw error(e.pos(),
          "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery");
    }
  }

  private Expr withAt(Expr e, At at, Token t) {
    switch (e) {
      case Expr.VectorSelector vs -> {
        if (vs.at().isSet()) {
          throw error(t.pos(), "@ <timestamp> may not be set multiple times");
        }
        return new Expr.VectorSelector(vs.name(), vs.matchers(), vs.offsetMs(), at, vs.pos());
      }
      case Expr.MatrixSelector ms -> {
        Expr.VectorSelector vs = ms.selector();
        if (vs.at().isSet()) {
          throw error(t.pos(), "@ <timestamp> may not be set multiple times");
        }
        return new Expr.MatrixSelector(
            new Expr.VectorSelector(vs.name(), vs.matchers(), vs.offsetMs(), at, vs.pos()), ms.rangeMs(), ms.pos());
      }
      case Expr.Subquery sq -> {
        if (sq.at().isSet()) {
          throw error(t.pos(), "@ <timestamp> may not be set multiple times");
        }
        return new Expr.Subquery(sq.expr(), sq.rangeMs(), sq.stepMs(), sq.offsetMs(), at, sq.pos());
      }
      default -> throw error(e.pos(),
          "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery");
    }
  }

  private Expr parseBracket(Expr e) {
    Token open = next();
    long rangeMs = parseDuration("range");
    if (peek().type() == TokenType.COLON) {
      next();
      long stepMs = 0;
      if (peek().type() != TokenType.RIGHT_BRACKET) {
        stepMs = parseDuration("subquery");
      }
      expect(TokenType.RIGHT_BRACKET, "subquery selector");
      if (e.type() != ValueType.VECTOR) {
        throw error(e.pos(), "subquery is only allowed on instant vector, got " + e.type() + " instead");
      }
      return checkDepth(new Expr.Subquery(e, rangeMs, stepMs, 0, At.NONE, e.pos()));
    }
    Token close = peek();
    if (close.type() != TokenType.RIGHT_BRACKET) {
      throw unexpected(close, "matrix selector", "\"]\"");
    }
    next();
    if (!(e instanceof Expr.VectorSelector vs)) {
      throw error(e.pos(), "ranges only allowed for vector selectors");
    }
    if (vs.offsetMs() != 0 || vs.at().isSet()) {
      throw error(open.pos(), "no offset modifiers allowed before range");
    }
    if (rangeMs <= 0) {
      throw error(open.pos(), "range duration must be greater than 0");
    }
    return new Expr.MatrixSelector(vs, rangeMs, vs.pos());
  }

  /** A duration literal, or a number of seconds as Prometheus 3.x allows. */
  private long parseDuration(String context) {
    Token t = peek();
    if (t.type() == TokenType.DURATION) {
      next();
      return parseDurationText(t);
    }
    if (t.type() == TokenType.NUMBER) {
      next();
      double seconds = parseNumber(t);
      if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
        throw error(t.pos(), "duration must be a finite number: " + t.text());
      }
      return Math.round(seconds * 1000);
    }
    throw unexpected(t, context, "duration");
  }

  private long parseDurationText(Token t) {
    try {
      return Durations.parseMs(t.text());
    } catch (IllegalArgumentException e) {
      throw error(t.pos(), e.getMessage());
    }
  }

  static double parseNumber(String s) {
    String lower = s.toLowerCase(java.util.Locale.ROOT).replace("_", "");
    switch (lower) {
      case "inf", "+inf" -> {
        return Double.POSITIVE_INFINITY;
      }
      case "-inf" -> {
        return Double.NEGATIVE_INFINITY;
      }
      case "nan" -> {
        return Double.NaN;
      }
      default -> {}
    }
    try {
      if (lower.startsWith("0x")) {
        return Long.parseLong(lower.substring(2), 16);
      }
      if (lower.length() > 1 && lower.startsWith("0") && lower.chars().allMatch(Character::isDigit)) {
        return Long.parseLong(lower, 8);
      }
      return Double.parseDouble(lower);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private double parseNumber(Token t) {
    return parseNumber(t.text());
  }

  private Expr parsePrimary() {
    Token t = peek();
    switch (t.type()) {
      case NUMBER -> {
        next();
        return new Expr.NumberLiteral(parseNumber(t), t.pos());
      }
      case DURATION -> {
        next();
        return new Expr.NumberLiteral(parseDurationText(t) / 1000.0, t.pos());
      }
      case STRING -> {
        next();
        return new Expr.StringLiteral(unquote(t), t.pos());
      }
      case LEFT_PAREN -> {
        next();
        Expr inner = parseExpr(0);
        Token close = peek();
        if (close.type() != TokenType.RIGHT_PAREN) {
          throw unexpected(close, "paren expression", close.type() == TokenType.EOF ? null : "\")\"");
        }
        next();
        return checkDepth(new Expr.Paren(inner, t.pos()));
      }
      case LEFT_BRACE -> {
        return parseSelector(null, t.pos());
      }
      case AGGREGATOR -> {
        TokenType after = peek(1).type();
        if (after == TokenType.LEFT_PAREN || after == TokenType.BY || after == TokenType.WITHOUT) {
          return parseAggregate();
        }
        next();
        return parseSelector(t.text(), t.pos());
      }
      case IDENTIFIER -> {
        next();
        if (peek().type() == TokenType.LEFT_PAREN) {
          return parseCall(t);
        }
        return parseSelector(t.text(), t.pos());
      }
      case METRIC_IDENTIFIER -> {
        next();
        return parseSelector(t.text(), t.pos());
      }
      case START, END -> {
        if (peek(1).type() == TokenType.LEFT_PAREN) {
          next();
          return parseCall(t);
        }
        next();
        return parseSelector(t.text(), t.pos());
      }
      default -> {
        if ((t.type().keyword || t.type() == TokenType.LAND || t.type() == TokenType.LOR
            || t.type() == TokenType.LUNLESS || t.type() == TokenType.ATAN2)
            && peek(1).type() != TokenType.LEFT_PAREN) {
          next();
          return parseSelector(t.text(), t.pos());
        }
        throw unexpected(t, "");
      }
    }
  }

  private Expr parseCall(Token name) {
    Functions.Def def = Functions.get(name.text());
    if (def == null) {
      throw error(name.pos(), "unknown function with name \"" + name.text() + "\"");
    }
    next(); // (
    List<Expr> args = new ArrayList<>();
    while (peek().type() != TokenType.RIGHT_PAREN) {
      args.add(parseExpr(0));
      if (peek().type() == TokenType.COMMA) {
        next();
      } else if (peek().type() != TokenType.RIGHT_PAREN) {
        throw unexpected(peek(), "function call", "\",\" or \")\"");
      }
    }
    next();
    int nargs = def.argTypes().size();
    if (def.variadic() == 0) {
      if (nargs != args.size()) {
        throw error(name.pos(), "expected " + nargs + " argument(s) in call to \"" + def.name() + "\", got "
            + args.size());
      }
    } else {
      int na = nargs - 1;
      if (na > args.size()) {
        throw error(name.pos(), "expected at least " + na + " argument(s) in call to \"" + def.name() + "\", got "
            + args.size());
      } else if (def.variadic() > 0 && na + def.variadic() < args.size()) {
        throw error(name.pos(), "expected at most " + (na + def.variadic()) + " argument(s) in call to \""
            + def.name() + "\", got " + args.size());
      }
    }
    for (int i = 0; i < args.size(); i++) {
      int ti = Math.min(i, nargs - 1);
      expectType(args.get(i), def.argTypes().get(ti), "call to function \"" + def.name() + "\"");
    }
    return checkDepth(new Expr.Call(def, List.copyOf(args), name.pos()));
  }

  private void expectType(Expr e, ValueType want, String context) {
    if (e.type() != want) {
      throw error(e.pos(), "expected type " + want + " in " + context + ", got " + e.type());
    }
  }

  private Expr parseAggregate() {
    Token op = next();
    List<String> grouping = List.of();
    boolean without = false;
    boolean hasGrouping = false;
    if (peek().type() == TokenType.BY || peek().type() == TokenType.WITHOUT) {
      without = next().type() == TokenType.WITHOUT;
      grouping = parseLabelList("grouping opts");
      hasGrouping = true;
    }
    Token open = peek();
    if (open.type() != TokenType.LEFT_PAREN) {
      throw unexpected(open, "aggregation", "\"(\"");
    }
    next();
    List<Expr> args = new ArrayList<>();
    while (peek().type() != TokenType.RIGHT_PAREN) {
      args.add(parseExpr(0));
      if (peek().type() == TokenType.COMMA) {
        next();
      } else if (peek().type() != TokenType.RIGHT_PAREN) {
        throw unexpected(peek(), "aggregation", "\",\" or \")\"");
      }
    }
    next();
    if (!hasGrouping && (peek().type() == TokenType.BY || peek().type() == TokenType.WITHOUT)) {
      without = next().type() == TokenType.WITHOUT;
      grouping = parseLabelList("grouping opts");
    }
    String name = op.text();
    boolean hasParam = switch (name) {
      case "topk", "bottomk", "quantile", "count_values", "limitk", "limit_ratio" -> true;
      default -> false;
    };
    int want = hasParam ? 2 : 1;
    if (args.size() != want) {
      throw error(op.pos(), "wrong number of arguments for aggregate expression provided, expected " + want
          + ", got " + args.size());
    }
    Expr param = hasParam ? args.get(0) : null;
    Expr body = args.get(want - 1);
    expectType(body, ValueType.VECTOR, "aggregation expression");
    if (hasParam) {
      expectType(param, name.equals("count_values") ? ValueType.STRING : ValueType.SCALAR, "aggregation parameter");
    }
    return checkDepth(new Expr.Aggregate(name, param, body, grouping, without, op.pos()));
  }

  private List<String> parseLabelList(String context) {
    Token open = peek();
    if (open.type() != TokenType.LEFT_PAREN) {
      throw unexpected(open, context, "\"(\"");
    }
    next();
    List<String> labels = new ArrayList<>();
    while (peek().type() != TokenType.RIGHT_PAREN) {
      Token t = next();
      String label;
      if (t.type() == TokenType.STRING) {
        label = unquote(t);
      } else if (isLabelNameToken(t)) {
        label = t.text();
      } else {
        throw unexpected(t, context, "label");
      }
      labels.add(label);
      if (peek().type() == TokenType.COMMA) {
        next();
      } else if (peek().type() != TokenType.RIGHT_PAREN) {
        throw unexpected(peek(), context, "\",\" or \")\"");
      }
    }
    next();
    return List.copyOf(labels);
  }

  private static boolean isLabelNameToken(Token t) {
    return switch (t.type()) {
      case IDENTIFIER, AGGREGATOR, LAND, LOR, LUNLESS, ATAN2 -> true;
      case NUMBER -> t.text().equalsIgnoreCase("inf") || t.text().equalsIgnoreCase("nan");
      default -> t.type().keyword;
    };
  }

  private Expr parseSelector(String name, int pos) {
    List<Matcher> matchers = new ArrayList<>();
    if (peek().type() == TokenType.LEFT_BRACE) {
      next();
      while (peek().type() != TokenType.RIGHT_BRACE) {
        Token labelTok = next();
        String label;
        if (labelTok.type() == TokenType.STRING) {
          label = unquote(labelTok);
          TokenType after = peek().type();
          if (after == TokenType.COMMA || after == TokenType.RIGHT_BRACE) {
            if (name != null) {
              throw error(labelTok.pos(), "metric name must not be set twice: \"" + name + "\" or \"" + label + "\"");
            }
            name = label;
            if (after == TokenType.COMMA) {
              next();
            }
            continue;
          }
        } else if (isLabelNameToken(labelTok)) {
          label = labelTok.text();
        } else {
          throw unexpected(labelTok, "label matching", "identifier or \"}\"");
        }
        Token opTok = next();
        Matcher.Type type = switch (opTok.type()) {
          case ASSIGN -> Matcher.Type.EQUAL;
          case NEQ -> Matcher.Type.NOT_EQUAL;
          case EQL_REGEX -> Matcher.Type.REGEX;
          case NEQ_REGEX -> Matcher.Type.NOT_REGEX;
          default -> throw unexpected(opTok, "label matching", "label matching operator");
        };
        Token valueTok = next();
        if (valueTok.type() != TokenType.STRING) {
          throw unexpected(valueTok, "label matching", "string");
        }
        String value = unquote(valueTok);
        if (type == Matcher.Type.REGEX || type == Matcher.Type.NOT_REGEX) {
          checkDeadline();
        }
        try {
          matchers.add(Matcher.of(type, label, value));
        } catch (IllegalArgumentException e) {
          throw error(labelTok.pos(), e.getMessage());
        }
        if (peek().type() == TokenType.COMMA) {
          next();
        } else if (peek().type() != TokenType.RIGHT_BRACE) {
          throw unexpected(peek(), "label matching", "\",\" or \"}\"");
        }
      }
      next();
    }
    if (name != null) {
      for (Matcher m : matchers) {
        if (m.name().equals(Labels.METRIC_NAME) && m.type() == Matcher.Type.EQUAL) {
          throw error(pos, "metric name must not be set twice: \"" + name + "\" or \"" + m.value() + "\"");
        }
      }
      matchers.add(0, Matcher.equal(Labels.METRIC_NAME, name));
    } else {
      boolean nonEmpty = false;
      for (Matcher m : matchers) {
        if (!m.matchesEmpty()) {
          nonEmpty = true;
          break;
        }
      }
      if (!nonEmpty) {
        throw error(pos, "vector selector must contain at least one non-empty matcher");
      }
    }
    return new Expr.VectorSelector(name, List.copyOf(matchers), 0, At.NONE, pos);
  }

  /** Go strconv.Unquote semantics for "...", '...' and `...`. */
  private String unquote(Token t) {
    try {
      return unquoteEscapes(t);
    } catch (IllegalArgumentException e) { // NumberFormatException included
      // A unicode, hex or octal escape whose digits are not hex or octal, or that names no code point.
      throw error(t.pos(), "invalid syntax");
    }
  }

  private String unquoteEscapes(Token t) {
    String s = t.text();
    char q = s.charAt(0);
    String body = s.substring(1, s.length() - 1);
    if (q == '`') {
      return body;
    }
    StringBuilder sb = new StringBuilder(body.length());
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (++i >= body.length()) {
        throw error(t.pos(), "invalid syntax");
      }
      char e = body.charAt(i);
      switch (e) {
        case 'a' -> sb.append('\u0007');
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'v' -> sb.append('\u000b');
        case '\\' -> sb.append('\\');
        case '\'', '"' -> {
          if (e != q) {
            throw error(t.pos(), "invalid syntax");
          }
          sb.append(e);
        }
        case 'x', 'u', 'U' -> {
          int len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (i + len >= body.length() + 1 || i + 1 + len > body.length()) {
            throw error(t.pos(), "invalid syntax");
          }
          int cp = Integer.parseInt(body.substring(i + 1, i + 1 + len), 16);
          if (e == 'x') {
            // a byte; assume it completes a UTF-8 sequence with following \x escapes
            byte[] bytes = collectBytes(body, i - 1);
            int consumed = bytes.length * 4;
            sb.append(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
            i = i - 1 + consumed - 1;
            continue;
          }
          sb.appendCodePoint(cp);
          i += len;
        }
        default -> {
          if (e >= '0' && e <= '7' && i + 2 < body.length()) {
            int v = Integer.parseInt(body.substring(i, i + 3), 8);
            sb.append((char) v);
            i += 2;
          } else {
            throw error(t.pos(), "invalid syntax");
          }
        }
      }
    }
    return sb.toString();
  }

  private static byte[] collectBytes(String body, int start) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int i = start;
    while (i + 3 < body.length() && body.charAt(i) == '\\' && body.charAt(i + 1) == 'x') {
      out.write(Integer.parseInt(body.substring(i + 2, i + 4), 16));
      i += 4;
    }
    return out.toByteArray();
  }
}
