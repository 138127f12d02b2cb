package io.narthex.promql.parser;

import io.narthex.promql.parser.Expr.At;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import java.util.ArrayList;
import java.util.List;

/**
 * Vector selectors ({@code name{label="v", ...}}), their label matchers and the label lists of {@code by},
 * {@code without}, {@code on}, {@code ignoring} and {@code group_left/right}, after the selector and grouping rules of
 * Prometheus's promql/parser/generated_parser.y.
 */
final class SelectorParser {
  private final TokenCursor cursor;

  SelectorParser(TokenCursor cursor) {
    this.cursor = cursor;
  }

  /** A parenthesised list of label names (identifiers, keywords or quoted strings). */
  List<String> parseLabelList(String context) {
    Token open = cursor.peek();
    if (open.type() != TokenType.LEFT_PAREN) {
      throw cursor.unexpected(open, context, "\"(\"");
    }
    cursor.next();
    List<String> labels = new ArrayList<>();
    while (cursor.peek().type() != TokenType.RIGHT_PAREN) {
      Token t = cursor.next();
      String label;
      if (t.type() == TokenType.STRING) {
        label = Literals.unquote(cursor, t);
      } else if (isLabelNameToken(t)) {
        label = t.text();
      } else {
        throw cursor.unexpected(t, context, "label");
      }
      labels.add(label);
      if (cursor.peek().type() == TokenType.COMMA) {
        cursor.next();
      } else if (cursor.peek().type() != TokenType.RIGHT_PAREN) {
        throw cursor.unexpected(cursor.peek(), context, "\",\" or \")\"");
      }
    }
    cursor.next();
    return List.copyOf(labels);
  }

  private static boolean isLabelNameToken(Token t) {
    return switch (t.type()) {
      case IDENTIFIER, AGGREGATOR, LAND, LOR, LUNLESS, ATAN2 -> true;
      case NUMBER -> t.text().equalsIgnoreCase("inf") || t.text().equalsIgnoreCase("nan");
      default -> t.type().keyword;
    };
  }

  /**
   * The selector after an optional metric name already consumed ({@code name} null when there is none); regex
   * matchers are compiled here, after a deadline check each, and refused above {@link Parser#MAX_REGEX_LENGTH}.
   */
  Expr parseSelector(String name, int pos) {
    List<Matcher> matchers = new ArrayList<>();
    if (cursor.peek().type() == TokenType.LEFT_BRACE) {
      cursor.next();
      while (cursor.peek().type() != TokenType.RIGHT_BRACE) {
        Token labelTok = cursor.next();
        String label;
        if (labelTok.type() == TokenType.STRING) {
          label = Literals.unquote(cursor, labelTok);
          TokenType after = cursor.peek().type();
          if (after == TokenType.COMMA || after == TokenType.RIGHT_BRACE) {
            if (name != null) {
              throw cursor.error(labelTok.pos(),
                  "metric name must not be set twice: \"" + name + "\" or \"" + label + "\"");
            }
            name = label;
            if (after == TokenType.COMMA) {
              cursor.next();
            }
            continue;
          }
        } else if (isLabelNameToken(labelTok)) {
          label = labelTok.text();
        } else {
          throw cursor.unexpected(labelTok, "label matching", "identifier or \"}\"");
        }
        Token opTok = cursor.next();
        Matcher.Type type = switch (opTok.type()) {
          case ASSIGN -> Matcher.Type.EQUAL;
          case NEQ -> Matcher.Type.NOT_EQUAL;
          case EQL_REGEX -> Matcher.Type.REGEX;
          case NEQ_REGEX -> Matcher.Type.NOT_REGEX;
          default -> throw cursor.unexpected(opTok, "label matching", "label matching operator");
        };
        Token valueTok = cursor.next();
        if (valueTok.type() != TokenType.STRING) {
          throw cursor.unexpected(valueTok, "label matching", "string");
        }
        String value = Literals.unquote(cursor, valueTok);
        if (type == Matcher.Type.REGEX || type == Matcher.Type.NOT_REGEX) {
          if (value.length() > Parser.MAX_REGEX_LENGTH) {
            throw cursor.error(labelTok.pos(), "error parsing regexp: expression too large: " + value.length()
                + " characters, more than Narthex's limit of " + Parser.MAX_REGEX_LENGTH
                + " (err-narthex-regex-too-long)");
          }
          cursor.checkDeadline();
        }
        try {
          matchers.add(Matcher.of(type, label, value));
        } catch (IllegalArgumentException e) {
          throw cursor.error(labelTok.pos(), e.getMessage());
        }
        if (cursor.peek().type() == TokenType.COMMA) {
          cursor.next();
        } else if (cursor.peek().type() != TokenType.RIGHT_BRACE) {
          throw cursor.unexpected(cursor.peek(), "label matching", "\",\" or \"}\"");
        }
      }
      cursor.next();
    }
    if (name != null) {
      for (Matcher m : matchers) {
        if (m.name().equals(Labels.METRIC_NAME) && m.type() == Matcher.Type.EQUAL) {
          throw cursor.error(pos, "metric name must not be set twice: \"" + name + "\" or \"" + m.value() + "\"");
        }
      }
      matchers.add(0, Matcher.equal(Labels.METRIC_NAME, name));
    } else {
      boolean nonEmpty = false;
      for (Matcher m : matchers) {
        if (!m.matchesEmpty()) {
          nonEmpty = true;
          break;
        }
      }
      if (!nonEmpty) {
        throw cursor.error(pos, "vector selector must contain at least one non-empty matcher");
      }
    }
    return new Expr.VectorSelector(name, List.copyOf(matchers), 0, At.NONE, pos);
  }
}
