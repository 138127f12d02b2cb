package io.narthex.template;

import java.nio.charset.StandardCharsets;

/** Go's {@code net/url} escaping, which templates ({@code urlquery}, {@code graphLink}) and generator URLs use. */
public final class GoUrl {
  private GoUrl() {}

  /** {@code url.QueryEscape}: unreserved bytes as they are, space as {@code +}, the rest {@code %XX}. */
  public static String queryEscape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
          || c == '.' || c == '~') {
        out.append((char) c);
      } else if (c == ' ') {
        out.append('+');
      } else {
        out.append('%').append("0123456789ABCDEF".charAt(c >> 4)).append("0123456789ABCDEF".charAt(c & 15));
      }
    }
    return out.toString();
  }
}
