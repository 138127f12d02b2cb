package io.narthex.promql;

import java.util.List;

/** A range vector; results of range queries are sorted by labels. */
public record Matrix(List<RangeSeries> series) implements Value {}
