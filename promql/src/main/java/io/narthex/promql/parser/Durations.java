package io.narthex.promql.parser;

import io.narthex.common.PrometheusDurations;

/** Prometheus duration strings in PromQL: {@link PrometheusDurations}, the one parser of them. */
public final class Durations {
  private Durations() {}

  /**
   * Parses e.g. {@code 1h30m} or {@code 500ms}; {@code 0} is allowed alone.
   *
   * @return milliseconds
   * @throws IllegalArgumentException as {@link PrometheusDurations#parseMs}
   */
  public static long parseMs(String s) {
    return PrometheusDurations.parseMs(s);
  }
}
