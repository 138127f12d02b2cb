package io.narthex.template;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * Go's {@code json.Marshal} of the values templates hold, for the Alertmanager's {@code toJson}: strings with Go's
 * escapes (HTML characters and U+2028/U+2029 as {@code \\u} escapes), numbers as Go writes float64 and int, maps with
 * their keys sorted, lists as arrays, times as RFC 3339 with nanoseconds, durations as integer nanoseconds, and the
 * Alertmanager's data structs under their JSON tags ({@code Pair} has none, so its fields keep their Go names).
 */
final class GoJson {
  private static final String RFC3339_NANO = "2006-01-02T15:04:05.999999999Z07:00";

  private GoJson() {}

  /**
   * The JSON of {@code value}.
   *
   * @throws Exception with Go's message for NaN and infinities, out-of-range times and types JSON cannot hold
   */
  static String marshal(Object value) throws Exception {
    StringBuilder out = new StringBuilder();
    write(out, value);
    return out.toString();
  }

  private static void write(StringBuilder out, Object value) throws Exception {
    switch (value) {
      case null -> out.append("null");
      case String s -> string(out, s);
      case GoNamedString s -> string(out, s.value());
      case Boolean b -> out.append(b);
      case Long l -> out.append(l);
      case Integer i -> out.append(i);
      case Double d -> number(out, d);
      case GoDuration d -> out.append(d.nanos());
      case GoTime t -> time(out, t);
      case Map<?, ?> m -> object(out, m);
      case Collection<?> c -> array(out, c);
      case AlertmanagerTemplates.Data d -> fields(out, d, true);
      case AlertmanagerTemplates.Alert a -> fields(out, a, true);
      case Record r -> fields(out, r, false);
      default -> throw new Exception("json: unsupported type: " + Values.typeName(value));
    }
  }

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '<', '>', '&', '\u2028', '\u2029' -> unicode(out, c);
        default -> {
          if (c < 0x20) {
            unicode(out, c);
          } else if (Character.isSurrogate(c)
              && !(Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1)))) {
            // A lone surrogate is not UTF-8: Go writes the replacement character.
            out.append("\\ufffd");
          } else if (Character.isHighSurrogate(c)) {
            out.append(c).append(s.charAt(++i));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static void unicode(StringBuilder out, char c) {
    String hex = Integer.toHexString(c);
    out.append("\\u").append("0".repeat(4 - hex.length())).append(hex);
  }

  /** Go's float64 encoder: shortest digits, exponent form below 1e-6 or from 1e21 with a trimmed exponent. */
  private static void number(StringBuilder out, double d) throws Exception {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new Exception("json: unsupported value: " + GoStrconv.formatFloat(d, 'g', -1));
    }
    double abs = Math.abs(d);
    if (abs != 0 && (abs < 1e-6 || abs >= 1e21)) {
      String e = GoStrconv.formatFloat(d, 'e', -1);
      int n = e.length();
      if (n >= 4 && e.charAt(n - 4) == 'e' && e.charAt(n - 3) == '-' && e.charAt(n - 2) == '0') {
        e = e.substring(0, n - 2) + e.charAt(n - 1);
      }
      out.append(e);
    } else {
      out.append(GoStrconv.formatFloat(d, 'f', -1));
    }
  }

  private static void time(StringBuilder out, GoTime t) throws Exception {
    int year = t.instant().atZone(t.zone()).getYear();
    if (year < 0 || year > 9999) {
      throw new Exception("json: error calling MarshalJSON for type " + t.goTypeName()
          + ": Time.MarshalJSON: year outside of range [0,9999]");
    }
    out.append('"').append(t.format(RFC3339_NANO)).append('"');
  }

  private static void object(StringBuilder out, Map<?, ?> map) throws Exception {
    TreeMap<String, Object> sorted = new TreeMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      sorted.put(String.valueOf(e.getKey()), e.getValue());
    }
    out.append('{');
    boolean first = true;
    for (Map.Entry<String, Object> e : sorted.entrySet()) {
      out.append(first ? "" : ",");
      first = false;
      string(out, e.getKey());
      out.append(':');
      write(out, e.getValue());
    }
    out.append('}');
  }

  private static void array(StringBuilder out, Collection<?> items) throws Exception {
    out.append('[');
    boolean first = true;
    for (Object item : items) {
      out.append(first ? "" : ",");
      first = false;
      write(out, item);
    }
    out.append(']');
  }

  /** A struct: under its JSON tags (the component names) when it has them, else under the Go field names. */
  private static void fields(StringBuilder out, Record record, boolean tagged) throws Exception {
    out.append('{');
    boolean first = true;
    for (Values.Component c : Values.components(record)) {
      out.append(first ? "" : ",");
      first = false;
      string(out, tagged ? c.name() : c.goName());
      out.append(':');
      write(out, Values.read(record, c));
    }
    out.append('}');
  }
}
