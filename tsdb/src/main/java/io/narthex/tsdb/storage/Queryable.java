package io.narthex.tsdb.storage;

/** Something that opens a {@link Querier} over a time range, in milliseconds, both ends inclusive. */
@FunctionalInterface
public interface Queryable {
  Querier querier(long minTimeMs, long maxTimeMs);
}
