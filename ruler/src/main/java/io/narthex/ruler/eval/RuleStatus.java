package io.narthex.ruler.eval;

/**
 * A rule's health, last error, last evaluation (wall-clock start, as Prometheus's {@code SetEvaluationTimestamp})
 * and how long it took, as {@code /api/v1/rules} shows them. Written by the group's evaluation, read by the API from
 * other threads.
 */
public final class RuleStatus {
  /**
   * @param lastEvaluationNanos wall-clock start of the last evaluation, nanoseconds since the epoch; 0 when never
   * @param evaluationTimeNanos how long the last evaluation took
   * @param lastError empty when the last evaluation succeeded
   */
  public record Snapshot(RuleHealth health, String lastError, long lastEvaluationNanos, long evaluationTimeNanos) {}

  private Snapshot snapshot = new Snapshot(RuleHealth.UNKNOWN, "", 0, 0);

  public synchronized Snapshot snapshot() {
    return snapshot;
  }

  /** The rule was evaluated without error, starting at {@code startNanos} and taking {@code durationNanos}. */
  public synchronized void recordSuccess(long startNanos, long durationNanos) {
    snapshot = new Snapshot(RuleHealth.OK, "", startNanos, durationNanos);
  }

  /** The rule's evaluation failed with {@code error}. */
  public synchronized void recordFailure(String error, long startNanos, long durationNanos) {
    snapshot = new Snapshot(RuleHealth.ERR, error, startNanos, durationNanos);
  }

  /** Writing the rule's output failed after it was evaluated: health turns bad, timings stay. */
  public synchronized void recordWriteFailure(String error) {
    snapshot = new Snapshot(RuleHealth.ERR, error, snapshot.lastEvaluationNanos(), snapshot.evaluationTimeNanos());
  }

  /** Takes over a previous version's status when a group is reloaded, as Prometheus keeps it. */
  synchronized void copyFrom(RuleStatus previous) {
    snapshot = previous.snapshot();
  }
}
