package io.narthex.ruler.alert;

import java.util.Locale;

/**
 * The state of one alert, as Prometheus's {@code rules.AlertState}. {@link #UNKNOWN} is only a rule's state before its
 * first evaluation; an alert itself is inactive (resolved), pending or firing. The order is Prometheus's: a rule's state
 * is the greatest of its alerts'.
 */
public enum AlertState {
  UNKNOWN,
  INACTIVE,
  PENDING,
  FIRING;

  /** The lower-case name Prometheus writes in {@code alertstate} labels and in the rules and alerts APIs. */
  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }
}
