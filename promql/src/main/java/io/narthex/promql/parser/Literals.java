package io.narthex.promql.parser;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Number, duration and string literals as Prometheus reads them: Go's {@code strconv.ParseFloat}/{@code ParseInt}
 * forms for numbers, {@link Durations} (or plain seconds) for durations, and Go's {@code strconv.Unquote} for
 * strings. Malformed input fails with the cursor's BAD_DATA parse error.
 */
final class Literals {
  private Literals() {}

  /** A duration literal, or a number of seconds as Prometheus 3.x allows, in milliseconds. */
  static long parseDuration(TokenCursor cursor, String context) {
    Token t = cursor.peek();
    if (t.type() == TokenType.DURATION) {
      cursor.next();
      return parseDurationText(cursor, t);
    }
    if (t.type() == TokenType.NUMBER) {
      cursor.next();
      double seconds = parseNumber(t.text());
      if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
        throw cursor.error(t.pos(), "duration must be a finite number: " + t.text());
      }
      return Math.round(seconds * 1000);
    }
    throw cursor.unexpected(t, context, "duration");
  }

  /** A DURATION token's value in milliseconds. */
  static long parseDurationText(TokenCursor cursor, Token t) {
    try {
      return Durations.parseMs(t.text());
    } catch (IllegalArgumentException e) {
      throw cursor.error(t.pos(), e.getMessage());
    }
  }

  /** Decimal, hex ({@code 0x}), octal (leading 0), Inf and NaN, with {@code _} separators; NaN when malformed. */
  static double parseNumber(String s) {
    String lower = s.toLowerCase(Locale.ROOT).replace("_", "");
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

  /** Go strconv.Unquote semantics for "...", '...' and `...`. */
  static String unquote(TokenCursor cursor, Token t) {
    try {
      return unquoteEscapes(cursor, t);
    } catch (IllegalArgumentException e) { // NumberFormatException included
      // A unicode, hex or octal escape whose digits are not hex or octal, or that names no code point.
      throw cursor.error(t.pos(), "invalid syntax");
    }
  }

  private static String unquoteEscapes(TokenCursor cursor, Token t) {
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
        throw cursor.error(t.pos(), "invalid syntax");
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
            throw cursor.error(t.pos(), "invalid syntax");
          }
          sb.append(e);
        }
        case 'x', 'u', 'U' -> {
          int len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (i + len >= body.length() + 1 || i + 1 + len > body.length()) {
            throw cursor.error(t.pos(), "invalid syntax");
          }
          int cp = Integer.parseInt(body.substring(i + 1, i + 1 + len), 16);
          if (e == 'x') {
            // a byte; assume it completes a UTF-8 sequence with following \x escapes
            byte[] bytes = collectBytes(body, i - 1);
            int consumed = bytes.length * 4;
            sb.append(new String(bytes, StandardCharsets.UTF_8));
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
            throw cursor.error(t.pos(), "invalid syntax");
          }
        }
      }
    }
    return sb.toString();
  }

  private static byte[] collectBytes(String body, int start) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = start;
    while (i + 3 < body.length() && body.charAt(i) == '\\' && body.charAt(i + 1) == 'x') {
      out.write(Integer.parseInt(body.substring(i + 2, i + 4), 16));
      i += 4;
    }
    return out.toByteArray();
  }
}
