package io.narthex.promql.parser;

import io.narthex.promql.PromQLException;
import java.util.IdentityHashMap;

/**
 * Enforces {@link Parser#MAX_DEPTH} on the tree as it is built: the height of every subtree is remembered, so checking
 * a new node looks one level down.
 *
 * <p>The limit is passed hundreds of frames deep, where a 1 MiB thread stack has little room left: linking a string
 * concatenation or loading a class there overflowed it. So the parser throws a preallocated {@link Exceeded} there,
 * and {@link Parser#parse(String, long)} turns it into the parse error once the stack has unwound.
 */
final class NestingDepth {
  private static final String MESSAGE = "expression nests too deeply: more than " + Parser.MAX_DEPTH
      + " levels of operators, calls, aggregations, parentheses and subqueries (Narthex's parser limit)";
  private static final Exceeded EXCEEDED = new Exceeded();

  /** The limit was passed; carries nothing, not even a stack trace, so that throwing it needs no stack. */
  static final class Exceeded extends RuntimeException {
    private Exceeded() {
      super(null, null, false, false);
    }
  }

  private final TokenCursor cursor;
  /** Height of every subtree built so far, by identity (records' hashCode would itself recurse). */
  private final IdentityHashMap<Expr, Integer> heights = new IdentityHashMap<>();
  /** Where the limit was passed, for the error built after unwinding. */
  private int exceededAtPos;

  NestingDepth(TokenCursor cursor) {
    this.cursor = cursor;
  }

  /** Returns {@code e}, or throws {@link Exceeded} when it is more than {@link Parser#MAX_DEPTH} deep. */
  Expr check(Expr e) {
    if (height(e) > Parser.MAX_DEPTH) {
      throw exceeded(e.pos());
    }
    return e;
  }

  /** Records {@code pos} and returns the exception to throw there. */
  Exceeded exceeded(int pos) {
    exceededAtPos = pos;
    return EXCEEDED;
  }

  /** The BAD_DATA parse error for the last {@link #exceeded}, to throw once the parser has unwound. */
  PromQLException tooDeep() {
    return cursor.error(exceededAtPos, MESSAGE);
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
}
