package io.narthex.alertmanager.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Small builders shared by the dispatch tests. */
final class Fixtures {
  static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

  private Fixtures() {}

  /** Labels from alternating names and values. */
  static TreeMap<String, String> labels(String... nameValues) {
    TreeMap<String, String> out = new TreeMap<>();
    for (int i = 0; i < nameValues.length; i += 2) {
      out.put(nameValues[i], nameValues[i + 1]);
    }
    return out;
  }

  /** A firing alert as the API stores it when posted at {@code at} without an end (5m resolve timeout). */
  static Alert firing(Instant at, String... nameValues) {
    return new Alert(labels(nameValues), Map.of(), at, at.plus(Duration.ofMinutes(5)), "", at, true);
  }

  /** The same alert re-posted at {@code at} with an explicit end. */
  static Alert resolved(Instant startsAt, Instant endsAt, Instant at, String... nameValues) {
    return new Alert(labels(nameValues), Map.of(), startsAt, endsAt, "", at, false);
  }

  static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  static List<String> fingerprints(List<Alert> alerts) {
    return alerts.stream().map(Alert::fingerprintHex).toList();
  }
}
