package io.narthex.querier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.ChunkSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.storage.SampleIterator;
import io.narthex.tsdb.storage.SelectHints;
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
  private static final class FixedSource implements ChunkSource {
    final List<long[]> asked = new ArrayList<>();
    final List<ChunkSeries> series;
    RuntimeException failure;

    FixedSource(long fromMs, long toMs, double value) {
      XorAppender appender = new XorAppender();
      for (long t = fromMs; t <= toMs; t += 60_000) {
        appender.append(t, value);
      }
      series = List.of(new ChunkSeries(UP,
          List.of(new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes()))));
    }

    @Override
    public List<ChunkSeries> select(long startMs, long endMs, SelectHints hints, List<Matcher> matchers) {
      asked.add(new long[] {startMs, endMs});
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
}
