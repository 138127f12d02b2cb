package io.narthex.promql;

/** Error classes of the Prometheus HTTP API, with their {@code errorType} spelling. */
public enum ErrorType {
  BAD_DATA("bad_data"),
  EXECUTION("execution"),
  TIMEOUT("timeout"),
  CANCELED("canceled"),
  INTERNAL("internal");

  private final String apiName;

  ErrorType(String apiName) {
    this.apiName = apiName;
  }

  public String apiName() {
    return apiName;
  }
}
