package io.narthex.ruler.alert;

import io.narthex.tsdb.labels.Labels;

/**
 * Expands one alert label or annotation template for one series of an alerting rule's result. Implementations bind
 * Prometheus's {@code $labels}, {@code $value}, {@code $externalLabels} and {@code $externalURL}, and write a failed
 * expansion as {@code <error expanding template: ...>} rather than throwing, as {@code AlertingRule.Eval} does.
 */
@FunctionalInterface
public interface AlertTemplateExpander {

  /** Leaves every text as written; for rules without templates and for tests of the state machine. */
  AlertTemplateExpander VERBATIM = (templateName, text, seriesLabels, value, evalTimestampMs) -> text;

  /**
   * @param templateName {@code __alert_<alertname>}, the name Prometheus gives the template in its errors
   * @param text the label value or annotation as written in the rule
   * @param seriesLabels the result series' labels, {@code __name__} included, bound to {@code $labels}
   * @param value the series' value, bound to {@code $value}
   * @param evalTimestampMs the evaluation instant (before the query offset), the time of the template's queries
   */
  String expand(String templateName, String text, Labels seriesLabels, double value, long evalTimestampMs);
}
