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
   * @throws IllegalArgumentException when a regex does not compile; the message names the regex
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
}
