package io.narthex.querier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.promql.ErrorType;
import io.narthex.promql.PromQLException;
import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.QueryDeadline;
import io.narthex.tsdb.storage.EncodedChunk;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.storage.SampleIterator;
import io.narthex.tsdb.storage.SelectHints;
import io.narthex.tsdb.storage.Tombstone;
import io.narthex.tsdb.storage.Tombstones;
import io.narthex.tsdb.storage.Series;
import io.narthex.tsdb.storage.StorageException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MergingQueryableTest {
  private static final long HOUR_MS = 3_600_000L;
  private static final long NOW_MS = 1_000 * HOUR_MS;
  private static final Labels UP = Labels.of("__name__", "up", "job", "node");

  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  @AfterEach
  void stop() {
    executor.close();
  }

  /** A source holding one series with a sample every minute over [fromMs, toMs], recording the ranges asked. */
  private static class FixedSource implements ChunkSource {
    final List<long[]> asked = new ArrayList<>();
    final List<String> functions = new ArrayList<>();
    final List<EncodedSeries> series;
    RuntimeException failure;

    FixedSource(long fromMs, long toMs, double value) {
      XorAppender appender = new XorAppender();
      for (long t = fromMs; t <= toMs; t += 60_000) {
        appender.append(t, value);
      }
      series = List.of(new EncodedSeries(UP,
          List.of(new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes()))));
    }

    @Override
    public List<EncodedSeries> select(long startMs, long endMs, SelectHints hints, List<Matcher> matchers) {
      asked.add(new long[] {startMs, endMs});
      functions.add(hints == null ? null : hints.function());
      if (failure != null) {
        throw failure;
      }
      return series;
    }

    @Override
    public List<String> labelNames(long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
      asked.add(new long[] {minTimeMs, maxTimeMs});
      return List.of("__name__", "job");
    }

    @Override
    public List<String> labelValues(String name, long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
      asked.add(new long[] {minTimeMs, maxTimeMs});
      return List.of("node");
    }
  }

  private static List<long[]> samples(Series series) {
    List<long[]> out = new ArrayList<>();
    SampleIterator it = series.iterator();
    while (it.next()) {
      out.add(new long[] {it.timestampMs(), (long) it.value()});
    }
    return out;
  }

  @Test
  void splitsTheRangeLikeMimirAndMergesOverlappingSamplesOnce() {
    // Ingesters hold the last 14h (value 1), blocks everything up to 2h ago (value 2): 12h of overlap.
    FixedSource ingesters = new FixedSource(NOW_MS - 14 * HOUR_MS, NOW_MS, 1);
    FixedSource store = new FixedSource(NOW_MS - 48 * HOUR_MS, NOW_MS - 2 * HOUR_MS, 2);
    MergingQueryable queryable = new MergingQueryable(ingesters, store, Duration.ofHours(13), Duration.ofHours(12),
        Clock.fixed(Instant.ofEpochMilli(NOW_MS), ZoneOffset.UTC), executor);

    List<Series> selected;
    try (Querier querier = queryable.querier(NOW_MS - 24 * HOUR_MS, NOW_MS)) {
      selected = querier.select(true, null, List.of(Matcher.equal("__name__", "up")));
    }

    assertThat(ingesters.asked).containsExactly(new long[] {NOW_MS - 13 * HOUR_MS, NOW_MS});
    assertThat(store.asked).containsExactly(new long[] {NOW_MS - 24 * HOUR_MS, NOW_MS - 12 * HOUR_MS});
    assertThat(selected).hasSize(1);
    List<long[]> samples = samples(selected.getFirst());
    assertThat(samples).hasSize(24 * 60 + 1);
    assertThat(samples).extracting(s -> s[0]).doesNotHaveDuplicates().isSorted();
    assertThat(samples.getFirst()).containsExactly(NOW_MS - 24 * HOUR_MS, 2);
    assertThat(samples.getLast()).containsExactly(NOW_MS, 1);
  }

  @Test
  void recentQueriesSkipTheStoreAndOldQueriesSkipTheIngesters() {
    FixedSource ingesters = new FixedSource(NOW_MS - HOUR_MS, NOW_MS, 1);
    FixedSource store = new FixedSource(NOW_MS - 48 * HOUR_MS, NOW_MS - 30 * HOUR_MS, 2);
    MergingQueryable queryable = new MergingQueryable(ingesters, store, Duration.ofHours(13), Duration.ofHours(12),
        Clock.fixed(Instant.ofEpochMilli(NOW_MS), ZoneOffset.UTC), executor);

    try (Querier recent = queryable.querier(NOW_MS - HOUR_MS, NOW_MS)) {
      assertThat(recent.labelValues("job", List.of())).containsExactly("node");
    }
    assertThat(store.asked).isEmpty();
    try (Querier old = queryable.querier(NOW_MS - 40 * HOUR_MS, NOW_MS - 35 * HOUR_MS)) {
      assertThat(old.labelNames(List.of())).containsExactly("__name__", "job");
    }
    assertThat(ingesters.asked).hasSize(1);
    assertThat(store.asked).hasSize(1);
  }

  @Test
  @org.junit.jupiter.api.Timeout(30)
  void aStalledStoreGatewayEndsTheQueryAtItsDeadlineAndIsCancelled() throws Exception {
    FixedSource ingesters = new FixedSource(NOW_MS - HOUR_MS, NOW_MS, 1);
    java.util.concurrent.CountDownLatch interrupted = new java.util.concurrent.CountDownLatch(1);
    ChunkSource stalled = new FixedSource(NOW_MS - 48 * HOUR_MS, NOW_MS - 30 * HOUR_MS, 2) {
      @Override
      public List<EncodedSeries> select(long startMs, long endMs, SelectHints hints, List<Matcher> matchers) {
        try {
          Thread.sleep(Duration.ofMinutes(10)); // a store-gateway that never answers
        } catch (InterruptedException e) {
          interrupted.countDown();
        }
        return List.of();
      }
    };
    MergingQueryable queryable = new MergingQueryable(ingesters, stalled, Duration.ofHours(13), Duration.ofHours(12),
        Clock.fixed(Instant.ofEpochMilli(NOW_MS), ZoneOffset.UTC), executor);

    assertThatThrownBy(() -> QueryDeadline.call(System.nanoTime() + 300_000_000L, () -> {
      try (Querier querier = queryable.querier(NOW_MS - 40 * HOUR_MS, NOW_MS)) {
        return querier.select(true, null, List.of(Matcher.equal("__name__", "up")));
      }
    })).isInstanceOf(QueryDeadline.QueryTimeoutException.class)
        .hasMessage("query timed out in expanding series");
    // The waiting store call is cancelled, so it does not hold a thread after the query answered.
    assertThat(interrupted.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aFailingStoreFailsTheQueryInsteadOfAnsweringPartially() {
    FixedSource ingesters = new FixedSource(NOW_MS - HOUR_MS, NOW_MS, 1);
    FixedSource store = new FixedSource(NOW_MS - 48 * HOUR_MS, NOW_MS - 30 * HOUR_MS, 2);
    store.failure = new IllegalStateException("store-gateway unreachable");
    MergingQueryable queryable = new MergingQueryable(ingesters, store, Duration.ZERO, Duration.ZERO,
        Clock.fixed(Instant.ofEpochMilli(NOW_MS), ZoneOffset.UTC), executor);

    try (Querier querier = queryable.querier(NOW_MS - 40 * HOUR_MS, NOW_MS)) {
      assertThatThrownBy(() -> querier.select(true, null, List.of()))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("store-gateway unreachable");
    }
  }

  /** A source answering {@code seriesCount} series of {@code chunksEach} chunks of 10 bytes each. */
  private static final class ManySource implements ChunkSource {
    final List<EncodedSeries> series = new ArrayList<>();

    ManySource(int seriesCount, int chunksEach, byte[] chunkData) {
      for (int i = 0; i < seriesCount; i++) {
        List<EncodedChunk> chunks = new ArrayList<>();
        for (int c = 0; c < chunksEach; c++) {
          chunks.add(new EncodedChunk(NOW_MS - HOUR_MS + c, NOW_MS - HOUR_MS + c, chunkData));
        }
        series.add(new EncodedSeries(Labels.of("__name__", "up", "instance", "i" + i), chunks));
      }
    }

    @Override
    public List<EncodedSeries> select(long startMs, long endMs, SelectHints hints, List<Matcher> matchers) {
      return series;
    }

    @Override
    public List<String> labelNames(long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
      return List.of();
    }

    @Override
    public List<String> labelValues(String name, long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
      return List.of();
    }
  }

  private static final byte[] ONE_SAMPLE_CHUNK = oneSampleChunk();

  private static byte[] oneSampleChunk() {
    XorAppender appender = new XorAppender();
    appender.append(NOW_MS - HOUR_MS, 1);
    return appender.bytes();
  }

  private MergingQueryable limited(ChunkSource ingesters, FetchLimits limits) {
    return new MergingQueryable(ingesters, null, Duration.ZERO, Duration.ZERO,
        Clock.fixed(Instant.ofEpochMilli(NOW_MS), ZoneOffset.UTC), executor).withLimits(limits);
  }

  private static void assertLimitError(Throwable e, String id, String limitText, String flag) {
    assertThat(e).isInstanceOfSatisfying(PromQLException.class,
        p -> assertThat(p.type()).isEqualTo(ErrorType.EXECUTION));
    assertThat(e.getMessage()).contains("(" + limitText + ") (" + id + ")").contains(flag);
  }

  @Test
  void failsWith422PastMaxFetchedSeriesCountingDistinctSeriesOverTheWholeQuery() {
    MergingQueryable queryable = limited(new ManySource(3, 1, ONE_SAMPLE_CHUNK), new FetchLimits(3, 0, 0));
    try (Querier querier = queryable.querier(NOW_MS - HOUR_MS, NOW_MS)) {
      // The same three series twice (two selectors of one query) are three series.
      assertThat(querier.select(false, null, List.of())).hasSize(3);
      assertThat(querier.select(false, null, List.of())).hasSize(3);
    }
    MergingQueryable tight = limited(new ManySource(3, 1, ONE_SAMPLE_CHUNK), new FetchLimits(2, 0, 0));
    try (Querier querier = tight.querier(NOW_MS - HOUR_MS, NOW_MS)) {
      assertThatThrownBy(() -> querier.select(false, null, List.of())).satisfies(e -> assertLimitError(e,
          "err-narthex-max-series-per-query", "limit: 2 series", "-querier.max-fetched-series-per-query"));
    }
  }

  @Test
  void failsWith422PastMaxFetchedChunksAndChunkBytes() {
    ManySource source = new ManySource(2, 3, ONE_SAMPLE_CHUNK);
    try (Querier querier = limited(source, new FetchLimits(0, 5, 0)).querier(NOW_MS - HOUR_MS, NOW_MS)) {
      assertThatThrownBy(() -> querier.select(false, null, List.of())).satisfies(e -> assertLimitError(e,
          "err-narthex-max-chunks-per-query", "limit: 5 chunks", "-querier.max-fetched-chunks-per-query"));
    }
    long bytes = 6L * ONE_SAMPLE_CHUNK.length;
    try (Querier querier = limited(source, new FetchLimits(0, 0, bytes - 1)).querier(NOW_MS - HOUR_MS, NOW_MS)) {
      assertThatThrownBy(() -> querier.select(false, null, List.of())).satisfies(e -> assertLimitError(e,
          "err-narthex-max-chunks-bytes-per-query", "limit: " + (bytes - 1) + " bytes",
          "-querier.max-fetched-chunk-bytes-per-query"));
    }
    try (Querier querier = limited(source, new FetchLimits(2, 6, bytes)).querier(NOW_MS - HOUR_MS, NOW_MS)) {
      assertThat(querier.select(false, null, List.of())).hasSize(2);
    }
  }

  @Test
  void seriesSelectsReturnLabelsWithoutDecodingChunks() {
    // Chunk bytes that do not decode: a select that read them would fail.
    MergingQueryable queryable = limited(new ManySource(2, 2, new byte[] {(byte) 0xff, 0x7f}), FetchLimits.UNLIMITED);
    SelectHints seriesOnly = new SelectHints(NOW_MS - HOUR_MS, NOW_MS, 0, MergingQueryable.SERIES_FUNCTION, 0);
    try (Querier querier = queryable.querier(NOW_MS - HOUR_MS, NOW_MS)) {
      assertThat(querier.select(false, seriesOnly, List.of())).extracting(Series::labels).containsExactly(
          Labels.of("__name__", "up", "instance", "i0"), Labels.of("__name__", "up", "instance", "i1"));
      assertThatThrownBy(() -> querier.select(false, null, List.of())).isInstanceOf(RuntimeException.class);
    }
  }

  @Test
  void passesTheSeriesHintToTheSourcesOnlyForATenantWithoutDeletions() {
    SelectHints seriesOnly = new SelectHints(NOW_MS - HOUR_MS, NOW_MS, 0, MergingQueryable.SERIES_FUNCTION, 0);
    Clock clock = Clock.fixed(Instant.ofEpochMilli(NOW_MS), ZoneOffset.UTC);
    FixedSource plain = new FixedSource(NOW_MS - HOUR_MS, NOW_MS, 1);
    try (Querier querier = new MergingQueryable(plain, null, Duration.ZERO, Duration.ZERO, clock, executor)
        .querier(NOW_MS - HOUR_MS, NOW_MS)) {
      assertThat(querier.select(false, seriesOnly, List.of())).hasSize(1);
    }
    assertThat(plain.functions).containsExactly(MergingQueryable.SERIES_FUNCTION);

    // With deletions, a series whose samples are all deleted must not be listed: its chunks are needed.
    FixedSource deleted = new FixedSource(NOW_MS - HOUR_MS, NOW_MS, 1);
    Tombstones all = new Tombstones(List.of(new Tombstone(List.of(Matcher.equal("__name__", "up")), 0, NOW_MS)));
    try (Querier querier = new MergingQueryable(deleted, null, Duration.ZERO, Duration.ZERO, clock, executor, all)
        .querier(NOW_MS - HOUR_MS, NOW_MS)) {
      assertThat(querier.select(false, seriesOnly, List.of())).isEmpty();
    }
    assertThat(deleted.functions).containsExactly("");
  }
}
