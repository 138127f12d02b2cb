package io.narthex.ruler.eval;

/** One rule's evaluation failed; the message becomes the rule's {@code lastError}, as Prometheus reports it. */
public final class RuleEvaluationException extends Exception {
  public RuleEvaluationException(String message) {
    super(message);
  }

  public RuleEvaluationException(String message, Throwable cause) {
    super(message, cause);
  }
}
