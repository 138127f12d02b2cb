package io.narthex.promql;

import io.narthex.common.GoFloat;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Warnings and infos of one query, deduplicated by message as Prometheus's util/annotations does. Each message ends
 * with the {@code (line:column)} position of the expression it is about.
 */
final class Annotations {
  private final String query;
  private final Set<String> warnings = new LinkedHashSet<>();
  private final Set<String> infos = new LinkedHashSet<>();

  Annotations(String query) {
    this.query = query;
  }

  void warn(String message, int pos) {
    warnings.add("PromQL warning: " + message + " (" + position(pos) + ")");
  }

  void info(String message, int pos) {
    infos.add("PromQL info: " + message + " (" + position(pos) + ")");
  }

  List<String> warnings() {
    return List.copyOf(new ArrayList<>(warnings));
  }

  List<String> infos() {
    return List.copyOf(new ArrayList<>(infos));
  }

  /** 1-based line and column of character offset {@code pos} in the query. */
  private String position(int pos) {
    int line = 1;
    int col = 1;
    int end = Math.min(Math.max(pos, 0), query.length());
    for (int i = 0; i < end; i++) {
      if (query.charAt(i) == '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
    return line + ":" + col;
  }

  /** Go's {@code %q} of a string: double-quoted, with quotes, backslashes and control characters escaped. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        case '\r' -> sb.append("\\r");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            sb.append(String.format("\\x%02x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }

  /** Go's {@code %g} formatting of a float64 (shortest representation), as Prometheus's warnings use. */
  static String formatG(double v) {
    return GoFloat.formatG(v);
  }
}
