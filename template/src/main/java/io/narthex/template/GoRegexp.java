package io.narthex.template;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * Go's regexp functions that Prometheus templates call, on re2j (RE2's syntax, which Go's regexp shares):
 * {@code Regexp.ReplaceAllString} with Go's {@code $1}/{@code ${name}} expansion and its rule for empty matches, and
 * {@code regexp.MatchString}. Errors read as Go's ({@code error parsing regexp: missing closing ): `(`}).
 */
final class GoRegexp {
  private GoRegexp() {}

  /** {@code regexp.MustCompile(pattern).ReplaceAllString(src, repl)}; Go's panic becomes the exception. */
  static String replaceAll(String pattern, String repl, String src) throws Exception {
    Pattern re;
    try {
      re = Pattern.compile(pattern);
    } catch (PatternSyntaxException e) {
      String quoted = pattern.indexOf('`') < 0 && pattern.indexOf('\n') < 0 ? "`" + pattern + "`"
          : GoStrings.quote(pattern);
      throw new Exception("regexp: Compile(" + quoted + "): " + e.getMessage(), e);
    }
    Matcher m = re.matcher(src);
    StringBuilder out = new StringBuilder(src.length());
    int lastMatchEnd = 0;
    int searchPos = 0;
    while (searchPos <= src.length() && m.find(searchPos)) {
      int start = m.start();
      int end = m.end();
      out.append(src, lastMatchEnd, start);
      // No replacement for an empty match right after the previous match, as Go.
      if (end > lastMatchEnd || start == 0) {
        expand(out, repl, m);
      }
      lastMatchEnd = end;
      int width = searchPos < src.length() ? Character.charCount(src.codePointAt(searchPos)) : 1;
      if (searchPos + width > end) {
        searchPos += width;
      } else if (searchPos + 1 > end) {
        searchPos++;
      } else {
        searchPos = end;
      }
    }
    out.append(src, lastMatchEnd, src.length());
    return out.toString();
  }

  /** {@code regexp.MatchString}: an unanchored match. */
  static boolean matchString(String pattern, String s) throws Exception {
    try {
      return Pattern.compile(pattern).matcher(s).find();
    } catch (PatternSyntaxException e) {
      throw new Exception(e.getMessage(), e);
    }
  }

  /** Go's Regexp.expand: {@code $$} is a dollar, {@code $name} and {@code ${name}} a group, the longest name. */
  private static void expand(StringBuilder out, String template, Matcher m) {
    int i = 0;
    while (i < template.length()) {
      int dollar = template.indexOf('$', i);
      if (dollar < 0) {
        break;
      }
      out.append(template, i, dollar);
      i = dollar + 1;
      if (i < template.length() && template.charAt(i) == '$') {
        out.append('$');
        i++;
        continue;
      }
      boolean brace = i < template.length() && template.charAt(i) == '{';
      int nameStart = brace ? i + 1 : i;
      int nameEnd = nameStart;
      while (nameEnd < template.length()) {
        int r = template.codePointAt(nameEnd);
        if (!Character.isLetter(r) && !Character.isDigit(r) && r != '_') {
          break;
        }
        nameEnd += Character.charCount(r);
      }
      if (nameEnd == nameStart || (brace && (nameEnd >= template.length() || template.charAt(nameEnd) != '}'))) {
        out.append('$');
        continue;
      }
      String name = template.substring(nameStart, nameEnd);
      i = brace ? nameEnd + 1 : nameEnd;
      int num = groupNumber(name);
      String group = null;
      if (num >= 0) {
        if (num <= m.groupCount()) {
          group = m.group(num);
        }
      } else {
        try {
          group = m.group(name);
        } catch (IllegalArgumentException e) {
          group = null;
        }
      }
      if (group != null) {
        out.append(group);
      }
    }
    out.append(template, Math.min(i, template.length()), template.length());
  }

  private static int groupNumber(String name) {
    if (name.length() > 1 && name.charAt(0) == '0') {
      return -1;
    }
    int num = 0;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9' || num >= 100_000_000) {
        return -1;
      }
      num = num * 10 + (c - '0');
    }
    return num;
  }
}
