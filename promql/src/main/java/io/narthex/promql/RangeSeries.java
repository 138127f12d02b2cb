package io.narthex.promql;

import io.narthex.tsdb.labels.Labels;

/** One series of a range vector: parallel arrays of timestamps (milliseconds, ascending) and values. */
public record RangeSeries(Labels labels, long[] timestampsMs, double[] values) {}
