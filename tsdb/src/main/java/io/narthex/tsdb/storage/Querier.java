package io.narthex.tsdb.storage;

import io.narthex.tsdb.labels.Matcher;
import java.util.List;

/**
 * Reads series over a fixed time range, as Prometheus's {@code storage.Querier}. Implemented by the head, by the
 * querier's fan-out to ingesters, and later by blocks and store-gateways.
 *
 * <p>Errors are unchecked: {@link StorageException} for a fault of the storage (reported as a 5xx).
 */
public interface Querier extends AutoCloseable {
  /**
   * Series whose labels satisfy every matcher and that have samples in the querier's range. Results are sorted by
   * label set when {@code sorted} is true.
   */
  List<Series> select(boolean sorted, SelectHints hints, List<Matcher> matchers);

  /** Sorted, distinct label names of series that match every matcher (all series when there are none). */
  List<String> labelNames(List<Matcher> matchers);

  /** Sorted, distinct values of {@code name} on series that match every matcher. */
  List<String> labelValues(String name, List<Matcher> matchers);

  @Override
  default void close() {}
}
