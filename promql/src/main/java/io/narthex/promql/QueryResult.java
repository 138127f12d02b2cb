package io.narthex.promql;

import java.util.List;

/** The value of a query plus the annotations (warnings and infos) Prometheus would return alongside it. */
public record QueryResult(Value value, List<String> warnings, List<String> infos) {}
