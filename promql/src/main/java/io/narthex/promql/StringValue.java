package io.narthex.promql;

/** A string value at a timestamp in milliseconds. */
public record StringValue(long timestampMs, String value) implements Value {}
