package io.narthex.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Compares two Prometheus API query answers: same result type, the same label sets exactly, timestamps exactly,
 * values within 1e-9 relative (NaN equals NaN). Series order matters only when asked.
 */
final class ResultComparison {
  private static final double RELATIVE_TOLERANCE = 1e-9;

  private ResultComparison() {}

  /** A description of the first difference, or null when the answers agree. */
  static String difference(PromApi.Response expected, PromApi.Response actual, boolean ordered) {
    if (expected.status() != 200) {
      return "Prometheus itself answered " + expected.status() + " " + expected.raw();
    }
    if (actual.status() != 200) {
      return "Narthex answered " + actual.status() + " " + actual.raw();
    }
    JsonNode expectedData = expected.body().get("data");
    JsonNode actualData = actual.body().get("data");
    String expectedType = expectedData.get("resultType").asText();
    if (!expectedType.equals(actualData.get("resultType").asText())) {
      return "resultType " + actualData.get("resultType") + ", Prometheus " + expectedType;
    }
    Map<String, List<long[]>> expectedPoints = points(expectedData);
    Map<String, List<long[]>> actualPoints = points(actualData);
    if (!expectedPoints.keySet().equals(actualPoints.keySet())) {
      return "series " + actualPoints.keySet() + ", Prometheus " + expectedPoints.keySet();
    }
    if (ordered && !seriesOrder(expectedData).equals(seriesOrder(actualData))) {
      return "order " + seriesOrder(actualData) + ", Prometheus " + seriesOrder(expectedData);
    }
    for (Map.Entry<String, List<long[]>> entry : expectedPoints.entrySet()) {
      List<long[]> want = entry.getValue();
      List<long[]> got = actualPoints.get(entry.getKey());
      if (want.size() != got.size()) {
        return entry.getKey() + ": " + got.size() + " points, Prometheus " + want.size();
      }
      for (int i = 0; i < want.size(); i++) {
        double w = Double.longBitsToDouble(want.get(i)[1]);
        double g = Double.longBitsToDouble(got.get(i)[1]);
        boolean sameValue = (Double.isNaN(w) && Double.isNaN(g)) || w == g
            || Math.abs(w - g) <= RELATIVE_TOLERANCE * Math.max(Math.abs(w), Math.abs(g));
        if (want.get(i)[0] != got.get(i)[0] || !sameValue) {
          return entry.getKey() + ": (" + got.get(i)[0] + ", " + g + "), Prometheus (" + want.get(i)[0] + ", " + w + ")";
        }
      }
    }
    return null;
  }

  /** Whether the answer holds at least one series or a scalar. */
  static boolean isEmpty(PromApi.Response response) {
    JsonNode data = response.body().get("data");
    String type = data.get("resultType").asText();
    return !type.equals("scalar") && !type.equals("string") && data.get("result").isEmpty();
  }

  private static List<String> seriesOrder(JsonNode data) {
    List<String> out = new ArrayList<>();
    if (data.get("result").isArray() && !data.get("resultType").asText().equals("scalar")) {
      data.get("result").forEach(s -> out.add(metric(s)));
    }
    return out;
  }

  /** Series (by their label set, keys sorted) to their points as {timestampMs, value bits}. */
  private static Map<String, List<long[]>> points(JsonNode data) {
    Map<String, List<long[]>> out = new TreeMap<>();
    JsonNode result = data.get("result");
    switch (data.get("resultType").asText()) {
      case "scalar", "string" -> out.put("scalar", List.of(point(result)));
      case "vector" -> result.forEach(s -> out.put(metric(s), List.of(point(s.get("value")))));
      default -> result.forEach(s -> {
        List<long[]> list = new ArrayList<>();
        s.get("values").forEach(p -> list.add(point(p)));
        out.put(metric(s), list);
      });
    }
    return out;
  }

  static String metric(JsonNode series) {
    return toMap(series.get("metric")).toString();
  }

  static Map<String, String> toMap(JsonNode object) {
    Map<String, String> map = new TreeMap<>();
    object.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
    return map;
  }

  private static long[] point(JsonNode pair) {
    return new long[] {millis(pair.get(0)), Double.doubleToLongBits(parseValue(pair.get(1).asText()))};
  }

  static double parseValue(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(text);
    };
  }

  /** Seconds as JSON gives them, a number (a point's time) or a string (a sample's value), in milliseconds. */
  static long millis(JsonNode secondsNode) {
    java.math.BigDecimal seconds = secondsNode.isTextual() ? new java.math.BigDecimal(secondsNode.asText())
        : secondsNode.decimalValue();
    return seconds.movePointRight(3).longValue();
  }

  static String seconds(long ms) {
    return java.math.BigDecimal.valueOf(ms, 3).toPlainString();
  }

  /** A JSON array's elements as sorted strings (label-set objects with sorted keys). */
  static List<String> sortedStrings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(node -> out.add(node.isObject() ? toMap(node).toString() : node.asText()));
    out.sort(null);
    return out;
  }
}
