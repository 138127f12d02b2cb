package io.narthex.promql;

import java.util.List;

/** Internal evaluation result over a step grid. */
sealed interface Result {
  record Vec(List<StepSeries> series) implements Result {}

  record Scal(double[] values) implements Result {}

  record Str(String value) implements Result {}
}
