package io.narthex.promql;

import java.util.List;

/** An instant vector: samples that share one evaluation timestamp. */
public record Vector(List<Sample> samples) implements Value {}
