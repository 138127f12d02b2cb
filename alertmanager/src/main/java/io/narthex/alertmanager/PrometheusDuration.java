package io.narthex.alertmanager;

import io.narthex.common.PrometheusDurations;
import java.time.Duration;

/** Prometheus durations in Alertmanager configs, read by {@link PrometheusDurations}. */
final class PrometheusDuration {
  private PrometheusDuration() {}

  /** @throws InvalidConfigException with prometheus/common's message */
  static Duration parse(String text) {
    try {
      return Duration.ofMillis(PrometheusDurations.parseMs(text));
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(e.getMessage());
    }
  }
}
