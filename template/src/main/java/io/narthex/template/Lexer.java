package io.narthex.template;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a template into tokens as Go's text/template/parse lexer does: text between actions, the delimiters
 * {@code {{ }}} with their trim markers ({@code {{- } and { -}}}, which drop the white space on that side), comments,
 * and inside actions words, literals and punctuation. The whole input is lexed at once; an error is the last token.
 */
final class Lexer {
  enum Kind {
    ERROR, EOF, TEXT, LEFT_DELIM, RIGHT_DELIM, SPACE, IDENTIFIER, FIELD, VARIABLE, DOT, NIL, BOOL, NUMBER,
    CHAR_CONSTANT, STRING, RAW_STRING, PIPE, LEFT_PAREN, RIGHT_PAREN, ASSIGN, DECLARE, CHAR,
    // Keywords, written <name> in messages.
    BLOCK, BREAK, CONTINUE, DEFINE, ELSE, END, IF, RANGE, TEMPLATE, WITH;

    /** Go counts dot and nil among the keywords, which messages write as {@code <.>} and {@code <nil>}. */
    boolean isKeyword() {
      return ordinal() >= BLOCK.ordinal() || this == DOT || this == NIL;
    }
  }

  /** A token: its kind, the offset of its first char in the input, its text and the line it starts on (from 1). */
  record Token(Kind kind, int pos, String val, int line) {
    /** As Go's item.String, for messages such as {@code unexpected "}" in operand}. */
    @Override
    public String toString() {
      if (kind == Kind.EOF) {
        return "EOF";
      }
      if (kind == Kind.ERROR) {
        return val;
      }
      if (kind.isKeyword()) {
        return "<" + val + ">";
      }
      if (val.codePointCount(0, val.length()) > 10) {
        return GoStrings.quote(val.substring(0, val.offsetByCodePoints(0, 10))) + "...";
      }
      return GoStrings.quote(val);
    }
  }

  private static final String LEFT = "{{";
  private static final String RIGHT = "}}";

  private final String input;
  private final List<Token> tokens = new ArrayList<>();
  private int pos;
  private int start;
  private int line = 1;
  private int startLine = 1;
  private int parenDepth;

  private Lexer(String input) {
    this.input = input;
  }

  static List<Token> lex(String input) {
    Lexer lexer = new Lexer(input);
    lexer.run();
    return lexer.tokens;
  }

  private void run() {
    while (lexText()) {
      if (!lexAction()) {
        return;
      }
    }
  }

  /** Text up to the next left delimiter; false at the end of input (EOF emitted). */
  private boolean lexText() {
    int delim = input.indexOf(LEFT, pos);
    if (delim < 0) {
      advanceTo(input.length());
      if (pos > start) {
        emit(Kind.TEXT);
      }
      emit(Kind.EOF);
      return false;
    }
    int textEnd = hasLeftTrimMarker(delim + LEFT.length()) ? trimRightSpace(start, delim) : delim;
    advanceTo(textEnd);
    if (pos > start) {
      emit(Kind.TEXT);
    }
    skipTo(delim);
    return true;
  }

  /** Everything from a left delimiter through its right delimiter; false after an error. */
  private boolean lexAction() {
    boolean trim = hasLeftTrimMarker(pos + LEFT.length());
    int after = pos + LEFT.length() + (trim ? 2 : 0);
    if (input.startsWith("/*", after)) {
      return lexComment(after);
    }
    advanceTo(pos + LEFT.length());
    emit(Kind.LEFT_DELIM);
    skipTo(after);
    parenDepth = 0;
    while (true) {
      int rightTrimmed = atRightDelim();
      if (rightTrimmed >= 0) {
        if (parenDepth != 0) {
          return error("unclosed left paren");
        }
        return lexRightDelim(rightTrimmed == 1);
      }
      if (pos >= input.length()) {
        return error("unclosed action");
      }
      if (!lexInsideAction()) {
        return false;
      }
    }
  }

  /** -1 if not at a right delimiter, 1 if at {@code " -}}"}, 0 if at {@code "}}"}. */
  private int atRightDelim() {
    if (pos + 1 < input.length() && isSpace(input.charAt(pos)) && input.charAt(pos + 1) == '-'
        && input.startsWith(RIGHT, pos + 2)) {
      return 1;
    }
    return input.startsWith(RIGHT, pos) ? 0 : -1;
  }

  private boolean lexRightDelim(boolean trim) {
    if (trim) {
      skipTo(pos + 2);
    }
    advanceTo(pos + RIGHT.length());
    emit(Kind.RIGHT_DELIM);
    if (trim) {
      skipTo(skipLeftSpace(pos));
    }
    return true;
  }

  private boolean lexComment(int commentStart) {
    int end = input.indexOf("*/", commentStart + 2);
    if (end < 0) {
      return error("unclosed comment");
    }
    advanceTo(end + 2);
    int rightTrimmed = atRightDelim();
    if (rightTrimmed < 0) {
      return error("comment ends before closing delimiter");
    }
    advanceTo(pos + (rightTrimmed == 1 ? 2 : 0) + RIGHT.length());
    skipTo(rightTrimmed == 1 ? skipLeftSpace(pos) : pos);
    return true;
  }

  private boolean lexInsideAction() {
    char c = input.charAt(pos);
    if (isSpace(c)) {
      int end = pos;
      while (end < input.length() && isSpace(input.charAt(end))) {
        end++;
      }
      // A trim-marked right delimiter starts with a space: leave that one to the delimiter.
      if (input.startsWith("-" + RIGHT, end)) {
        end--;
        if (end == pos) {
          return true;
        }
      }
      advanceTo(end);
      emit(Kind.SPACE);
      return true;
    }
    switch (c) {
      case '=' -> {
        advanceTo(pos + 1);
        emit(Kind.ASSIGN);
      }
      case ':' -> {
        if (!input.startsWith(":=", pos)) {
          advanceTo(pos + 1);
          return error("expected :=");
        }
        advanceTo(pos + 2);
        emit(Kind.DECLARE);
      }
      case '|' -> {
        advanceTo(pos + 1);
        emit(Kind.PIPE);
      }
      case '"' -> {
        return lexQuote();
      }
      case '`' -> {
        int end = input.indexOf('`', pos + 1);
        if (end < 0) {
          return error("unterminated raw quoted string");
        }
        advanceTo(end + 1);
        emit(Kind.RAW_STRING);
      }
      case '$' -> {
        return lexFieldOrVariable(Kind.VARIABLE);
      }
      case '\'' -> {
        return lexChar();
      }
      case '.' -> {
        if (pos + 1 < input.length() && isDigit(input.charAt(pos + 1))) {
          return lexNumber();
        }
        return lexFieldOrVariable(Kind.FIELD);
      }
      case '(' -> {
        advanceTo(pos + 1);
        emit(Kind.LEFT_PAREN);
        parenDepth++;
      }
      case ')' -> {
        // Emitted before the check, so the parser reports an unbalanced one in its context first, as Go's does.
        advanceTo(pos + 1);
        emit(Kind.RIGHT_PAREN);
        parenDepth--;
        if (parenDepth < 0) {
          return error("unexpected right paren " + GoStrings.unicodeLiteral(')'));
        }
      }
      default -> {
        if (c == '+' || c == '-' || isDigit(c)) {
          return lexNumber();
        }
        if (isAlphaNumeric(c)) {
          return lexIdentifier();
        }
        if (c < 0x80 && c >= 0x20 && c != 0x7f) {
          advanceTo(pos + 1);
          emit(Kind.CHAR);
          return true;
        }
        int cp = input.codePointAt(pos);
        advanceTo(pos + Character.charCount(cp));
        return error("unrecognized character in action: " + GoStrings.unicodeLiteral(cp));
      }
    }
    return true;
  }

  private boolean lexQuote() {
    int i = pos + 1;
    while (true) {
      if (i >= input.length() || input.charAt(i) == '\n') {
        advanceTo(i);
        return error("unterminated quoted string");
      }
      char c = input.charAt(i);
      if (c == '\\') {
        if (i + 1 >= input.length() || input.charAt(i + 1) == '\n') {
          advanceTo(i + 1);
          return error("unterminated quoted string");
        }
        i += 2;
        continue;
      }
      i++;
      if (c == '"') {
        break;
      }
    }
    advanceTo(i);
    emit(Kind.STRING);
    return true;
  }

  private boolean lexChar() {
    int i = pos + 1;
    while (true) {
      if (i >= input.length() || input.charAt(i) == '\n') {
        advanceTo(i);
        return error("unterminated character constant");
      }
      char c = input.charAt(i);
      if (c == '\\') {
        i += 2;
        continue;
      }
      i++;
      if (c == '\'') {
        break;
      }
    }
    advanceTo(i);
    emit(Kind.CHAR_CONSTANT);
    return true;
  }

  private boolean lexFieldOrVariable(Kind kind) {
    int i = pos + 1;
    if (i >= input.length() || !isAlphaNumeric(input.charAt(i))) {
      advanceTo(i);
      if (!atTerminator()) {
        return error("bad character " + GoStrings.unicodeLiteral(input.codePointAt(pos)));
      }
      emit(kind == Kind.VARIABLE ? Kind.VARIABLE : Kind.DOT);
      return true;
    }
    while (i < input.length() && isAlphaNumeric(input.charAt(i))) {
      i++;
    }
    advanceTo(i);
    if (!atTerminator()) {
      return error("bad character " + GoStrings.unicodeLiteral(input.codePointAt(pos)));
    }
    emit(kind);
    return true;
  }

  private boolean lexIdentifier() {
    int i = pos;
    while (i < input.length() && isAlphaNumeric(input.charAt(i))) {
      i++;
    }
    advanceTo(i);
    if (!atTerminator()) {
      return error("bad character " + GoStrings.unicodeLiteral(input.codePointAt(pos)));
    }
    String word = input.substring(start, pos);
    Kind kind = switch (word) {
      case "block" -> Kind.BLOCK;
      case "break" -> Kind.BREAK;
      case "continue" -> Kind.CONTINUE;
      case "define" -> Kind.DEFINE;
      case "else" -> Kind.ELSE;
      case "end" -> Kind.END;
      case "if" -> Kind.IF;
      case "range" -> Kind.RANGE;
      case "template" -> Kind.TEMPLATE;
      case "with" -> Kind.WITH;
      case "nil" -> Kind.NIL;
      case "true", "false" -> Kind.BOOL;
      default -> Kind.IDENTIFIER;
    };
    emit(kind);
    return true;
  }

  /**
   * Go's lexNumber: a number, where a letter right after it is bad syntax ({@code 3k}); a sign right after it must
   * start the imaginary part of a complex constant ({@code 1+2i}), else that is bad syntax too ({@code 1.5-2}).
   */
  private boolean lexNumber() {
    int end = scanNumber(pos);
    if (end < 0) {
      return error("bad number syntax: " + GoStrings.quote(input.substring(start, pos)));
    }
    if (end < input.length() && (input.charAt(end) == '+' || input.charAt(end) == '-')) {
      int imaginaryEnd = scanNumber(end);
      if (imaginaryEnd < 0 || input.charAt(imaginaryEnd - 1) != 'i') {
        if (imaginaryEnd >= 0) {
          advanceTo(imaginaryEnd);
        }
        return error("bad number syntax: " + GoStrings.quote(input.substring(start, pos)));
      }
      end = imaginaryEnd;
    }
    advanceTo(end);
    emit(Kind.NUMBER);
    return true;
  }

  /**
   * Go's scanNumber from {@code i}: the offset after the number, or -1 (with the position moved past the letter that
   * follows it) when a letter or digit follows.
   */
  private int scanNumber(int i) {
    if (i < input.length() && (input.charAt(i) == '+' || input.charAt(i) == '-')) {
      i++;
    }
    String digits = "0123456789_";
    if (input.startsWith("0x", i) || input.startsWith("0X", i)) {
      i += 2;
      digits = "0123456789abcdefABCDEF_";
    } else if (input.startsWith("0o", i) || input.startsWith("0O", i)) {
      i += 2;
      digits = "01234567_";
    } else if (input.startsWith("0b", i) || input.startsWith("0B", i)) {
      i += 2;
      digits = "01_";
    }
    i = skip(i, digits);
    if (i < input.length() && input.charAt(i) == '.') {
      i = skip(i + 1, digits);
    }
    if (digits.length() == 11 && i < input.length() && (input.charAt(i) == 'e' || input.charAt(i) == 'E')) {
      i++;
      if (i < input.length() && (input.charAt(i) == '+' || input.charAt(i) == '-')) {
        i++;
      }
      i = skip(i, "0123456789_");
    }
    if (digits.length() == 23 && i < input.length() && (input.charAt(i) == 'p' || input.charAt(i) == 'P')) {
      i++;
      if (i < input.length() && (input.charAt(i) == '+' || input.charAt(i) == '-')) {
        i++;
      }
      i = skip(i, "0123456789_");
    }
    if (i < input.length() && input.charAt(i) == 'i') {
      i++;
    }
    if (i < input.length() && isAlphaNumeric(input.charAt(i))) {
      advanceTo(i + 1);
      return -1;
    }
    return i;
  }

  private int skip(int i, String valid) {
    while (i < input.length() && valid.indexOf(input.charAt(i)) >= 0) {
      i++;
    }
    return i;
  }

  private boolean atTerminator() {
    if (pos >= input.length()) {
      return true;
    }
    char c = input.charAt(pos);
    if (isSpace(c)) {
      return true;
    }
    return switch (c) {
      case '.', ',', '|', ':', ')', '(' -> true;
      default -> input.startsWith(RIGHT, pos);
    };
  }

  private boolean hasLeftTrimMarker(int at) {
    return at + 1 < input.length() && input.charAt(at) == '-' && isSpace(input.charAt(at + 1));
  }

  private int trimRightSpace(int from, int to) {
    while (to > from && isSpace(input.charAt(to - 1))) {
      to--;
    }
    return to;
  }

  private int skipLeftSpace(int at) {
    while (at < input.length() && isSpace(input.charAt(at))) {
      at++;
    }
    return at;
  }

  private void advanceTo(int to) {
    for (int i = pos; i < to; i++) {
      if (input.charAt(i) == '\n') {
        line++;
      }
    }
    pos = to;
  }

  private void emit(Kind kind) {
    tokens.add(new Token(kind, start, input.substring(start, pos), startLine));
    start = pos;
    startLine = line;
  }

  /** Moves to {@code to} dropping what was passed over (trimmed space, delimiters' trim markers, comments). */
  private void skipTo(int to) {
    advanceTo(to);
    start = pos;
    startLine = line;
  }

  private boolean error(String message) {
    tokens.add(new Token(Kind.ERROR, start, message, startLine));
    return false;
  }

  static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  static boolean isAlphaNumeric(char c) {
    return c == '_' || Character.isLetterOrDigit(c);
  }
}
