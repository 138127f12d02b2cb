package io.narthex.distributor;

import io.narthex.ingester.client.PushEntryBuilder;
import io.narthex.ingester.client.ShardWriter;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.SeriesLimits;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each tenant's series on every shard, as the shards last reported them in push answers, for the global series
 * limits ({@link TenantLimits#maxGlobalSeriesPerUser}, {@link TenantLimits#maxGlobalSeriesPerMetric}). A count older
 * than {@link #REFRESH_NANOS} is asked for again with an empty push before the tenant's next one is sent. From these
 * counts the distributor gives each entry its shard's cap: the global limit minus what the other shards hold, which
 * the shard's state machine enforces on new series only, the same on every replica. Thread-safe.
 */
final class SeriesCounts {
  private static final Logger log = LoggerFactory.getLogger(SeriesCounts.class);
  /** How old a shard's count may be before a push waits for a fresh one. */
  static final long REFRESH_NANOS = 10_000_000_000L;
  /** How long a push waits for the shards' counts; a shard slower than that keeps its last count. */
  private static final long PROBE_WAIT_NANOS = 2_000_000_000L;
  /** A tenant unseen this long is forgotten (its counts are asked for again if it comes back). */
  private static final long FORGET_NANOS = 600_000_000_000L;
  /** Upper bound on the encoded size of a SeriesLimits field without metrics. */
  static final int LIMITS_BASE_BYTES = 32;

  private final List<ShardWriter> shards;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<String, Tenant> tenants = new ConcurrentHashMap<>();
  private volatile long lastSweepNanos;

  SeriesCounts(List<ShardWriter> shards, LongSupplier nanoTime) {
    this.shards = shards;
    this.nanoTime = nanoTime;
    this.lastSweepNanos = nanoTime.getAsLong();
  }

  /** Bytes a metric name adds to an entry's SeriesLimits, at most. */
  static int metricBytes(String metric) {
    return metric.length() * 3 + 24;
  }

  /**
   * The tenant's counts, first asking every shard whose count of the tenant (or of one of {@code metrics}) is unknown
   * or older than {@link #REFRESH_NANOS}. A shard that does not answer within 2s keeps its last count (0 when never
   * known) and is not asked again for {@link #REFRESH_NANOS}, so that a shard down does not hold every push back.
   */
  Tenant refreshed(String tenant, Collection<String> metrics) {
    long now = nanoTime.getAsLong();
    sweep(now);
    Tenant counts = tenants.computeIfAbsent(tenant, t -> new Tenant(shards.size()));
    counts.lastUsedNanos = now;
    List<CompletableFuture<PushResponse>> probes = new ArrayList<>();
    List<Integer> probed = new ArrayList<>();
    for (int shard = 0; shard < shards.size(); shard++) {
      if (!counts.isFresh(shard, metrics, now) && counts.mayProbe(shard, now)) {
        probes.add(probe(tenant, shard, metrics));
        probed.add(shard);
      }
    }
    long deadline = now + PROBE_WAIT_NANOS;
    for (int i = 0; i < probes.size(); i++) {
      int shard = probed.get(i);
      try {
        PushResponse response = probes.get(i).get(Math.max(0, deadline - nanoTime.getAsLong()), TimeUnit.NANOSECONDS);
        counts.update(shard, response, nanoTime.getAsLong());
      } catch (ExecutionException | TimeoutException | RuntimeException e) {
        counts.probeFailed(shard, nanoTime.getAsLong());
        // A late answer still updates the counts for the next push.
        probes.get(i).thenAccept(response -> counts.update(shard, response, nanoTime.getAsLong()));
        log.warn("series count not refreshed tenant={} shard={} err=\"{}\"", tenant, shards.get(shard).name(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return counts;
  }

  /** An entry without series, whose answer carries the shard's counts of the tenant and of {@code metrics}. */
  private CompletableFuture<PushResponse> probe(String tenant, int shard, Collection<String> metrics) {
    PushEntryBuilder entry = new PushEntryBuilder(tenant);
    SeriesLimits.Builder countOnly = SeriesLimits.newBuilder();
    int bytes = LIMITS_BASE_BYTES;
    for (String metric : metrics) {
      countOnly.putMaxSeriesPerMetric(metric, Long.MAX_VALUE);
      bytes += metricBytes(metric);
    }
    entry.reserve(bytes);
    try {
      return shards.get(shard).pushEntry(entry.build(countOnly.build()));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void sweep(long now) {
    if (now - lastSweepNanos < REFRESH_NANOS) {
      return;
    }
    lastSweepNanos = now;
    tenants.values().removeIf(t -> now - t.lastUsedNanos > FORGET_NANOS);
    tenants.values().forEach(t -> t.forgetMetricsOlderThan(now - FORGET_NANOS));
  }

  int tenantsTracked() {
    return tenants.size();
  }

  /** One tenant's counts per shard. */
  static final class Tenant {
    /** Held while a push near a limit is sent shard after shard, so that two cannot share the same headroom. */
    final ReentrantLock nearLimit = new ReentrantLock();
    private final long[] series;
    private final long[] seriesAtNanos;
    private final long[] failedProbeAtNanos;
    private final Map<String, long[]> metricSeries = new HashMap<>();
    private final Map<String, long[]> metricAtNanos = new HashMap<>();
    private volatile long lastUsedNanos;

    Tenant(int shardCount) {
      series = new long[shardCount];
      seriesAtNanos = new long[shardCount];
      failedProbeAtNanos = new long[shardCount];
    }

    /** Whether to ask the shard now: not within {@link #REFRESH_NANOS} of a probe it failed to answer. */
    synchronized boolean mayProbe(int shard, long now) {
      return failedProbeAtNanos[shard] == 0 || now - failedProbeAtNanos[shard] >= REFRESH_NANOS;
    }

    synchronized void probeFailed(int shard, long now) {
      failedProbeAtNanos[shard] = now;
    }

    synchronized void update(int shard, PushResponse response, long now) {
      series[shard] = response.getTenantSeries();
      seriesAtNanos[shard] = now;
      for (Map.Entry<String, Long> metric : response.getMetricSeriesMap().entrySet()) {
        metricSeries.computeIfAbsent(metric.getKey(), m -> new long[series.length])[shard] = metric.getValue();
        metricAtNanos.computeIfAbsent(metric.getKey(), m -> new long[series.length])[shard] = now;
      }
    }

    synchronized boolean isFresh(int shard, Collection<String> metrics, long now) {
      if (seriesAtNanos[shard] == 0 || now - seriesAtNanos[shard] > REFRESH_NANOS) {
        return false;
      }
      for (String metric : metrics) {
        long[] at = metricAtNanos.get(metric);
        if (at == null || at[shard] == 0 || now - at[shard] > REFRESH_NANOS) {
          return false;
        }
      }
      return true;
    }

    /** The tenant's series over every shard but {@code exceptShard} (-1 for all). */
    synchronized long series(int exceptShard) {
      long sum = 0;
      for (int shard = 0; shard < series.length; shard++) {
        sum += shard == exceptShard ? 0 : series[shard];
      }
      return sum;
    }

    /** The metric's series over every shard but {@code exceptShard} (-1 for all). */
    synchronized long metricSeries(String metric, int exceptShard) {
      long[] counts = metricSeries.get(metric);
      long sum = 0;
      for (int shard = 0; counts != null && shard < counts.length; shard++) {
        sum += shard == exceptShard ? 0 : counts[shard];
      }
      return sum;
    }

    private synchronized void forgetMetricsOlderThan(long nanos) {
      metricAtNanos.entrySet().removeIf(metric -> {
        for (long at : metric.getValue()) {
          if (at > nanos) {
            return false;
          }
        }
        metricSeries.remove(metric.getKey());
        return true;
      });
    }

    /**
     * The caps of an entry for {@code shard}: the global limits minus what the other shards hold, so that the
     * shard may grow into all of the tenant's headroom.
     */
    SeriesLimits capsFor(int shard, TenantLimits limits, Collection<String> metrics) {
      SeriesLimits.Builder caps = SeriesLimits.newBuilder();
      if (limits.maxGlobalSeriesPerUser() > 0) {
        caps.setLimitSeries(true).setMaxSeries(Math.max(0, limits.maxGlobalSeriesPerUser() - series(shard)));
      }
      if (limits.maxGlobalSeriesPerMetric() > 0) {
        for (String metric : metrics) {
          caps.putMaxSeriesPerMetric(metric,
              Math.max(0, limits.maxGlobalSeriesPerMetric() - metricSeries(metric, shard)));
        }
      }
      return caps.build();
    }
  }
}
