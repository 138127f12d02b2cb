package io.narthex.distributor;

/**
 * One tenant's write limits, with Mimir's names, flags and defaults; each is overridable per tenant in the
 * runtime config file ({@code overrides: <tenant>: <yaml key>}).
 *
 * @param ingestionRate samples per second a tenant may send to one distributor ({@code ingestion_rate},
 *     {@code -distributor.ingestion-rate-limit}, 10000)
 * @param ingestionBurstSize most samples accepted at once above the rate ({@code ingestion_burst_size},
 *     {@code -distributor.ingestion-burst-size}, 200000); also the largest request that can ever pass
 * @param maxGlobalSeriesPerUser most in-memory series of the tenant summed over every shard, 0 for no limit
 *     ({@code max_global_series_per_user}, {@code -ingester.max-global-series-per-user}, 150000)
 * @param maxGlobalSeriesPerMetric most in-memory series of one metric name of the tenant over every shard, 0 for no
 *     limit ({@code max_global_series_per_metric}, {@code -ingester.max-global-series-per-metric}, 0)
 */
public record TenantLimits(
    double ingestionRate, int ingestionBurstSize, int maxGlobalSeriesPerUser, int maxGlobalSeriesPerMetric) {
  static final String INGESTION_RATE_FLAG = "-distributor.ingestion-rate-limit";
  static final String INGESTION_BURST_SIZE_FLAG = "-distributor.ingestion-burst-size";
  static final String MAX_SERIES_PER_USER_FLAG = "-ingester.max-global-series-per-user";
  static final String MAX_SERIES_PER_METRIC_FLAG = "-ingester.max-global-series-per-metric";

  /** Mimir's defaults. */
  public static TenantLimits defaults() {
    return new TenantLimits(10_000, 200_000, 150_000, 0);
  }

  /** No limit at all, for tests and tools. */
  public static TenantLimits unlimited() {
    return new TenantLimits(Double.POSITIVE_INFINITY, Integer.MAX_VALUE, 0, 0);
  }

  /** The limits of one tenant: the flags' values with the tenant's runtime overrides applied. */
  @FunctionalInterface
  public interface Source {
    TenantLimits of(String tenant);
  }
}
