package io.narthex.promql.parser;

import io.narthex.promql.parser.Expr.At;
import io.narthex.promql.parser.Expr.AtKind;

/**
 * What may follow a primary expression: a range ({@code [5m]}), a subquery ({@code [1h:1m]}), {@code offset} and
 * {@code @}, with Prometheus's rules on where each is allowed and that each is set at most once.
 */
final class ModifierParser {
  private final TokenCursor cursor;
  private final NestingDepth depth;

  ModifierParser(TokenCursor cursor, NestingDepth depth) {
    this.cursor = cursor;
    this.depth = depth;
  }

  /** Applies every range, subquery, offset and @ modifier that follows {@code e}, in order. */
  Expr parsePostfix(Expr e) {
    while (true) {
      Token t = cursor.peek();
      switch (t.type()) {
        case LEFT_BRACKET -> e = parseBracket(e);
        case OFFSET -> {
          cursor.next();
          boolean negative = false;
          if (cursor.peek().type() == TokenType.SUB) {
            cursor.next();
            negative = true;
          } else if (cursor.peek().type() == TokenType.ADD) {
            cursor.next();
          }
          long offsetMs = Literals.parseDuration(cursor, "offset");
          e = withOffset(e, negative ? -offsetMs : offsetMs, t);
        }
        case AT -> {
          cursor.next();
          e = withAt(e, parseAt(), t);
        }
        default -> {
          return e;
        }
      }
    }
  }

  private At parseAt() {
    Token t = cursor.peek();
    if (t.type() == TokenType.START || t.type() == TokenType.END) {
      cursor.next();
      cursor.expect(TokenType.LEFT_PAREN, "@ modifier");
      cursor.expect(TokenType.RIGHT_PAREN, "@ modifier");
      return new At(t.type() == TokenType.START ? AtKind.START : AtKind.END, 0);
    }
    double sign = 1;
    if (t.type() == TokenType.SUB || t.type() == TokenType.ADD) {
      sign = cursor.next().type() == TokenType.SUB ? -1 : 1;
      t = cursor.peek();
    }
    if (t.type() != TokenType.NUMBER && t.type() != TokenType.DURATION) {
      throw cursor.unexpected(t, "@", "number, \"start\", or \"end\"");
    }
    cursor.next();
    double seconds = sign * (t.type() == TokenType.NUMBER
        ? Literals.parseNumber(t.text())
        : Literals.parseDurationText(cursor, t) / 1000.0);
    if (Double.isInfinite(seconds) || Double.isNaN(seconds) || seconds >= Long.MAX_VALUE / 1000.0
        || seconds <= Long.MIN_VALUE / 1000.0) {
      throw cursor.error(t.pos(), "timestamp out of bounds for @ modifier: " + seconds);
    }
    return new At(AtKind.TIMESTAMP, Math.round(seconds * 1000));
  }

  private Expr withOffset(Expr e, long offsetMs, Token t) {
    switch (e) {
      case Expr.VectorSelector vs -> {
        if (vs.offsetMs() != 0) {
          throw cursor.error(t.pos(), "offset may not be set multiple times");
        }
        return new Expr.VectorSelector(vs.name(), vs.matchers(), offsetMs, vs.at(), vs.pos());
      }
      case Expr.MatrixSelector ms -> {
        if (ms.selector().offsetMs() != 0) {
          throw cursor.error(t.pos(), "offset may not be set multiple times");
        }
        Expr.VectorSelector vs = ms.selector();
        return new Expr.MatrixSelector(
            new Expr.VectorSelector(vs.name(), vs.matchers(), offsetMs, vs.at(), vs.pos()), ms.rangeMs(), ms.pos());
      }
      case Expr.Subquery sq -> {
        if (sq.offsetMs() != 0) {
          throw cursor.error(t.pos(), "offset may not be set multiple times");
        }
        return new Expr.Subquery(sq.expr(), sq.rangeMs(), sq.stepMs(), offsetMs, sq.at(), sq.pos());
      }
      default -> throw cursor.error(e.pos(),
          "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery");
    }
  }

  private Expr withAt(Expr e, At at, Token t) {
    switch (e) {
      case Expr.VectorSelector vs -> {
        if (vs.at().isSet()) {
          throw cursor.error(t.pos(), "@ <timestamp> may not be set multiple times");
        }
        return new Expr.VectorSelector(vs.name(), vs.matchers(), vs.offsetMs(), at, vs.pos());
      }
      case Expr.MatrixSelector ms -> {
        Expr.VectorSelector vs = ms.selector();
        if (vs.at().isSet()) {
          throw cursor.error(t.pos(), "@ <timestamp> may not be set multiple times");
        }
        return new Expr.MatrixSelector(
            new Expr.VectorSelector(vs.name(), vs.matchers(), vs.offsetMs(), at, vs.pos()), ms.rangeMs(), ms.pos());
      }
      case Expr.Subquery sq -> {
        if (sq.at().isSet()) {
          throw cursor.error(t.pos(), "@ <timestamp> may not be set multiple times");
        }
        return new Expr.Subquery(sq.expr(), sq.rangeMs(), sq.stepMs(), sq.offsetMs(), at, sq.pos());
      }
      default -> throw cursor.error(e.pos(),
          "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery");
    }
  }

  private Expr parseBracket(Expr e) {
    Token open = cursor.next();
    long rangeMs = Literals.parseDuration(cursor, "range");
    if (cursor.peek().type() == TokenType.COLON) {
      cursor.next();
      long stepMs = 0;
      if (cursor.peek().type() != TokenType.RIGHT_BRACKET) {
        stepMs = Literals.parseDuration(cursor, "subquery");
      }
      cursor.expect(TokenType.RIGHT_BRACKET, "subquery selector");
      if (e.type() != ValueType.VECTOR) {
        throw cursor.error(e.pos(), "subquery is only allowed on instant vector, got " + e.type() + " instead");
      }
      return depth.check(new Expr.Subquery(e, rangeMs, stepMs, 0, At.NONE, e.pos()));
    }
    Token close = cursor.peek();
    if (close.type() != TokenType.RIGHT_BRACKET) {
      throw cursor.unexpected(close, "matrix selector", "\"]\"");
    }
    cursor.next();
    if (!(e instanceof Expr.VectorSelector vs)) {
      throw cursor.error(e.pos(), "ranges only allowed for vector selectors");
    }
    if (vs.offsetMs() != 0 || vs.at().isSet()) {
      throw cursor.error(open.pos(), "no offset modifiers allowed before range");
    }
    if (rangeMs <= 0) {
      throw cursor.error(open.pos(), "range duration must be greater than 0");
    }
    return new Expr.MatrixSelector(vs, rangeMs, vs.pos());
  }
}
