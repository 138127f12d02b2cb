package io.narthex.ruler.alert;

/**
 * An alerting rule's evaluation failed after its query succeeded: two result series gave the same alert labels, or the
 * group's {@code limit} was exceeded. The message is Prometheus's; it becomes the rule's {@code lastError}.
 */
public final class AlertEvaluationException extends Exception {
  public AlertEvaluationException(String message) {
    super(message);
  }
}
