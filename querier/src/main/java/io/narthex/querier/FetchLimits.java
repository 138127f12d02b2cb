package io.narthex.querier;

import io.narthex.common.ErrorId;
import io.narthex.promql.ErrorType;
import io.narthex.promql.PromQLException;

/**
 * How much one query may fetch from ingesters and store-gateways, as Mimir's per-tenant limits
 * {@code max_fetched_series_per_query}, {@code max_fetched_chunks_per_query} and
 * {@code max_fetched_chunk_bytes_per_query}. 0 means unlimited. Exceeding one fails the query with 422 (errorType
 * execution) and a message carrying the limit, its {@code err-narthex-*} id and the flag that raises it, in the
 * shape of Mimir's {@code err-mimir-max-series-per-query} and siblings.
 *
 * @param maxSeries distinct series over all selectors of the query
 * @param maxChunks chunks, counted as they arrive from each source (before merging or decoding)
 * @param maxChunkBytes encoded chunk bytes, counted like chunks
 */
public record FetchLimits(long maxSeries, long maxChunks, long maxChunkBytes) {
  public static final FetchLimits UNLIMITED = new FetchLimits(0, 0, 0);

  public FetchLimits {
    if (maxSeries < 0 || maxChunks < 0 || maxChunkBytes < 0) {
      throw new IllegalArgumentException("fetch limits must be >= 0 (0 = unlimited): series=" + maxSeries
          + " chunks=" + maxChunks + " chunkBytes=" + maxChunkBytes);
    }
  }

  static PromQLException seriesExceeded(long limit) {
    return exceeded("the query exceeded the maximum number of series (limit: " + limit + " series)",
        ErrorId.MAX_SERIES_PER_QUERY, "-querier.max-fetched-series-per-query");
  }

  static PromQLException chunksExceeded(long limit) {
    return exceeded("the query exceeded the maximum number of chunks (limit: " + limit + " chunks)",
        ErrorId.MAX_CHUNKS_PER_QUERY, "-querier.max-fetched-chunks-per-query");
  }

  static PromQLException chunkBytesExceeded(long limit) {
    return exceeded("the query exceeded the aggregated chunks size limit (limit: " + limit + " bytes)",
        ErrorId.MAX_CHUNKS_BYTES_PER_QUERY, "-querier.max-fetched-chunk-bytes-per-query");
  }

  private static PromQLException exceeded(String what, ErrorId id, String flag) {
    return new PromQLException(ErrorType.EXECUTION, id.withId(what) + ". Select less: a shorter time range, or"
        + " more label matchers so that fewer series match. To raise the per-tenant limit, set " + flag
        + " (or its override in the runtime configuration), or ask your service administrator.");
  }
}
