package io.narthex.alertmanager.replication;

/**
 * A tenant's replicated state could not be written or read: its group has no leader, lost its quorum, or did not
 * answer in time. A server fault: the API answers 503, and the client may retry.
 */
public final class StateUnavailableException extends RuntimeException {
  public StateUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
