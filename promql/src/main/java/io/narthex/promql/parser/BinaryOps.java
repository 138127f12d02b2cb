package io.narthex.promql.parser;

/** Binary operator classification and precedence, as Prometheus's promql/parser/lex.go. */
public final class BinaryOps {
  private BinaryOps() {}

  public static boolean isComparison(String op) {
    return switch (op) {
      case "==", "!=", "<", "<=", ">", ">=" -> true;
      default -> false;
    };
  }

  public static boolean isSetOperator(String op) {
    return op.equals("and") || op.equals("or") || op.equals("unless");
  }

  static int precedence(TokenType t) {
    return switch (t) {
      case LOR -> 1;
      case LAND, LUNLESS -> 2;
      case EQLC, NEQ, LTE, LSS, GTE, GTR -> 3;
      case ADD, SUB -> 4;
      case MUL, DIV, MOD, ATAN2 -> 5;
      case POW -> 6;
      default -> -1;
    };
  }
}
