package io.narthex.template;

import java.util.Map;

/**
 * One sample of a {@code query} result as templates see it, Prometheus's {@code *template.sample}: {@code .Labels}
 * (the metric name under {@code __name__}) and {@code .Value}.
 */
public record Sample(Map<String, String> labels, double value) implements GoTyped {
  public Sample {
    labels = Map.copyOf(labels);
  }

  @Override
  public String goTypeName() {
    return "*template.sample";
  }
}
