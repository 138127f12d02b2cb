package io.narthex.promql.parser;

/** Lexical item types, mirroring Prometheus's promql/parser/lex.go ItemType. */
enum TokenType {
  EOF, IDENTIFIER, METRIC_IDENTIFIER, NUMBER, DURATION, STRING,
  LEFT_PAREN("("), RIGHT_PAREN(")"), LEFT_BRACE("{"), RIGHT_BRACE("}"), LEFT_BRACKET("["), RIGHT_BRACKET("]"),
  COMMA(","), ASSIGN("="), COLON(":"), SEMICOLON(";"), AT("@"),
  // operators
  ADD("+", true), SUB("-", true), MUL("*", true), DIV("/", true), MOD("%", true), POW("^", true),
  EQLC("==", true), NEQ("!=", true), LTE("<=", true), LSS("<", true), GTE(">=", true), GTR(">", true),
  EQL_REGEX("=~", true), NEQ_REGEX("!~", true),
  LAND("and", true), LOR("or", true), LUNLESS("unless", true), ATAN2("atan2", true),
  // aggregators
  AGGREGATOR,
  // keywords
  BOOL("bool", false), BY("by", false), GROUP_LEFT("group_left", false), GROUP_RIGHT("group_right", false),
  IGNORING("ignoring", false), OFFSET("offset", false), ON("on", false), WITHOUT("without", false),
  START("start", false), END("end", false);

  final String text;
  final boolean operator;
  final boolean keyword;

  TokenType() {
    this.text = null;
    this.operator = false;
    this.keyword = false;
  }

  TokenType(String text) {
    this.text = text;
    this.operator = false;
    this.keyword = false;
  }

  TokenType(String text, boolean operator) {
    this.text = text;
    this.operator = operator;
    this.keyword = !operator;
  }
}
