package io.narthex.promql.parser;

/** A lexical item: type, source text (strings keep their quotes) and byte-ish offset in the query. */
record Token(TokenType type, String text, int pos) {
  /** Prometheus's {@code Item.desc()}, used in "unexpected ..." parse errors. */
  String desc() {
    return switch (type) {
      case EOF -> "end of input";
      case IDENTIFIER -> "identifier " + quote(text);
      case METRIC_IDENTIFIER -> "metric identifier " + quote(text);
      case NUMBER -> "number " + shortQuote(text);
      case DURATION -> "duration " + shortQuote(text);
      case STRING -> "string " + shortQuote(text);
      case AGGREGATOR -> "<aggr:" + text + ">";
      default -> type.operator ? "<op:" + text + ">" : type.keyword ? "<" + text + ">" : quote(text);
    };
  }

  static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        default -> sb.append(c);
      }
    }
    return sb.append('"').toString();
  }

  private static String shortQuote(String s) {
    if (s.length() > 10) {
      return quote(s.substring(0, 10)) + "...";
    }
    return quote(s);
  }
}
