package io.narthex.promql.parser;

/** Static type of a PromQL expression, with Prometheus's spelling used in error messages. */
public enum ValueType {
  NONE("none"),
  SCALAR("scalar"),
  VECTOR("instant vector"),
  MATRIX("range vector"),
  STRING("string");

  private final String display;

  ValueType(String display) {
    this.display = display;
  }

  @Override
  public String toString() {
    return display;
  }
}
