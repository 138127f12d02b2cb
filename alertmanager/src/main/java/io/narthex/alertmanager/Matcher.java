package io.narthex.alertmanager;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One label matcher of an Alertmanager route, inhibition rule or silence, as Alertmanager's {@code pkg/labels}: a
 * label name, an operator and a value; a regex value is anchored at both ends and has RE2 syntax, as in Go.
 *
 * <p>{@link #parseAll} reads Alertmanager's classic matcher syntax (0.25, and Mimir without
 * {@code -alertmanager.utf8-strict-mode-enabled}): {@code {a="b",c=~"d"}} or {@code a=b}, braces optional, values
 * quoted or not.
 */
public record Matcher(String name, Type type, String value, Pattern regex) {
  /** The four operators. */
  public enum Type {
    EQUAL("="), NOT_EQUAL("!="), REGEX("=~"), NOT_REGEX("!~");

    private final String operator;

    Type(String operator) {
      this.operator = operator;
    }

    public String operator() {
      return operator;
    }
  }

  // Alertmanager's pkg/labels/parse.go: a name, an operator, then anything, spaces trimmed.
  private static final java.util.regex.Pattern FORMAT = java.util.regex.Pattern.compile(
      "^[ \\t\\n\\f\\r]*([a-zA-Z_:][a-zA-Z0-9_:]*)[ \\t\\n\\f\\r]*(=~|=|!=|!~)[ \\t\\n\\f\\r]*(.*?)[ \\t\\n\\f\\r]*$",
      java.util.regex.Pattern.DOTALL);

  /**
   * A matcher; a regex one compiles {@code ^(?:value)$}.
   *
   * @throws InvalidConfigException when the regex does not compile
   */
  public static Matcher of(String name, Type type, String value) {
    Pattern regex = null;
    if (type == Type.REGEX || type == Type.NOT_REGEX) {
      regex = compileAnchored(value);
    }
    return new Matcher(name, type, value, regex);
  }

  /** {@code ^(?:value)$} in RE2 syntax, as Go's {@code regexp.Compile}. */
  static Pattern compileAnchored(String value) {
    try {
      return Pattern.compile("^(?:" + value + ")$", Pattern.DOTALL);
    } catch (PatternSyntaxException e) {
      throw new InvalidConfigException("error parsing regexp: " + e.getDescription() + ": `" + e.getPattern() + "`");
    }
  }

  /** Whether the value of the label (empty when the label is missing) matches. */
  public boolean matches(String labelValue) {
    return switch (type) {
      case EQUAL -> labelValue.equals(value);
      case NOT_EQUAL -> !labelValue.equals(value);
      case REGEX -> regex.matches(labelValue);
      case NOT_REGEX -> !regex.matches(labelValue);
    };
  }

  /**
   * The matchers of one classic matcher string, as {@code labels.ParseMatchers}: the braces are optional, matchers are
   * split at commas outside double quotes, an empty string or {@code {}} has none.
   *
   * @throws InvalidConfigException with Alertmanager's message
   */
  public static List<Matcher> parseAll(String text) {
    String s = text;
    if (s.startsWith("{")) {
      s = s.substring(1);
    }
    if (s.endsWith("}")) {
      s = s.substring(0, s.length() - 1);
    }
    List<String> tokens = new ArrayList<>();
    StringBuilder token = new StringBuilder();
    boolean insideQuotes = false;
    boolean escaped = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case ',' -> {
          if (!insideQuotes) {
            tokens.add(token.toString());
            token.setLength(0);
            continue;
          }
        }
        case '"' -> {
          if (!escaped) {
            insideQuotes = !insideQuotes;
          } else {
            escaped = false;
          }
        }
        case '\\' -> escaped = !escaped;
        default -> escaped = false;
      }
      token.append(c);
    }
    String last = token.toString().strip();
    if (!last.isEmpty()) {
      tokens.add(last);
    }
    List<Matcher> out = new ArrayList<>(tokens.size());
    for (String t : tokens) {
      out.add(parse(t));
    }
    return out;
  }

  /**
   * One classic matcher, as {@code labels.ParseMatcher}: a quoted value may escape {@code \"}, {@code \\} and
   * {@code \n}; an unquoted one is taken as written.
   *
   * @throws InvalidConfigException with Alertmanager's message
   */
  public static Matcher parse(String text) {
    java.util.regex.Matcher m = FORMAT.matcher(text);
    if (!m.matches()) {
      throw new InvalidConfigException("bad matcher format: " + text);
    }
    String raw = m.group(3);
    boolean expectTrailingQuote = false;
    if (raw.startsWith("\"")) {
      raw = raw.substring(1);
      expectTrailingQuote = true;
    }
    if (!StandardCharsets.UTF_8.newEncoder().canEncode(raw)) {
      throw new InvalidConfigException("matcher value not valid UTF-8: " + m.group(3));
    }
    StringBuilder value = new StringBuilder(raw.length());
    boolean escaped = false;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (escaped) {
        escaped = false;
        switch (c) {
          case 'n' -> value.append('\n');
          case '"', '\\' -> value.append(c);
          default -> value.append('\\').append(c);
        }
        continue;
      }
      switch (c) {
        case '\\' -> {
          if (i < raw.length() - 1) {
            escaped = true;
          } else {
            value.append('\\'); // a trailing backslash is literal
          }
        }
        case '"' -> {
          if (!expectTrailingQuote || i < raw.length() - 1) {
            throw new InvalidConfigException("matcher value contains unescaped double quote: " + m.group(3));
          }
          expectTrailingQuote = false;
        }
        default -> value.append(c);
      }
    }
    if (expectTrailingQuote) {
      throw new InvalidConfigException("matcher value contains unescaped double quote: " + m.group(3));
    }
    Type type = switch (m.group(2)) {
      case "=" -> Type.EQUAL;
      case "!=" -> Type.NOT_EQUAL;
      case "=~" -> Type.REGEX;
      default -> Type.NOT_REGEX;
    };
    return of(m.group(1), type, value.toString());
  }

  @Override
  public String toString() {
    return name + type.operator + "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }
}
