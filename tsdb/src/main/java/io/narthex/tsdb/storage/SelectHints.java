package io.narthex.tsdb.storage;

/**
 * What a select is for, as Prometheus's {@code storage.SelectHints}: lets storage skip data the query cannot use.
 *
 * @param startMs first timestamp the query needs, inclusive, in milliseconds
 * @param endMs last timestamp the query needs, inclusive, in milliseconds
 * @param stepMs query step in milliseconds, 0 for an instant query
 * @param function the function wrapping the selector, or empty
 * @param rangeMs the range of a range selector in milliseconds, 0 for an instant selector
 */
public record SelectHints(long startMs, long endMs, long stepMs, String function, long rangeMs) {
  public static SelectHints of(long startMs, long endMs) {
    return new SelectHints(startMs, endMs, 0, "", 0);
  }
}
