package io.narthex.promql.promqltest;

import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.StaleMarker;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing of promqltest series lines ({@code metric{l="v"} 1+2x3 _ stale}), values and durations. */
final class SeriesLines {
  private SeriesLines() {}

  record ParsedSeries(Labels labels, List<Double> values, boolean nativeHistogram) {}

  static ParsedSeries parseSeriesLine(String line) {
    int pos = 0;
    Labels.Builder b = new Labels.Builder();
    int n = line.length();
    int nameEnd = 0;
    while (nameEnd < n && line.charAt(nameEnd) != '{' && !Character.isWhitespace(line.charAt(nameEnd))) {
      nameEnd++;
    }
    if (nameEnd > 0) {
      b.set(Labels.METRIC_NAME, line.substring(0, nameEnd));
    }
    pos = nameEnd;
    if (pos < n && line.charAt(pos) == '{') {
      pos++;
      while (true) {
        while (pos < n && (Character.isWhitespace(line.charAt(pos)) || line.charAt(pos) == ',')) {
          pos++;
        }
        if (line.charAt(pos) == '}') {
          pos++;
          break;
        }
        String name;
        if (line.charAt(pos) == '"') {
          int[] end = new int[1];
          name = unquote(line, pos, end);
          pos = end[0];
          while (pos < n && Character.isWhitespace(line.charAt(pos))) {
            pos++;
          }
          if (line.charAt(pos) != '=') {
            b.set(Labels.METRIC_NAME, name);
            continue;
          }
        } else {
          int s = pos;
          while (pos < n && line.charAt(pos) != '=' && !Character.isWhitespace(line.charAt(pos))) {
            pos++;
          }
          name = line.substring(s, pos);
        }
        while (pos < n && line.charAt(pos) != '=') {
          pos++;
        }
        pos++;
        while (pos < n && Character.isWhitespace(line.charAt(pos))) {
          pos++;
        }
        int[] end = new int[1];
        String value = unquote(line, pos, end);
        pos = end[0];
        b.set(name, value);
      }
    }
    List<Double> values = new ArrayList<>();
    String rest = line.substring(pos).trim();
    // Native histogram samples ({{...}}, optionally xN) are not supported: they become staleness markers, so
    // float selectors and functions skip them as Prometheus's float paths do.
    boolean nativeHistogram = rest.contains("{{");
    Matcher hm = HISTOGRAM.matcher(rest);
    StringBuilder floats = new StringBuilder();
    while (hm.find()) {
      int times = hm.group(1) == null ? 0 : Integer.parseInt(hm.group(1));
      hm.appendReplacement(floats, " stale".repeat(times + 1));
    }
    hm.appendTail(floats);
    rest = floats.toString().trim();
    if (!rest.isEmpty()) {
      for (String tok : rest.split("\\s+")) {
        expandValue(tok, values);
      }
    }
    return new ParsedSeries(b.build(), values, nativeHistogram);
  }

  private static String unquote(String s, int pos, int[] end) {
    char q = s.charAt(pos);
    StringBuilder sb = new StringBuilder();
    int i = pos + 1;
    while (s.charAt(i) != q) {
      char c = s.charAt(i);
      if (c == '\\') {
        char e = s.charAt(++i);
        switch (e) {
          case 'n' -> sb.append('\n');
          case 't' -> sb.append('\t');
          case '\\' -> sb.append('\\');
          case '"' -> sb.append('"');
          case '\'' -> sb.append('\'');
          case 'x' -> {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
            i += 2;
            while (s.startsWith("\\x", i + 1)) {
              out.write(Integer.parseInt(s.substring(i + 3, i + 5), 16));
              i += 4;
            }
            sb.append(out.toString(java.nio.charset.StandardCharsets.UTF_8));
          }
          default -> sb.append('\\').append(e);
        }
      } else {
        sb.append(c);
      }
      i++;
    }
    end[0] = i + 1;
    return sb.toString();
  }

  private static final Pattern HISTOGRAM = Pattern.compile("\\{\\{.*?\\}\\}(?:[+-]\\{\\{.*?\\}\\})?(?:x(\\d+))?");
  private static final Pattern EXPANDING = Pattern.compile("^([^x]+?)(?:([+-])([^x]+))?x(\\d+)$");

  /** Expands {@code a+bxN}, {@code a-bxN}, {@code axN}, {@code _xN}, {@code _}, {@code stale}, numbers. */
  static void expandValue(String tok, List<Double> out) {
    Matcher m = EXPANDING.matcher(tok);
    if (m.matches()) {
      String base = m.group(1);
      int times = Integer.parseInt(m.group(4));
      if (base.equals("_")) {
        for (int k = 0; k < times; k++) {
          out.add(null);
        }
        return;
      }
      if (base.equals("stale")) {
        for (int k = 0; k < times; k++) {
          out.add(StaleMarker.STALE_NAN);
        }
        return;
      }
      double start = parseValue(base);
      double inc = 0;
      if (m.group(2) != null) {
        inc = parseValue(m.group(3));
        if (m.group(2).equals("-")) {
          inc = -inc;
        }
      }
      double cur = start;
      for (int k = 0; k <= times; k++) {
        out.add(cur);
        cur += inc;
      }
      return;
    }
    switch (tok) {
      case "_" -> out.add(null);
      case "stale" -> out.add(StaleMarker.STALE_NAN);
      default -> out.add(parseValue(tok));
    }
  }

  static double parseValue(String s) {
    return switch (s.toLowerCase()) {
      case "inf", "+inf" -> Double.POSITIVE_INFINITY;
      case "-inf" -> Double.NEGATIVE_INFINITY;
      case "nan" -> Double.NaN;
      default -> s.startsWith("0x") ? Long.parseLong(s.substring(2), 16) : Double.parseDouble(s);
    };
  }

  static long parseDuration(String s) {
    s = s.trim();
    boolean neg = s.startsWith("-");
    if (neg) {
      s = s.substring(1);
    }
    long total = 0;
    if (s.matches("\\d+(\\.\\d+)?")) {
      total = Math.round(Double.parseDouble(s) * 1000);
    } else {
      total = io.narthex.promql.parser.Durations.parseMs(s);
    }
    return neg ? -total : total;
  }

}
