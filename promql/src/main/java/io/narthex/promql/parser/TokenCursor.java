package io.narthex.promql.parser;

import io.narthex.promql.ErrorType;
import io.narthex.promql.PromQLException;
import java.util.List;

/**
 * The parser's position in one query's tokens, with the error builders every part of the parser shares (Prometheus's
 * {@code line:col: parse error: ...} shape) and the parse deadline.
 */
final class TokenCursor {
  private final String query;
  private final List<Token> tokens;
  private int index;
  /** {@link System#nanoTime()} past which parsing fails with TIMEOUT; {@link Long#MAX_VALUE} means none. */
  private final long deadlineNanos;

  TokenCursor(String query, long deadlineNanos) {
    this.query = query;
    this.deadlineNanos = deadlineNanos;
    this.tokens = Lexer.lex(query);
  }

  Token peek() {
    return tokens.get(index);
  }

  Token peek(int ahead) {
    return tokens.get(Math.min(index + ahead, tokens.size() - 1));
  }

  /** Returns the current token and moves past it; stays on the final EOF. */
  Token next() {
    Token t = tokens.get(index);
    if (index < tokens.size() - 1) {
      index++;
    }
    return t;
  }

  Token expect(TokenType type, String context) {
    Token t = peek();
    if (t.type() != type) {
      throw unexpected(t, context, "\"" + type.text + "\"");
    }
    return next();
  }

  PromQLException error(int pos, String message) {
    return Lexer.error(query, pos, message);
  }

  PromQLException unexpected(Token t, String context) {
    return unexpected(t, context, null);
  }

  PromQLException unexpected(Token t, String context, String expected) {
    StringBuilder sb = new StringBuilder("unexpected ").append(t.desc());
    if (!context.isEmpty()) {
      sb.append(" in ").append(context);
    }
    if (expected != null) {
      sb.append(", expected ").append(expected);
    }
    return error(t.pos(), sb.toString());
  }

  void checkDeadline() {
    if (deadlineNanos != Long.MAX_VALUE && System.nanoTime() - deadlineNanos > 0) {
      throw new PromQLException(ErrorType.TIMEOUT, "query timed out in query parsing");
    }
  }
}
