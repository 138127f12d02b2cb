package io.narthex.promql;

import io.narthex.tsdb.labels.Labels;

/** An instant-vector series evaluated over every step of an evaluation: value and presence per step index. */
final class StepSeries {
  Labels labels;
  final double[] values;
  final boolean[] present;

  StepSeries(Labels labels, int steps) {
    this.labels = labels;
    this.values = new double[steps];
    this.present = new boolean[steps];
  }

  void set(int step, double value) {
    values[step] = value;
    present[step] = true;
  }

  boolean isEmpty() {
    for (boolean p : present) {
      if (p) {
        return false;
      }
    }
    return true;
  }
}
