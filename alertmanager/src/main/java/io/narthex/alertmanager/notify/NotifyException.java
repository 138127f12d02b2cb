package io.narthex.alertmanager.notify;

/**
 * A failed attempt to send a notification, as an Alertmanager notifier's {@code (retry bool, err error)}: whether
 * another attempt may succeed, and the {@code reason} label of {@code cortex_alertmanager_notifications_failed_total}
 * (Alertmanager's {@code notify.Reason}).
 */
final class NotifyException extends Exception {
  /** Alertmanager's failure reasons, as the metric label writes them. */
  enum Reason {
    OTHER("other"),
    CLIENT_ERROR("clientError"),
    SERVER_ERROR("serverError");

    final String label;

    Reason(String label) {
      this.label = label;
    }

    /** {@code GetFailureReasonFromStatusCode}: 4xx is the client's, 5xx the server's. */
    static Reason ofStatus(int status) {
      return status / 100 == 4 ? CLIENT_ERROR : status / 100 == 5 ? SERVER_ERROR : OTHER;
    }
  }

  private final boolean retry;
  private final Reason reason;

  NotifyException(String message, boolean retry, Reason reason) {
    super(message, null, false, false);
    this.retry = retry;
    this.reason = reason;
  }

  /** A failure no retry can mend: a template error, a bad address, a refused destination. */
  static NotifyException permanent(String message) {
    return new NotifyException(message, false, Reason.OTHER);
  }

  boolean retry() {
    return retry;
  }

  Reason reason() {
    return reason;
  }
}
