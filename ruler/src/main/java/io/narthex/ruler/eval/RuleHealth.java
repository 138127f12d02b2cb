package io.narthex.ruler.eval;

/** A rule's health as Prometheus's {@code rules.RuleHealth}, spelled as {@code /api/v1/rules} writes it. */
public enum RuleHealth {
  /** Not evaluated yet, or not evaluated at all (alerting rules until their evaluator exists). */
  UNKNOWN("unknown"),
  OK("ok"),
  ERR("err");

  private final String apiName;

  RuleHealth(String apiName) {
    this.apiName = apiName;
  }

  public String apiName() {
    return apiName;
  }
}
