package io.narthex.promql.parser;

import io.narthex.tsdb.labels.Matcher;
import java.util.List;

/** PromQL abstract syntax tree, as built by {@link Parser}. Times and durations are in milliseconds. */
public sealed interface Expr {
  ValueType type();

  /** Offset of the expression's first character in the query. */
  int pos();

  /** How an {@code @} modifier pins evaluation time: not at all, to a timestamp, or to the query start/end. */
  enum AtKind { NONE, TIMESTAMP, START, END }

  /** An {@code @} modifier; {@code timestampMs} only meaningful for {@link AtKind#TIMESTAMP}. */
  record At(AtKind kind, long timestampMs) {
    public static final At NONE = new At(AtKind.NONE, 0);

    public boolean isSet() {
      return kind != AtKind.NONE;
    }
  }

  record NumberLiteral(double value, int pos) implements Expr {
    public ValueType type() {
      return ValueType.SCALAR;
    }
  }

  record StringLiteral(String value, int pos) implements Expr {
    public ValueType type() {
      return ValueType.STRING;
    }
  }

  /** An instant vector selector; {@code name} may be null when only matchers were given. */
  record VectorSelector(String name, List<Matcher> matchers, long offsetMs, At at, int pos) implements Expr {
    public ValueType type() {
      return ValueType.VECTOR;
    }
  }

  record MatrixSelector(VectorSelector selector, long rangeMs, int pos) implements Expr {
    public ValueType type() {
      return ValueType.MATRIX;
    }
  }

  /** {@code expr[range:step]}; {@code stepMs} 0 means the engine's default subquery step. */
  record Subquery(Expr expr, long rangeMs, long stepMs, long offsetMs, At at, int pos) implements Expr {
    public ValueType type() {
      return ValueType.MATRIX;
    }
  }

  record Call(Functions.Def function, List<Expr> args, int pos) implements Expr {
    public ValueType type() {
      return function.returnType();
    }
  }

  /** Aggregation; {@code param} is null unless the operator takes one. */
  record Aggregate(String op, Expr param, Expr expr, List<String> grouping, boolean without, int pos)
      implements Expr {
    public ValueType type() {
      return ValueType.VECTOR;
    }
  }

  /** Cardinality of a vector match. */
  enum Card { ONE_TO_ONE, MANY_TO_ONE, ONE_TO_MANY, MANY_TO_MANY }

  /** Vector matching modifiers of a binary expression between two instant vectors. */
  record VectorMatching(Card card, List<String> matchingLabels, boolean on, List<String> include) {}

  /** Binary expression; {@code matching} is null unless both sides are instant vectors. */
  record Binary(String op, Expr lhs, Expr rhs, VectorMatching matching, boolean returnBool, int pos)
      implements Expr {
    public ValueType type() {
      return lhs.type() == ValueType.SCALAR && rhs.type() == ValueType.SCALAR ? ValueType.SCALAR : ValueType.VECTOR;
    }

    public boolean isComparison() {
      return BinaryOps.isComparison(op);
    }

    public boolean isSetOperator() {
      return op.equals("and") || op.equals("or") || op.equals("unless");
    }
  }

  record Unary(String op, Expr expr, int pos) implements Expr {
    public ValueType type() {
      return expr.type();
    }
  }

  record Paren(Expr expr, int pos) implements Expr {
    public ValueType type() {
      return expr.type();
    }
  }

  /** Unwraps parentheses. */
  static Expr unwrap(Expr e) {
    while (e instanceof Paren p) {
      e = p.expr();
    }
    return e;
  }
}
