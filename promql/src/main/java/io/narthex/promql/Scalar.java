package io.narthex.promql;

/** A scalar value at a timestamp in milliseconds. */
public record Scalar(long timestampMs, double value) implements Value {}
