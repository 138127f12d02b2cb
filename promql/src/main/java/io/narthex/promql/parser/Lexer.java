package io.narthex.promql.parser;

import io.narthex.promql.ErrorType;
import io.narthex.promql.PromQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Hand-written PromQL lexer, after Prometheus's promql/parser/lex.go. Comments and whitespace are dropped. */
final class Lexer {
  static final Set<String> AGGREGATORS = Set.of("sum", "avg", "count", "min", "max", "group", "stddev", "stdvar",
      "topk", "bottomk", "count_values", "quantile", "limitk", "limit_ratio");
  private static final Map<String, TokenType> KEYWORDS = Map.ofEntries(
      Map.entry("and", TokenType.LAND), Map.entry("or", TokenType.LOR), Map.entry("unless", TokenType.LUNLESS),
      Map.entry("atan2", TokenType.ATAN2), Map.entry("bool", TokenType.BOOL), Map.entry("by", TokenType.BY),
      Map.entry("group_left", TokenType.GROUP_LEFT), Map.entry("group_right", TokenType.GROUP_RIGHT),
      Map.entry("ignoring", TokenType.IGNORING), Map.entry("offset", TokenType.OFFSET), Map.entry("on", TokenType.ON),
      Map.entry("without", TokenType.WITHOUT), Map.entry("start", TokenType.START), Map.entry("end", TokenType.END));

  private final String input;
  private int pos;
  private final List<Token> tokens = new ArrayList<>();

  private Lexer(String input) {
    this.input = input;
  }

  static List<Token> lex(String input) {
    Lexer lexer = new Lexer(input);
    lexer.run();
    return lexer.tokens;
  }

  static PromQLException error(String query, int pos, String message) {
    int line = 1;
    int lastLineBreak = -1;
    for (int i = 0; i < Math.min(pos, query.length()); i++) {
      if (query.charAt(i) == '\n') {
        lastLineBreak = i;
        line++;
      }
    }
    return new PromQLException(ErrorType.BAD_DATA, line + ":" + (pos - lastLineBreak) + ": parse error: " + message);
  }

  private void run() {
    int n = input.length();
    int braceDepth = 0;
    while (true) {
      while (pos < n && Character.isWhitespace(input.charAt(pos))) {
        pos++;
      }
      if (pos >= n) {
        tokens.add(new Token(TokenType.EOF, "", n));
        return;
      }
      char c = input.charAt(pos);
      int start = pos;
      if (c == '#') {
        while (pos < n && input.charAt(pos) != '\n') {
          pos++;
        }
        continue;
      }
      switch (c) {
        case '(' -> single(TokenType.LEFT_PAREN);
        case ')' -> single(TokenType.RIGHT_PAREN);
        case '{' -> {
          braceDepth++;
          single(TokenType.LEFT_BRACE);
        }
        case '}' -> {
          braceDepth--;
          single(TokenType.RIGHT_BRACE);
        }
        case '[' -> single(TokenType.LEFT_BRACKET);
        case ']' -> single(TokenType.RIGHT_BRACKET);
        case ',' -> single(TokenType.COMMA);
        case ':' -> single(TokenType.COLON);
        case ';' -> single(TokenType.SEMICOLON);
        case '@' -> single(TokenType.AT);
        case '+' -> single(TokenType.ADD);
        case '-' -> single(TokenType.SUB);
        case '*' -> single(TokenType.MUL);
        case '/' -> single(TokenType.DIV);
        case '%' -> single(TokenType.MOD);
        case '^' -> single(TokenType.POW);
        case '=' -> {
          if (peek(1) == '=') {
            two(TokenType.EQLC);
          } else if (peek(1) == '~') {
            two(TokenType.EQL_REGEX);
          } else {
            single(TokenType.ASSIGN);
          }
        }
        case '!' -> {
          if (peek(1) == '=') {
            two(TokenType.NEQ);
          } else if (peek(1) == '~') {
            two(TokenType.NEQ_REGEX);
          } else {
            throw error(input, start, "unexpected character after '!': " + charQuote(peek(1)));
          }
        }
        case '<' -> {
          if (peek(1) == '=') {
            two(TokenType.LTE);
          } else {
            single(TokenType.LSS);
          }
        }
        case '>' -> {
          if (peek(1) == '=') {
            two(TokenType.GTE);
          } else {
            single(TokenType.GTR);
          }
        }
        case '"', '\'', '`' -> lexString(c);
        default -> {
          if (isDigit(c) || (c == '.' && isDigit(peek(1)))) {
            lexNumberOrDuration();
          } else if (isAlpha(c)) {
            lexIdentifier(braceDepth > 0);
          } else {
            throw error(input, start, (braceDepth > 0 ? "unexpected character inside braces: " : "unexpected character: ")
                + charQuote(c));
          }
        }
      }
    }
  }

  private static String charQuote(char c) {
    return c == 0 ? "'\\x00'" : "'" + c + "'";
  }

  private char peek(int ahead) {
    int i = pos + ahead;
    return i < input.length() ? input.charAt(i) : 0;
  }

  private void single(TokenType type) {
    tokens.add(new Token(type, type.text, pos));
    pos++;
  }

  private void two(TokenType type) {
    tokens.add(new Token(type, type.text, pos));
    pos += 2;
  }

  static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  static boolean isAlpha(char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private void lexString(char quote) {
    int start = pos;
    pos++;
    while (true) {
      if (pos >= input.length()) {
        throw error(input, start, "unterminated quoted string");
      }
      char c = input.charAt(pos);
      if (c == '\\' && quote != '`') {
        pos += 2;
        continue;
      }
      if (c == '\n' && quote != '`') {
        throw error(input, start, "unterminated quoted string");
      }
      pos++;
      if (c == quote) {
        break;
      }
    }
    tokens.add(new Token(TokenType.STRING, input.substring(start, pos), start));
  }

  private void lexIdentifier(boolean insideBraces) {
    int start = pos;
    boolean colon = false;
    while (pos < input.length()) {
      char c = input.charAt(pos);
      if (isAlpha(c) || isDigit(c)) {
        pos++;
      } else if (c == ':' && !insideBraces) {
        colon = true;
        pos++;
      } else {
        break;
      }
    }
    String word = input.substring(start, pos);
    String lower = word.toLowerCase(Locale.ROOT);
    if (colon) {
      tokens.add(new Token(TokenType.METRIC_IDENTIFIER, word, start));
    } else if (insideBraces) {
      tokens.add(new Token(TokenType.IDENTIFIER, word, start));
    } else if (lower.equals("inf") || lower.equals("nan")) {
      tokens.add(new Token(TokenType.NUMBER, word, start));
    } else if (AGGREGATORS.contains(lower)) {
      tokens.add(new Token(TokenType.AGGREGATOR, lower, start));
    } else if (KEYWORDS.containsKey(lower)) {
      tokens.add(new Token(KEYWORDS.get(lower), lower, start));
    } else {
      tokens.add(new Token(TokenType.IDENTIFIER, word, start));
    }
  }

  private void lexNumberOrDuration() {
    int start = pos;
    int n = input.length();
    // Duration: digits followed by a unit, repeated.
    int p = pos;
    boolean duration = false;
    while (p < n && isDigit(input.charAt(p))) {
      int q = p;
      while (q < n && isDigit(input.charAt(q))) {
        q++;
      }
      int unitLen = unitLength(q);
      if (unitLen == 0) {
        break;
      }
      p = q + unitLen;
      duration = true;
    }
    if (duration && (p >= n || !(isAlpha(input.charAt(p)) || isDigit(input.charAt(p)) || input.charAt(p) == '.'))) {
      pos = p;
      tokens.add(new Token(TokenType.DURATION, input.substring(start, pos), start));
      return;
    }
    pos = start;
    if (input.charAt(pos) == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
      pos += 2;
      while (pos < n && (isDigit(input.charAt(pos)) || "abcdefABCDEF_".indexOf(input.charAt(pos)) >= 0)) {
        pos++;
      }
    } else {
      while (pos < n && (isDigit(input.charAt(pos)) || input.charAt(pos) == '_')) {
        pos++;
      }
      if (pos < n && input.charAt(pos) == '.') {
        pos++;
        while (pos < n && (isDigit(input.charAt(pos)) || input.charAt(pos) == '_')) {
          pos++;
        }
      }
      if (pos < n && (input.charAt(pos) == 'e' || input.charAt(pos) == 'E')) {
        int save = pos;
        pos++;
        if (pos < n && (input.charAt(pos) == '+' || input.charAt(pos) == '-')) {
          pos++;
        }
        if (pos < n && isDigit(input.charAt(pos))) {
          while (pos < n && isDigit(input.charAt(pos))) {
            pos++;
          }
        } else {
          pos = save;
        }
      }
    }
    if (pos < n && (isAlpha(input.charAt(pos)) || input.charAt(pos) == '.')) {
      throw error(input, start, "bad number or duration syntax: \"" + input.substring(start, pos + 1) + "\"");
    }
    tokens.add(new Token(TokenType.NUMBER, input.substring(start, pos), start));
  }

  private int unitLength(int q) {
    if (q >= input.length()) {
      return 0;
    }
    char c = input.charAt(q);
    if (c == 'm' && q + 1 < input.length() && input.charAt(q + 1) == 's') {
      return 2;
    }
    return "ywdhms".indexOf(c) >= 0 ? 1 : 0;
  }
}
