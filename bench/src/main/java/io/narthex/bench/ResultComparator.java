package io.narthex.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Compares two Prometheus API query results ({@code data} objects): the same result type, the same series (by
 * label set, in any order) and, point by point, the same timestamps and values within 1e-9 relative (NaN equals
 * NaN).
 */
final class ResultComparator {
  static final double RELATIVE_TOLERANCE = 1e-9;

  private ResultComparator() {}

  /** Null when the results agree, else what differs first. */
  static String difference(JsonNode expected, JsonNode actual) {
    String expectedType = expected.path("resultType").asText();
    String actualType = actual.path("resultType").asText();
    if (!expectedType.equals(actualType)) {
      return "result type " + expectedType + " vs " + actualType;
    }
    JsonNode expectedResult = expected.path("result");
    JsonNode actualResult = actual.path("result");
    if (expectedType.equals("scalar") || expectedType.equals("string")) {
      return pointDifference("", expectedResult, actualResult);
    }
    Map<String, JsonNode> expectedSeries = bySeries(expectedResult);
    Map<String, JsonNode> actualSeries = bySeries(actualResult);
    for (String series : expectedSeries.keySet()) {
      if (!actualSeries.containsKey(series)) {
        return "series " + series + " only in the first answer (" + expectedSeries.size() + " vs "
            + actualSeries.size() + " series)";
      }
    }
    for (String series : actualSeries.keySet()) {
      if (!expectedSeries.containsKey(series)) {
        return "series " + series + " only in the second answer (" + expectedSeries.size() + " vs "
            + actualSeries.size() + " series)";
      }
    }
    for (Map.Entry<String, JsonNode> entry : expectedSeries.entrySet()) {
      JsonNode a = entry.getValue();
      JsonNode b = actualSeries.get(entry.getKey());
      String difference;
      if (expectedType.equals("matrix")) {
        JsonNode aValues = a.path("values");
        JsonNode bValues = b.path("values");
        if (aValues.size() != bValues.size()) {
          return "series " + entry.getKey() + ": " + aValues.size() + " vs " + bValues.size() + " points";
        }
        difference = null;
        for (int i = 0; i < aValues.size() && difference == null; i++) {
          difference = pointDifference(entry.getKey(), aValues.get(i), bValues.get(i));
        }
      } else {
        difference = pointDifference(entry.getKey(), a.path("value"), b.path("value"));
      }
      if (difference != null) {
        return difference;
      }
    }
    return null;
  }

  private static Map<String, JsonNode> bySeries(JsonNode result) {
    Map<String, JsonNode> series = new TreeMap<>();
    for (JsonNode one : result) {
      Map<String, String> labels = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = one.path("metric").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> label = it.next();
        labels.put(label.getKey(), label.getValue().asText());
      }
      series.put(labels.toString(), one);
    }
    return series;
  }

  private static String pointDifference(String series, JsonNode a, JsonNode b) {
    if (a.get(0).asDouble() != b.get(0).asDouble()) {
      return "series " + series + ": timestamp " + a.get(0).asText() + " vs " + b.get(0).asText();
    }
    if (!valuesEqual(a.get(1).asText(), b.get(1).asText())) {
      return "series " + series + " at " + a.get(0).asText() + ": " + a.get(1).asText() + " vs "
          + b.get(1).asText();
    }
    return null;
  }

  static boolean valuesEqual(String a, String b) {
    if (a.equals(b)) {
      return true;
    }
    double x = parse(a);
    double y = parse(b);
    if (Double.isNaN(x) || Double.isNaN(y)) {
      return Double.isNaN(x) && Double.isNaN(y);
    }
    if (x == y) {
      return true;
    }
    return Math.abs(x - y) <= RELATIVE_TOLERANCE * Math.max(Math.abs(x), Math.abs(y));
  }

  private static double parse(String value) {
    return switch (value) {
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> Double.parseDouble(value);
    };
  }
}
