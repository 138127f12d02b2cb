package io.narthex.tsdb.labels;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * A label matcher, {@code name op "value"}, with Prometheus semantics: regexes are RE2 syntax, fully anchored, and
 * {@code .} matches a newline (Prometheus 3.x). A label that is absent has the value {@code ""}, so a matcher that
 * matches the empty string also selects series without the label.
 */
public final class Matcher {
  /** The four matcher operators, with their PromQL spelling. */
  public enum Type {
    EQUAL("="),
    NOT_EQUAL("!="),
    REGEX("=~"),
    NOT_REGEX("!~");

    private final String symbol;

    Type(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }
  }

  private final Type type;
  private final String name;
  private final String value;
  private final StringMatcher stringMatcher;

  private Matcher(Type type, String name, String value, StringMatcher stringMatcher) {
    this.type = type;
    this.name = name;
    this.value = value;
    this.stringMatcher = stringMatcher;
  }

  /**
   * Creates a matcher.
   *
   * @throws IllegalArgumentException when a regex does not compile, or is beyond the limits Go's regexp/syntax sets
   *     (see {@link RegexLimits}); the message names the regex or the offending part of it
   */
  public static Matcher of(Type type, String name, String value) {
    StringMatcher stringMatcher = switch (type) {
      case EQUAL, NOT_EQUAL -> null;
      case REGEX, NOT_REGEX -> StringMatcher.compile(value);
    };
    return new Matcher(type, name, value, stringMatcher);
  }

  public static Matcher equal(String name, String value) {
    return of(Type.EQUAL, name, value);
  }

  public Type type() {
    return type;
  }

  public String name() {
    return name;
  }

  public String value() {
    return value;
  }

  /** Whether a label value ({@code ""} for an absent label) is matched. */
  public boolean matches(String labelValue) {
    return switch (type) {
      case EQUAL -> value.equals(labelValue);
      case NOT_EQUAL -> !value.equals(labelValue);
      case REGEX -> stringMatcher.matches(labelValue);
      case NOT_REGEX -> !stringMatcher.matches(labelValue);
    };
  }

  /** Whether this matcher selects series that lack the label. */
  public boolean matchesEmpty() {
    return matches("");
  }

  /** For regex matchers: the literal alternatives it matches exactly, or null when it is not such a set. */
  public java.util.List<String> setMatches() {
    return stringMatcher == null ? null : stringMatcher.literals();
  }

  /** For regex matchers: a literal prefix every match starts with, or the empty string. */
  public String prefix() {
    return stringMatcher == null ? "" : stringMatcher.prefix();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Matcher that && type == that.type && name.equals(that.name) && value.equals(that.value);
  }

  @Override
  public int hashCode() {
    return (type.hashCode() * 31 + name.hashCode()) * 31 + value.hashCode();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(name).append(type.symbol).append('"');
    Labels.escape(value, sb);
    return sb.append('"').toString();
  }

  /** Compiled regex with fast paths for literal alternations and literal prefixes. */
  static final class StringMatcher {
    private final Pattern pattern;
    private final java.util.List<String> literals;
    private final String prefix;
    private final boolean prefixThenAnything;

    private StringMatcher(Pattern pattern, java.util.List<String> literals, String prefix, boolean prefixThenAnything) {
      this.pattern = pattern;
      this.literals = literals;
      this.prefix = prefix;
      this.prefixThenAnything = prefixThenAnything;
    }

    static StringMatcher compile(String regex) {
      RegexLimits.check(regex);
      Pattern pattern;
      try {
        pattern = Pattern.compile("^(?s:" + regex + ")$");
      } catch (PatternSyntaxException e) {
        // re2j's message already reads "error parsing regexp: ...", as Go's regexp does.
        throw new IllegalArgumentException(e.getMessage(), e);
      }
      java.util.List<String> literals = literalAlternatives(regex);
      String prefix = literalPrefix(regex);
      boolean prefixThenAnything = !prefix.isEmpty() && regex.equals(quoteLiteral(prefix) + ".*");
      return new StringMatcher(pattern, literals, prefix, prefixThenAnything);
    }

    boolean matches(String s) {
      if (literals != null) {
        for (int i = 0; i < literals.size(); i++) {
          if (literals.get(i).equals(s)) {
            return true;
          }
        }
        return false;
      }
      if (prefixThenAnything) {
        return s.startsWith(prefix);
      }
      if (!prefix.isEmpty() && !s.startsWith(prefix)) {
        return false;
      }
      return pattern.matcher(s).matches();
    }

    java.util.List<String> literals() {
      return literals;
    }

    String prefix() {
      return prefix;
    }

    private static boolean isMeta(char c) {
      return "\\.+*?()|[]{}^$".indexOf(c) >= 0;
    }

    private static String quoteLiteral(String s) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (isMeta(c)) {
          sb.append('\\');
        }
        sb.append(c);
      }
      return sb.toString();
    }

    /** {@code a|b|c} of plain literals (backslash escapes allowed) becomes its list; anything else is null. */
    static java.util.List<String> literalAlternatives(String regex) {
      java.util.List<String> out = new java.util.ArrayList<>();
      StringBuilder current = new StringBuilder();
      for (int i = 0; i < regex.length(); i++) {
        char c = regex.charAt(i);
        if (c == '\\') {
          if (i + 1 >= regex.length() || !isMeta(regex.charAt(i + 1))) {
            return null;
          }
          current.append(regex.charAt(++i));
        } else if (c == '|') {
          out.add(current.toString());
          current.setLength(0);
        } else if (isMeta(c)) {
          return null;
        } else {
          current.append(c);
        }
      }
      out.add(current.toString());
      return java.util.List.copyOf(out);
    }

    /** The literal characters a regex starts with before its first metacharacter; empty when there are none. */
    static String literalPrefix(String regex) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < regex.length(); i++) {
        char c = regex.charAt(i);
        if (c == '|') {
          return "";
        }
        if (c == '\\') {
          if (i + 1 < regex.length() && isMeta(regex.charAt(i + 1))) {
            sb.append(regex.charAt(++i));
            continue;
          }
          break;
        }
        if (isMeta(c)) {
          // A quantifier applies to the previous literal, which then isn't certain to appear.
          if ((c == '*' || c == '?' || c == '{') && sb.length() > 0) {
            sb.setLength(sb.length() - 1);
          }
          break;
        }
        sb.append(c);
      }
      return regex.indexOf('|') >= 0 ? "" : sb.toString();
    }
  }

  /**
   * The limits Go's regexp/syntax (and so Prometheus and Mimir) puts on a regex, checked before re2j compiles it:
   * re2j 1.8 caps a single repeat count at 1000 but expands nested repeats without limit (out of memory) and parses
   * nesting recursively (stack overflow). One pass over the text, with an explicit stack of groups.
   *
   * <ul>
   *   <li>more than {@value #MAX_NESTING} nested groups: {@code expression nests too deeply} (Go's maxHeight);
   *   <li>nested counted repeats whose counts multiply to more than {@value #MAX_REPEAT}, such as
   *       {@code (a{100}){100}}: {@code invalid repeat count} (Go's repeatIsValid);
   *   <li>an expanded program estimated above {@value #MAX_PROGRAM_SIZE} instructions (literal runes and classes
   *       count 1, a counted repeat multiplies its operand by its larger count): {@code expression too large} (Go's
   *       maxSize, 128 MiB of 40-byte instructions, added for CVE-2022-41715).
   * </ul>
   *
   * Syntax errors are left to re2j; the walk only has to stay linear and never fail on malformed input.
   */
  static final class RegexLimits {
    static final int MAX_NESTING = 1000;
    static final long MAX_REPEAT = 1000;
    static final long MAX_PROGRAM_SIZE = (128L << 20) / 40;

    private RegexLimits() {}

    /** One open group: the size of its finished alternatives, its current concatenation, and its last atom. */
    private static final class Group {
      long alternatives;
      long sequence;
      long lastSize;
      long lastRepeat = 1;
      long maxRepeat = 1;
    }

    /** @throws IllegalArgumentException with Go's message when {@code regex} is beyond one of the limits */
    static void check(String regex) {
      java.util.ArrayDeque<Group> stack = new java.util.ArrayDeque<>();
      Group g = new Group();
      int n = regex.length();
      int i = 0;
      while (i < n) {
        char c = regex.charAt(i);
        switch (c) {
          case '(' -> {
            if (stack.size() >= MAX_NESTING) {
              throw tooDeep();
            }
            stack.push(g);
            g = new Group();
            i = skipGroupFlags(regex, i + 1);
          }
          case ')' -> {
            i++;
            if (stack.isEmpty()) {
              continue; // re2j reports the unbalanced paren
            }
            long size = saturate(g.alternatives + g.sequence);
            long repeat = Math.max(g.maxRepeat, g.lastRepeat);
            g = stack.pop();
            atom(g, size, repeat);
          }
          case '|' -> {
            i++;
            g.alternatives = saturate(g.alternatives + g.sequence + 1);
            g.maxRepeat = Math.max(g.maxRepeat, g.lastRepeat);
            g.sequence = 0;
            g.lastSize = 0;
            g.lastRepeat = 1;
          }
          case '*', '+', '?' -> {
            i++;
            g.sequence = saturate(g.sequence + 1);
          }
          case '{' -> {
            int close = regex.indexOf('}', i);
            long[] counts = close < 0 ? null : repeatCounts(regex, i + 1, close);
            if (counts == null) {
              atom(g, 1, 1); // not a repeat: a literal brace, as in RE2
              i++;
              continue;
            }
            repeat(g, counts[0], counts[1], regex.substring(i, close + 1));
            i = close + 1;
          }
          case '[' -> {
            i = skipClass(regex, i + 1);
            atom(g, 1, 1);
          }
          case '\\' -> {
            i = skipEscape(regex, i + 1, g);
          }
          default -> {
            i += Character.charCount(regex.codePointAt(i));
            atom(g, 1, 1);
          }
        }
      }
      while (!stack.isEmpty()) { // unclosed groups: re2j reports them, but the size still counts
        long size = saturate(g.alternatives + g.sequence);
        long repeat = Math.max(g.maxRepeat, g.lastRepeat);
        g = stack.pop();
        atom(g, size, repeat);
      }
      if (saturate(g.alternatives + g.sequence) > MAX_PROGRAM_SIZE) {
        throw new IllegalArgumentException("error parsing regexp: expression too large");
      }
    }

    private static void atom(Group g, long size, long repeat) {
      g.maxRepeat = Math.max(g.maxRepeat, g.lastRepeat);
      g.lastSize = size;
      g.lastRepeat = repeat;
      g.sequence = saturate(g.sequence + size);
    }

    /** Applies {@code {min,max}} ({@code max} -1 when open) to the group's last atom. */
    private static void repeat(Group g, long min, long max, String text) {
      long count = max < 0 ? min : max;
      long product = count == 0 ? 0 : count * g.lastRepeat;
      if ((min >= 2 || max >= 2) && product > MAX_REPEAT) {
        throw new IllegalArgumentException("error parsing regexp: invalid repeat count: `" + text + "`");
      }
      long expanded = saturate(g.lastSize * Math.max(count, 1) + 1);
      g.sequence = saturate(g.sequence - g.lastSize + expanded);
      g.lastSize = expanded;
      g.lastRepeat = product;
    }

    /** {@code {n}}, {@code {n,}} or {@code {n,m}} between {@code from} and {@code close}; null when not a repeat. */
    private static long[] repeatCounts(String regex, int from, int close) {
      String body = regex.substring(from, close);
      int comma = body.indexOf(',');
      long min = count(comma < 0 ? body : body.substring(0, comma));
      long max = comma < 0 ? min : body.length() == comma + 1 ? -1 : count(body.substring(comma + 1));
      return min < 0 || max < -1 ? null : new long[] {min, max};
    }

    /** A decimal repeat count, clamped to one above the cap so that products cannot overflow; -2 when not one. */
    private static long count(String digits) {
      if (digits.isEmpty()) {
        return -2;
      }
      long value = 0;
      for (int i = 0; i < digits.length(); i++) {
        char c = digits.charAt(i);
        if (c < '0' || c > '9') {
          return -2;
        }
        value = Math.min(value * 10 + (c - '0'), MAX_REPEAT + 1);
      }
      return value;
    }

    /** Skips {@code ?:}, {@code ?i:}, {@code ?P<name>} and the like after an opening paren. */
    private static int skipGroupFlags(String regex, int i) {
      if (i >= regex.length() || regex.charAt(i) != '?') {
        return i;
      }
      int j = i + 1;
      while (j < regex.length() && regex.charAt(j) != ':' && regex.charAt(j) != ')' && regex.charAt(j) != '>') {
        j++;
      }
      return j < regex.length() && regex.charAt(j) != ')' ? j + 1 : j;
    }

    /** Skips a character class after its {@code [}; a leading {@code ]} or {@code ^]} is a literal. */
    private static int skipClass(String regex, int i) {
      int n = regex.length();
      if (i < n && regex.charAt(i) == '^') {
        i++;
      }
      if (i < n && regex.charAt(i) == ']') {
        i++;
      }
      while (i < n) {
        char c = regex.charAt(i);
        if (c == '\\') {
          i += 2;
        } else if (c == '[' && i + 1 < n && regex.charAt(i + 1) == ':') {
          int end = regex.indexOf(":]", i + 2);
          i = end < 0 ? i + 1 : end + 2;
        } else if (c == ']') {
          return i + 1;
        } else {
          i++;
        }
      }
      return n;
    }

    /** Skips an escape after its backslash, counting {@code \Q...\E} as its literal runes. */
    private static int skipEscape(String regex, int i, Group g) {
      int n = regex.length();
      if (i >= n) {
        return n;
      }
      char c = regex.charAt(i);
      if (c == 'Q') {
        int end = regex.indexOf("\\E", i + 1);
        int stop = end < 0 ? n : end;
        for (int j = i + 1; j < stop; j++) {
          atom(g, 1, 1);
        }
        return end < 0 ? n : end + 2;
      }
      atom(g, 1, 1);
      if ((c == 'x' || c == 'p' || c == 'P') && i + 1 < n && regex.charAt(i + 1) == '{') {
        int end = regex.indexOf('}', i + 2);
        return end < 0 ? n : end + 1;
      }
      int length = switch (c) {
        case 'x' -> 3; // \xFF
        case 'p', 'P' -> 2; // \pL
        default -> 1;
      };
      return Math.min(i + length, n);
    }

    private static long saturate(long size) {
      return Math.min(size, MAX_PROGRAM_SIZE + 1);
    }

    private static IllegalArgumentException tooDeep() {
      return new IllegalArgumentException("error parsing regexp: expression nests too deeply");
    }
  }
}
