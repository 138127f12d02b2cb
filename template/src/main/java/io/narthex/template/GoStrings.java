package io.narthex.template;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Go's string helpers that templates show to users: {@code strconv.Quote} and {@code Unquote}, {@code %#U}, the
 * escapers behind the {@code html}, {@code js} and {@code urlquery} builtins, and {@code strings.Title}.
 */
final class GoStrings {
  private GoStrings() {}

  /** {@code strconv.Quote}: Go string literal syntax, printable runes as they are, others escaped. */
  static String quote(String s) {
    return quoteWith(s, '"', false);
  }

  /** {@code strconv.QuoteToASCII}, for {@code %+q}. */
  static String quoteToAscii(String s) {
    return quoteWith(s, '"', true);
  }

  /** {@code strconv.QuoteRune}, for {@code %q} of an integer. */
  static String quoteRune(int r) {
    return quoteWith(new String(Character.toChars(validRune(r))), '\'', false);
  }

  private static int validRune(int r) {
    return r < 0 || r > Character.MAX_CODE_POINT || (r >= 0xD800 && r <= 0xDFFF) ? 0xFFFD : r;
  }

  private static String quoteWith(String s, char quote, boolean asciiOnly) {
    StringBuilder out = new StringBuilder(s.length() + 2).append(quote);
    for (int i = 0; i < s.length(); ) {
      int r = s.codePointAt(i);
      i += Character.charCount(r);
      if (r >= 0xD800 && r <= 0xDFFF) {
        r = 0xFFFD;
      }
      if (r == quote || r == '\\') {
        out.append('\\').appendCodePoint(r);
      } else if (asciiOnly ? r < 0x80 && isPrint(r) : isPrint(r)) {
        out.appendCodePoint(r);
      } else {
        switch (r) {
          case 0x07 -> out.append("\\a");
          case '\b' -> out.append("\\b");
          case '\f' -> out.append("\\f");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          case '\t' -> out.append("\\t");
          case 0x0B -> out.append("\\v");
          default -> {
            if (r < ' ' || r == 0x7f) {
              out.append("\\x").append(hex(r, 2));
            } else if (r < 0x10000) {
              out.append("\\u").append(hex(r, 4));
            } else {
              out.append("\\U").append(hex(r, 8));
            }
          }
        }
      }
    }
    return out.append(quote).toString();
  }

  private static String hex(int v, int digits) {
    String h = Integer.toHexString(v);
    return "0".repeat(Math.max(0, digits - h.length())) + h;
  }

  /** Go's {@code unicode.IsPrint}: letters, marks, numbers, punctuation, symbols and the ASCII space. */
  static boolean isPrint(int r) {
    if (r == ' ') {
      return true;
    }
    return switch (Character.getType(r)) {
      case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
          Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
      default -> true;
    };
  }

  /** {@code fmt}'s {@code %#U}: {@code U+0041 'A'}, without the quoted char when it is not printable. */
  static String unicodeLiteral(int r) {
    String code = Integer.toHexString(r).toUpperCase(java.util.Locale.ROOT);
    String literal = "U+" + "0".repeat(Math.max(0, 4 - code.length())) + code;
    return isPrint(r) ? literal + " '" + new String(Character.toChars(r)) + "'" : literal;
  }

  /** {@code strconv.Unquote} of a double-quoted Go literal; null when it is not valid Go syntax. */
  static String unquote(String quoted) {
    if (quoted.length() < 2 || quoted.charAt(0) != '"' || quoted.charAt(quoted.length() - 1) != '"') {
      return null;
    }
    return unescape(quoted.substring(1, quoted.length() - 1), '"');
  }

  /** The rune of a single-quoted Go char literal, as a string; null when it is not valid Go syntax. */
  static String unquoteChar(String quoted) {
    if (quoted.length() < 3 || quoted.charAt(0) != '\'' || quoted.charAt(quoted.length() - 1) != '\'') {
      return null;
    }
    return unescape(quoted.substring(1, quoted.length() - 1), '\'');
  }

  private static String unescape(String body, char quote) {
    // \x and octal escapes are bytes, so build UTF-8 bytes and decode once.
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(body.length());
    for (int i = 0; i < body.length(); ) {
      char c = body.charAt(i);
      if (c == quote || c == '\n') {
        return null;
      }
      if (c != '\\') {
        int r = body.codePointAt(i);
        i += Character.charCount(r);
        writeRune(bytes, r);
        continue;
      }
      if (i + 1 >= body.length()) {
        return null;
      }
      char e = body.charAt(i + 1);
      i += 2;
      switch (e) {
        case 'a' -> bytes.write(7);
        case 'b' -> bytes.write('\b');
        case 'f' -> bytes.write('\f');
        case 'n' -> bytes.write('\n');
        case 'r' -> bytes.write('\r');
        case 't' -> bytes.write('\t');
        case 'v' -> bytes.write(11);
        case '\\' -> bytes.write('\\');
        case '\'', '"' -> {
          if (e != quote) {
            return null;
          }
          bytes.write(e);
        }
        case 'x', 'u', 'U' -> {
          int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (i + n > body.length()) {
            return null;
          }
          int v;
          try {
            v = Integer.parseUnsignedInt(body.substring(i, i + n), 16);
          } catch (NumberFormatException ex) {
            return null;
          }
          i += n;
          if (e == 'x') {
            bytes.write(v);
          } else {
            if (v > Character.MAX_CODE_POINT || (v >= 0xD800 && v <= 0xDFFF)) {
              return null;
            }
            writeRune(bytes, v);
          }
        }
        case '0', '1', '2', '3', '4', '5', '6', '7' -> {
          if (i + 2 > body.length()) {
            return null;
          }
          String octal = body.substring(i - 1, i + 2);
          if (!octal.matches("[0-7]{3}")) {
            return null;
          }
          int v = Integer.parseInt(octal, 8);
          if (v > 255) {
            return null;
          }
          i += 2;
          bytes.write(v);
        }
        default -> {
          return null;
        }
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static void writeRune(ByteArrayOutputStream out, int r) {
    byte[] encoded = new String(Character.toChars(r)).getBytes(StandardCharsets.UTF_8);
    out.write(encoded, 0, encoded.length);
  }

  /** {@code template.HTMLEscapeString}. */
  static String htmlEscape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("&#34;");
        case '\'' -> out.append("&#39;");
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case 0 -> out.append('\uFFFD');
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** {@code template.JSEscapeString}. */
  static String jsEscape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); ) {
      int r = s.codePointAt(i);
      i += Character.charCount(r);
      switch (r) {
        case '\\' -> out.append("\\\\");
        case '\'' -> out.append("\\'");
        case '"' -> out.append("\\\"");
        case '<' -> out.append("\\u003C");
        case '>' -> out.append("\\u003E");
        case '&' -> out.append("\\u0026");
        case '=' -> out.append("\\u003D");
        default -> {
          if (r < ' ' || (r >= 0x80 && !isPrint(r))) {
            String h = Integer.toHexString(r).toUpperCase(java.util.Locale.ROOT);
            out.append("\\u").append("0".repeat(Math.max(0, 4 - h.length()))).append(h);
          } else {
            out.appendCodePoint(r);
          }
        }
      }
    }
    return out.toString();
  }

  /** {@code strings.Title}: the first letter of each word in title case; words end at spaces and punctuation. */
  static String title(String s) {
    StringBuilder out = new StringBuilder(s.length());
    int prev = ' ';
    for (int i = 0; i < s.length(); ) {
      int r = s.codePointAt(i);
      i += Character.charCount(r);
      out.appendCodePoint(isSeparator(prev) ? Character.toTitleCase(r) : r);
      prev = r;
    }
    return out.toString();
  }

  /**
   * {@code cases.Title(language.AmericanEnglish)} of golang.org/x/text, which the Alertmanager's {@code title} uses:
   * in each word the first letter in title case and the other letters in lower case. Words are split as Unicode
   * word segmentation splits them, simplified: letters, digits, marks and {@code _} continue a word, and
   * {@code ' . :} continue it between letters ({@code O'neil}); anything else ends it.
   */
  static String casesTitle(String s) {
    StringBuilder out = new StringBuilder(s.length());
    boolean seenLetter = false;
    int prev = -1;
    for (int i = 0; i < s.length(); ) {
      int r = s.codePointAt(i);
      i += Character.charCount(r);
      int next = i < s.length() ? s.codePointAt(i) : -1;
      boolean midWord = (r == '\'' || r == '\u2019' || r == '.' || r == ':') && prev >= 0
          && Character.isLetter(prev) && next >= 0 && Character.isLetter(next);
      boolean continuesWord = Character.isLetterOrDigit(r) || r == '_'
          || Character.getType(r) == Character.NON_SPACING_MARK || midWord;
      if (!continuesWord) {
        seenLetter = false;
        out.appendCodePoint(r);
      } else if (Character.isLetter(r)) {
        out.appendCodePoint(seenLetter ? Character.toLowerCase(r) : Character.toTitleCase(r));
        seenLetter = true;
      } else {
        out.appendCodePoint(r);
      }
      prev = r;
    }
    return out.toString();
  }

  /** Go's strings.ToUpper/ToLower: rune by rune, without the locale or one-to-many mappings of Java's. */
  static String mapRunes(String s, boolean upper) {
    StringBuilder out = new StringBuilder(s.length());
    s.codePoints().forEach(r -> out.appendCodePoint(upper ? Character.toUpperCase(r) : Character.toLowerCase(r)));
    return out.toString();
  }

  private static boolean isSeparator(int r) {
    if (r <= 0x7F) {
      return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_');
    }
    if (Character.isLetterOrDigit(r)) {
      return false;
    }
    return Character.isWhitespace(r) || Character.isSpaceChar(r);
  }
}
