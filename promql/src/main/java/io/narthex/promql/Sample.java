package io.narthex.promql;

import io.narthex.tsdb.labels.Labels;

/** One element of an instant vector: labels, timestamp in milliseconds and float value. */
public record Sample(Labels labels, long timestampMs, double value) {}
