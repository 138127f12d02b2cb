package io.narthex.alertmanager.state;

import java.io.IOException;

/**
 * A tenant's stored state cannot be used: it is not Mimir's full state format, or it is over
 * {@code -alertmanager.max-state-size-bytes} (as stored, or as it would be once decoded).
 */
public final class InvalidStateException extends IOException {
  /** Why, as the {@code reason} label of {@code narthex_alertmanager_state_load_failures_total}. */
  public enum Reason {
    CORRUPT("corrupt"), TOO_LARGE("too_large");

    private final String label;

    Reason(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final Reason reason;

  InvalidStateException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
