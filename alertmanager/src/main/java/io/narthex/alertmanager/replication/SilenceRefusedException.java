package io.narthex.alertmanager.replication;

import io.narthex.alertmanager.dispatch.Silences.SilenceException.Reason;

/**
 * A silence change the state machine refused, with {@code dispatch.Silences}'s message (Alertmanager's words) and
 * reason, so that the API answers as for a local {@code Silences.SilenceException}: 404 for an unknown id, else 400.
 */
public final class SilenceRefusedException extends RuntimeException {
  private final Reason reason;

  public SilenceRefusedException(String message, Reason reason) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  /** Whether the id named no silence. */
  public boolean notFound() {
    return reason == Reason.NOT_FOUND;
  }
}
