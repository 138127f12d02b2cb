package io.narthex.alertmanager.replication;

/**
 * A silence change the state machine refused, with {@code dispatch.Silences}'s message (Alertmanager's words): the
 * silence is invalid or over a limit (400), or the id names no silence (404).
 */
public final class SilenceRefusedException extends RuntimeException {
  private final boolean notFound;

  public SilenceRefusedException(String message, boolean notFound) {
    super(message);
    this.notFound = notFound;
  }

  /** Whether the id named no silence. */
  public boolean notFound() {
    return notFound;
  }
}
