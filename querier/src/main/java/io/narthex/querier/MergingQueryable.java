package io.narthex.querier;

import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.ChunkMerger;
import io.narthex.tsdb.storage.ChunkSeries;
import io.narthex.tsdb.storage.ChunkedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.storage.Queryable;
import io.narthex.tsdb.storage.SelectHints;
import io.narthex.tsdb.storage.Series;
import io.narthex.tsdb.storage.StorageException;
import io.narthex.tsdb.storage.Tombstones;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * One tenant's data from the ingesters (recent) and the store-gateways (blocks), as Mimir's querier splits it:
 * ingesters are asked only for the last {@code queryIngestersWithin} and the store only for data older than
 * {@code queryStoreAfter} (zero means always, for both). Both are read in parallel; a series found in both, or
 * in overlapping blocks, has its samples merged with one sample per timestamp.
 */
public final class MergingQueryable implements Queryable {
  private final ChunkSource ingesters;
  private final ChunkSource store;
  private final Duration queryIngestersWithin;
  private final Duration queryStoreAfter;
  private final Clock clock;
  private final ExecutorService executor;
  private final Tombstones tombstones;

  /** @param store null when no store-gateway is configured */
  public MergingQueryable(ChunkSource ingesters, ChunkSource store, Duration queryIngestersWithin,
      Duration queryStoreAfter, Clock clock, ExecutorService executor) {
    this(ingesters, store, queryIngestersWithin, queryStoreAfter, clock, executor, Tombstones.NONE);
  }

  /**
   * @param store null when no store-gateway is configured
   * @param tombstones the tenant's deletion requests: their samples are hidden from every answer
   */
  public MergingQueryable(ChunkSource ingesters, ChunkSource store, Duration queryIngestersWithin,
      Duration queryStoreAfter, Clock clock, ExecutorService executor, Tombstones tombstones) {
    this.tombstones = tombstones;
    this.ingesters = ingesters;
    this.store = store;
    this.queryIngestersWithin = queryIngestersWithin;
    this.queryStoreAfter = queryStoreAfter;
    this.clock = clock;
    this.executor = executor;
  }

  /** The part of {@code [minTimeMs, maxTimeMs]} each source answers for; null when it is not asked. */
  private record Split(long[] ingesterRange, long[] storeRange) {}

  private Split split(long minTimeMs, long maxTimeMs) {
    long nowMs = clock.millis();
    long[] ingesterRange = new long[] {minTimeMs, maxTimeMs};
    if (!queryIngestersWithin.isZero()) {
      ingesterRange[0] = Math.max(minTimeMs, nowMs - queryIngestersWithin.toMillis());
    }
    long[] storeRange = null;
    if (store != null) {
      storeRange = new long[] {minTimeMs, maxTimeMs};
      if (!queryStoreAfter.isZero()) {
        storeRange[1] = Math.min(maxTimeMs, nowMs - queryStoreAfter.toMillis());
      }
    }
    return new Split(ingesterRange[0] <= ingesterRange[1] ? ingesterRange : null,
        storeRange != null && storeRange[0] <= storeRange[1] ? storeRange : null);
  }

  @Override
  public Querier querier(long minTimeMs, long maxTimeMs) {
    return new Querier() {
      @Override
      public List<Series> select(boolean sorted, SelectHints hints, List<Matcher> matchers) {
        long startMs = hints == null ? minTimeMs : hints.startMs();
        long endMs = hints == null ? maxTimeMs : hints.endMs();
        Split split = split(startMs, endMs);
        List<List<ChunkSeries>> parts = both(
            split.ingesterRange() == null ? null
                : () -> ingesters.select(split.ingesterRange()[0], split.ingesterRange()[1], hints, matchers),
            split.storeRange() == null ? null
                : () -> store.select(split.storeRange()[0], split.storeRange()[1], hints, matchers));
        Map<Labels, List<EncodedChunk>> merged = new TreeMap<>();
        for (List<ChunkSeries> part : parts) {
          for (ChunkSeries series : part) {
            merged.computeIfAbsent(series.labels(), l -> new ArrayList<>()).addAll(series.chunks());
          }
        }
        List<Series> out = new ArrayList<>(merged.size());
        for (Map.Entry<Labels, List<EncodedChunk>> entry : merged.entrySet()) {
          List<EncodedChunk> chunks = entry.getValue();
          chunks.sort(Comparator.comparingLong(EncodedChunk::minTimeMs));
          Series series = tombstones.filter(new ChunkedSeries(
              new ChunkSeries(entry.getKey(), ChunkMerger.mergeOverlapping(chunks)), startMs, endMs));
          // Chunks may overlap the range with no sample inside it (or only deleted ones): not selected then.
          if (series.iterator().next()) {
            out.add(series);
          }
        }
        return out;
      }

      @Override
      public List<String> labelNames(List<Matcher> matchers) {
        Split split = split(minTimeMs, maxTimeMs);
        TreeSet<String> names = new TreeSet<>();
        both(split.ingesterRange() == null ? null
                : () -> ingesters.labelNames(split.ingesterRange()[0], split.ingesterRange()[1], matchers),
            split.storeRange() == null ? null
                : () -> store.labelNames(split.storeRange()[0], split.storeRange()[1], matchers))
            .forEach(names::addAll);
        return new ArrayList<>(names);
      }

      @Override
      public List<String> labelValues(String name, List<Matcher> matchers) {
        Split split = split(minTimeMs, maxTimeMs);
        TreeSet<String> values = new TreeSet<>();
        both(split.ingesterRange() == null ? null
                : () -> ingesters.labelValues(name, split.ingesterRange()[0], split.ingesterRange()[1], matchers),
            split.storeRange() == null ? null
                : () -> store.labelValues(name, split.storeRange()[0], split.storeRange()[1], matchers))
            .forEach(values::addAll);
        return new ArrayList<>(values);
      }
    };
  }

  /** Runs the non-null calls, the store's on another thread; either failing fails the whole call. */
  private <T> List<T> both(Supplier<T> fromIngesters, Supplier<T> fromStore) {
    List<T> out = new ArrayList<>(2);
    CompletableFuture<T> storeFuture = fromStore == null ? null : CompletableFuture.supplyAsync(fromStore, executor);
    try {
      if (fromIngesters != null) {
        out.add(fromIngesters.get());
      }
      if (storeFuture != null) {
        out.add(storeFuture.join());
      }
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof StorageException se ? se : new StorageException("reading blocks failed: " + cause, cause);
    }
    return out;
  }
}
