package io.narthex.promql;

/** A PromQL query result value: scalar, string, instant vector or range vector (matrix). */
public sealed interface Value permits Scalar, StringValue, Vector, Matrix {}
