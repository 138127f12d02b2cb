package io.narthex.querier;

import io.narthex.tsdb.storage.QueryDeadline;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.ChunkMerger;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.MergedSeries;
import io.narthex.tsdb.storage.WindowedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.storage.Queryable;
import io.narthex.tsdb.storage.SelectHints;
import io.narthex.tsdb.storage.SortedSeriesMerge;
import io.narthex.tsdb.storage.Series;
import io.narthex.tsdb.storage.StorageException;
import io.narthex.tsdb.storage.Tombstones;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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
  /**
   * The {@link SelectHints#function()} of a select that needs series labels only, as Prometheus's
   * {@code /api/v1/series} sets it: the answer's series have no samples then.
   */
  public static final String SERIES_FUNCTION = "series";
  private final ChunkSource ingesters;
  private final ChunkSource store;
  private final Duration queryIngestersWithin;
  private final Duration queryStoreAfter;
  private final Clock clock;
  private final ExecutorService executor;
  private final Tombstones tombstones;
  private FetchLimits limits = FetchLimits.UNLIMITED;
  /** What this query fetched so far, over all its selects: a MergingQueryable serves one query. */
  private final java.util.Set<Labels> fetchedSeries = new java.util.HashSet<>();
  private long fetchedChunks;
  private long fetchedChunkBytes;

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

  /**
   * Applies Mimir's per-query fetch limits to every select of this queryable (which serves one query): series,
   * chunks and chunk bytes are counted as each source's answer arrives, before merging and decoding, and the query
   * fails with 422 once one is exceeded.
   */
  public MergingQueryable withLimits(FetchLimits limits) {
    this.limits = limits;
    return this;
  }

  /** Counts one source's answer against the limits; synchronized since a query's selects may run in parallel. */
  private synchronized void count(List<EncodedSeries> part) {
    if (limits.equals(FetchLimits.UNLIMITED)) {
      return;
    }
    for (EncodedSeries series : part) {
      if (limits.maxSeries() > 0 && fetchedSeries.add(series.labels())
          && fetchedSeries.size() > limits.maxSeries()) {
        throw FetchLimits.seriesExceeded(limits.maxSeries());
      }
      fetchedChunks += series.chunks().size();
      if (limits.maxChunks() > 0 && fetchedChunks > limits.maxChunks()) {
        throw FetchLimits.chunksExceeded(limits.maxChunks());
      }
      for (EncodedChunk chunk : series.chunks()) {
        fetchedChunkBytes += chunk.data().length;
      }
      if (limits.maxChunkBytes() > 0 && fetchedChunkBytes > limits.maxChunkBytes()) {
        throw FetchLimits.chunkBytesExceeded(limits.maxChunkBytes());
      }
    }
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
        // With the series hint, sources send labels without chunks; a tenant with deletions needs the chunks to
        // tell a series whose samples are all deleted, so the hint is not passed on then.
        SelectHints sourceHints = hints != null && SERIES_FUNCTION.equals(hints.function()) && !tombstones.isEmpty()
            ? new SelectHints(hints.startMs(), hints.endMs(), hints.stepMs(), "", hints.rangeMs()) : hints;
        List<List<EncodedSeries>> parts = both(
            split.ingesterRange() == null ? null
                : () -> ingesters.select(split.ingesterRange()[0], split.ingesterRange()[1], sourceHints, matchers),
            split.storeRange() == null ? null
                : () -> store.select(split.storeRange()[0], split.storeRange()[1], sourceHints, matchers),
            MergingQueryable.this::count);
        // Each source's series are sorted by labels (ChunkSource's contract): merged without a sort.
        List<EncodedSeries> merged = SortedSeriesMerge.merge(parts);
        List<Series> out = new ArrayList<>(merged.size());
        boolean labelsOnly = hints != null && SERIES_FUNCTION.equals(hints.function());
        for (EncodedSeries entry : merged) {
          if (labelsOnly && tombstones.intervals(entry.labels()).isEmpty()) {
            // The series API wants labels only: the sources selected it by its chunks' time range, as Prometheus's
            // index does, so nothing is merged or decoded (only a series with deletions is checked for samples).
            out.add(new WindowedSeries(new EncodedSeries(entry.labels(), List.of()), startMs, endMs));
            continue;
          }
          // A block both an ingester (which shipped it) and a store-gateway serve comes twice: one copy is read.
          // Chunks that still overlap are merged as they are read, not re-encoded.
          List<EncodedChunk> chunks = byMinTime(entry.chunks());
          if (ChunkMerger.hasOverlap(chunks)) {
            chunks = ChunkMerger.withoutCopies(chunks);
          }
          Series series = tombstones.filter(ChunkMerger.hasOverlap(chunks)
              ? new MergedSeries(entry.labels(), chunks, startMs, endMs)
              : new WindowedSeries(chunks == entry.chunks() ? entry : new EncodedSeries(entry.labels(), chunks),
                  startMs, endMs));
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
                : () -> store.labelNames(split.storeRange()[0], split.storeRange()[1], matchers), part -> { })
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
                : () -> store.labelValues(name, split.storeRange()[0], split.storeRange()[1], matchers),
            part -> { })
            .forEach(values::addAll);
        return new ArrayList<>(values);
      }
    };
  }

  /** {@code chunks} sorted by start time: itself when it already is (one source's series), else a sorted copy. */
  private static List<EncodedChunk> byMinTime(List<EncodedChunk> chunks) {
    for (int i = 1; i < chunks.size(); i++) {
      if (chunks.get(i).minTimeMs() < chunks.get(i - 1).minTimeMs()) {
        List<EncodedChunk> sorted = new ArrayList<>(chunks);
        sorted.sort(Comparator.comparingLong(EncodedChunk::minTimeMs));
        return sorted;
      }
    }
    return chunks;
  }

  /**
   * Runs the non-null calls, the store's on another thread, handing each answer to {@code arrived} as it comes in;
   * either failing fails the whole call (the store's call is cancelled when the ingesters' answer is rejected).
   */
  private <T> List<T> both(Supplier<T> fromIngesters, Supplier<T> fromStore, java.util.function.Consumer<T> arrived) {
    List<T> out = new ArrayList<>(2);
    // An executor's Future, not a CompletableFuture: cancelling it interrupts a store read the query gave up on.
    Supplier<T> storeRead = fromStore == null ? null : QueryDeadline.carried(fromStore);
    java.util.concurrent.Future<T> storeFuture = storeRead == null ? null : executor.submit(storeRead::get);
    try {
      if (fromIngesters != null) {
        T answer = fromIngesters.get();
        arrived.accept(answer);
        out.add(answer);
      }
      if (storeFuture != null) {
        T answer = QueryDeadline.await(storeFuture, "expanding series");
        arrived.accept(answer);
        out.add(answer);
      }
    } catch (RuntimeException e) {
      if (storeFuture != null) {
        storeFuture.cancel(true);
      }
      if (!(e instanceof CompletionException)) {
        throw e;
      }
      Throwable cause = e.getCause();
      throw cause instanceof StorageException se ? se : new StorageException("reading blocks failed: " + cause, cause);
    }
    return out;
  }
}
