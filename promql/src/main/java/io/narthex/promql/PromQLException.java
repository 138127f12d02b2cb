package io.narthex.promql;

/** A query failure; {@link #type()} tells how the HTTP API should report it. Messages match Prometheus's. */
public class PromQLException extends RuntimeException {
  private final ErrorType type;

  public PromQLException(ErrorType type, String message) {
    super(message);
    this.type = type;
  }

  public ErrorType type() {
    return type;
  }
}
