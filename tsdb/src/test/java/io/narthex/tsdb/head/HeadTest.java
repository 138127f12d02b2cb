package io.narthex.tsdb.head;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.tsdb.chunk.XorIterator;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.storage.SampleIterator;
import io.narthex.tsdb.storage.SelectHints;
import io.narthex.tsdb.storage.Series;
import io.narthex.tsdb.storage.StaleMarker;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HeadTest {
  private static final List<Matcher> ALL = List.of();

  private static Matcher eq(String name, String value) {
    return Matcher.equal(name, value);
  }

  private static Matcher m(Matcher.Type type, String name, String value) {
    return Matcher.of(type, name, value);
  }

  private static List<long[]> samples(EncodedSeries series) {
    List<long[]> out = new ArrayList<>();
    XorIterator it = new XorIterator();
    for (EncodedChunk chunk : series.chunks()) {
      it.reset(chunk.data());
      while (it.next()) {
        out.add(new long[] {it.timestampMs(), it.valueBits()});
      }
    }
    return out;
  }

  @Test
  void appendedSamplesAreSelectable() {
    Head head = new Head();
    MemSeries s = head.getOrCreate(Labels.of("__name__", "up", "job", "api"));
    for (int i = 0; i < 10; i++) {
      assertThat(head.append(s, i * 1000L, i)).isEqualTo(AppendResult.OK);
    }
    List<EncodedSeries> selected = head.selectChunks(0, 100_000, List.of(eq("__name__", "up")));
    assertThat(selected).hasSize(1);
    assertThat(selected.get(0).labels()).isEqualTo(s.labels());
    assertThat(samples(selected.get(0))).hasSize(10);
    assertThat(head.numSeries()).isEqualTo(1);
    assertThat(head.minTimeMs()).isZero();
    assertThat(head.maxTimeMs()).isEqualTo(9000);
  }

  @Test
  void findAllFindsEachHeldSeriesByItsIdentityAndNoOther() {
    Head head = new Head();
    List<Labels> held = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      held.add(Labels.of("__name__", "up", "i", Integer.toString(i)));
      head.getOrCreate(held.getLast());
    }
    List<Labels> asked = List.of(held.get(7), Labels.of("__name__", "up", "i", "new"), held.get(2999), held.get(7));
    long[] lows = new long[asked.size()];
    long[] highs = new long[asked.size()];
    for (int i = 0; i < asked.size(); i++) {
      byte[] canonical = SeriesIdentity.canonical(asked.get(i));
      lows[i] = SeriesIdentity.low(canonical, 0, canonical.length);
      highs[i] = SeriesIdentity.high(canonical, 0, canonical.length);
    }
    MemSeries[] found = new MemSeries[asked.size() + 1];

    head.findAll(lows, highs, asked.size(), found);

    assertThat(found[0]).isSameAs(head.getOrCreate(held.get(7))).isSameAs(found[3]);
    assertThat(found[1]).isNull();
    assertThat(found[2].labels()).isEqualTo(held.get(2999));
    assertThat(head.numSeries()).isEqualTo(3000);
  }

  @Test
  void rejectsOutOfOrderSample() {
    Head head = new Head();
    MemSeries s = head.getOrCreate(Labels.of("a", "1"));
    head.append(s, 2000, 1);
    assertThat(head.append(s, 1999, 1)).isEqualTo(AppendResult.OUT_OF_ORDER);
    assertThat(samples(head.selectChunks(0, 5000, ALL).get(0))).hasSize(1);
  }

  @Test
  void refusesSamplesFurtherBehindTheNewestThanTheAppendableWindow() {
    Head head = new Head(new HeadOptions(120, 3_600_000));
    MemSeries first = head.getOrCreate(Labels.of("a", "1"));
    // An empty head takes any timestamp, as Prometheus's does.
    assertThat(head.append(first, 0, 1)).isEqualTo(AppendResult.OK);
    long nowMs = 1_700_000_000_000L;
    assertThat(head.append(first, nowMs, 1)).isEqualTo(AppendResult.OK);
    MemSeries other = head.getOrCreate(Labels.of("a", "2"));
    assertThat(head.append(other, nowMs - 3_600_001, 1)).isEqualTo(AppendResult.TOO_OLD);
    assertThat(head.append(other, nowMs - 30L * 86_400_000, 1)).isEqualTo(AppendResult.TOO_OLD);
    assertThat(head.append(other, 0, 1)).isEqualTo(AppendResult.TOO_OLD);
    assertThat(head.append(other, Long.MIN_VALUE, 1)).isEqualTo(AppendResult.TOO_OLD);
    assertThat(head.append(other, nowMs - 3_600_000, 1)).isEqualTo(AppendResult.OK);
    // Without a window (heads not fed by clients), any in-order sample is taken.
    Head unbounded = new Head();
    MemSeries series = unbounded.getOrCreate(Labels.of("a", "1"));
    unbounded.append(series, nowMs, 1);
    assertThat(unbounded.append(unbounded.getOrCreate(Labels.of("a", "2")), 0, 1)).isEqualTo(AppendResult.OK);
  }

  @Test
  void outOfOrderSamplesWithinTheWindowAreStoredAndReadMergedInOrder() {
    Head head = new Head(new HeadOptions(120, 3_600_000, 2_400_000));
    MemSeries s = head.getOrCreate(Labels.of("__name__", "late"));
    long t0 = 1_700_000_000_000L;
    for (int i = 0; i < 200; i++) {
      assertThat(head.append(s, t0 + i * 10_000L, i)).isEqualTo(AppendResult.OK);
    }
    long newestMs = t0 + 199 * 10_000L;
    // 100 samples between the in-order ones, in reverse order: buffered, then closed into chunks of 32.
    for (int i = 99; i >= 0; i--) {
      assertThat(head.append(s, t0 + i * 10_000L + 5_000, -i)).isEqualTo(AppendResult.OK);
    }
    assertThat(head.append(s, t0 + 99 * 10_000L + 5_000, -99)).isEqualTo(AppendResult.DUPLICATE_NOOP);
    assertThat(head.append(s, t0 + 99 * 10_000L + 5_000, 1)).isEqualTo(AppendResult.DUPLICATE_DIFFERENT_VALUE);
    assertThat(head.append(s, t0 + 50 * 10_000L, 50)).as("an in-order sample again").isEqualTo(
        AppendResult.DUPLICATE_NOOP);
    assertThat(head.append(s, t0 + 50 * 10_000L, 12345)).as("another value at an in-order sample's time").isEqualTo(
        AppendResult.DUPLICATE_DIFFERENT_VALUE);
    assertThat(head.append(s, t0 + 5_000, 7)).as("another value at a chunked late sample's time").isEqualTo(
        AppendResult.DUPLICATE_DIFFERENT_VALUE);
    MemSeries other = head.getOrCreate(Labels.of("__name__", "other"));
    head.append(other, newestMs, 1);
    assertThat(head.append(other, newestMs - 2_400_001, 1)).as("behind the window").isEqualTo(
        AppendResult.OUT_OF_ORDER);

    List<long[]> read = samples(head.selectChunks(Long.MIN_VALUE, Long.MAX_VALUE, ALL).getFirst());
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      expected.add((t0 + i * 10_000L) + "=" + (double) i);
      if (i < 100) {
        expected.add((t0 + i * 10_000L + 5_000) + "=" + (double) -i);
      }
    }
    assertThat(read).extracting(sample -> sample[0] + "=" + Double.longBitsToDouble(sample[1]))
        .containsExactlyElementsOf(expected);
    // A range inside: only its samples, as non-overlapping chunks.
    List<EncodedChunk> chunks = head.selectChunks(t0 + 1_000_000, t0 + 1_100_000, ALL).getFirst().chunks();
    for (int c = 1; c < chunks.size(); c++) {
      assertThat(chunks.get(c).minTimeMs()).isGreaterThan(chunks.get(c - 1).maxTimeMs());
    }
    assertThat(head.firstTimeAtOrAfterMs(t0 + 1)).isEqualTo(t0 + 5_000);

    // Every late sample is before t0 + 1,000,000: truncation drops them all, and the in-order chunks it keeps.
    head.truncateBefore(t0 + 1_000_000);
    List<long[]> left = samples(head.selectChunks(Long.MIN_VALUE, Long.MAX_VALUE, ALL).getFirst());
    assertThat(left).allMatch(sample -> (sample[0] - t0) % 10_000 == 0).hasSize(200);
  }

  @Test
  void withoutAnOutOfOrderWindowOlderSamplesAreOutOfOrder() {
    Head head = new Head(new HeadOptions(120, 3_600_000));
    MemSeries s = head.getOrCreate(Labels.of("__name__", "m"));
    head.append(s, 10_000, 1);
    assertThat(head.append(s, 9_000, 1)).isEqualTo(AppendResult.OUT_OF_ORDER);
  }

  @Test
  void firstTimeAtOrAfterIsTheNextSampleEvenInsideAChunk() {
    Head head = new Head(new HeadOptions(2));
    MemSeries s = head.getOrCreate(Labels.of("a", "1"));
    for (long t : new long[] {1000, 2000, 50_000, 60_000, 900_000, 1_000_000}) {
      head.append(s, t, 1);
    }
    assertThat(head.firstTimeAtOrAfterMs(0)).isEqualTo(1000);
    assertThat(head.firstTimeAtOrAfterMs(3000)).isEqualTo(50_000);
    assertThat(head.firstTimeAtOrAfterMs(55_000)).isEqualTo(60_000); // inside a closed chunk
    assertThat(head.firstTimeAtOrAfterMs(1500)).isEqualTo(2000);
    assertThat(head.firstTimeAtOrAfterMs(61_000)).isEqualTo(900_000);
    assertThat(head.firstTimeAtOrAfterMs(900_001)).isEqualTo(1_000_000); // inside the open chunk
    assertThat(head.firstTimeAtOrAfterMs(1_000_001)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void sameTimestampSameValueIsNoop() {
    Head head = new Head();
    MemSeries s = head.getOrCreate(Labels.of("a", "1"));
    assertThat(head.append(s, 1000, 5)).isEqualTo(AppendResult.OK);
    assertThat(head.append(s, 1000, 5)).isEqualTo(AppendResult.DUPLICATE_NOOP);
    assertThat(head.append(s, 2000, StaleMarker.STALE_NAN)).isEqualTo(AppendResult.OK);
    assertThat(head.append(s, 2000, StaleMarker.STALE_NAN)).isEqualTo(AppendResult.DUPLICATE_NOOP);
    assertThat(samples(head.selectChunks(0, 5000, ALL).get(0))).hasSize(2);
  }

  @Test
  void sameTimestampDifferentValueBitsIsRejected() {
    Head head = new Head();
    MemSeries s = head.getOrCreate(Labels.of("a", "1"));
    head.append(s, 1000, 5);
    assertThat(head.append(s, 1000, 6)).isEqualTo(AppendResult.DUPLICATE_DIFFERENT_VALUE);
    head.append(s, 2000, Double.NaN);
    // Bits decide: an ordinary NaN and the staleness marker differ.
    assertThat(head.append(s, 2000, StaleMarker.STALE_NAN)).isEqualTo(AppendResult.DUPLICATE_DIFFERENT_VALUE);
    head.append(s, 3000, 0.0);
    assertThat(head.append(s, 3000, -0.0)).isEqualTo(AppendResult.DUPLICATE_DIFFERENT_VALUE);
  }

  @Test
  void staleMarkersAreStoredLikeAnyValue() {
    Head head = new Head();
    MemSeries s = head.getOrCreate(Labels.of("a", "1"));
    head.append(s, 1000, 1);
    head.append(s, 2000, StaleMarker.STALE_NAN);
    List<long[]> got = samples(head.selectChunks(0, 5000, ALL).get(0));
    assertThat(got.get(1)[1]).isEqualTo(StaleMarker.STALE_NAN_BITS);
  }

  @Test
  void cutsANewChunkEvery120Samples() {
    Head head = new Head();
    MemSeries s = head.getOrCreate(Labels.of("a", "1"));
    for (int i = 0; i < 250; i++) {
      head.append(s, i * 15_000L, i);
    }
    List<EncodedChunk> chunks = head.selectChunks(Long.MIN_VALUE, Long.MAX_VALUE, ALL).get(0).chunks();
    assertThat(chunks).extracting(EncodedChunk::numSamples).containsExactly(120, 120, 10);
    assertThat(chunks.get(1).minTimeMs()).isEqualTo(120 * 15_000L);
    assertThat(chunks.get(1).maxTimeMs()).isEqualTo(239 * 15_000L);
  }

  @Test
  void selectChunksKeepsOnlyOverlappingChunksAndOmitsSeriesWithoutAny() {
    Head head = new Head(new HeadOptions(10));
    MemSeries a = head.getOrCreate(Labels.of("n", "a"));
    MemSeries b = head.getOrCreate(Labels.of("n", "b"));
    for (int i = 0; i < 30; i++) {
      head.append(a, i, i);
    }
    head.append(b, 100, 1);
    List<EncodedSeries> selected = head.selectChunks(12, 15, ALL);
    assertThat(selected).hasSize(1);
    assertThat(selected.get(0).chunks()).extracting(EncodedChunk::minTimeMs).containsExactly(10L);
    assertThat(head.selectChunks(9, 100, ALL)).extracting(EncodedSeries::labels)
        .containsExactly(Labels.of("n", "a"), Labels.of("n", "b"));
  }

  @Test
  void openChunkIsCopiedAsASnapshot() {
    Head head = new Head();
    MemSeries s = head.getOrCreate(Labels.of("a", "1"));
    head.append(s, 1, 1);
    EncodedSeries before = head.selectChunks(0, 100, ALL).get(0);
    head.append(s, 2, 2);
    assertThat(samples(before)).hasSize(1);
    assertThat(before.chunks().get(0).maxTimeMs()).isEqualTo(1);
  }

  @Test
  void hashCollisionsKeepSeriesApart() {
    Head head = new Head(HeadOptions.DEFAULT, labels -> 42L);
    MemSeries a = head.getOrCreate(Labels.of("n", "a"));
    MemSeries b = head.getOrCreate(Labels.of("n", "b"));
    assertThat(a).isNotSameAs(b);
    assertThat(head.getOrCreate(Labels.of("n", "a"))).isSameAs(a);
    assertThat(head.getOrCreate(Labels.of("n", "b"))).isSameAs(b);
    head.append(a, 1, 1);
    head.append(b, 1, 2);
    assertThat(head.numSeries()).isEqualTo(2);
    List<EncodedSeries> selected = head.selectChunks(0, 10, List.of(eq("n", "b")));
    assertThat(selected).hasSize(1);
    assertThat(samples(selected.get(0)).get(0)[1]).isEqualTo(Double.doubleToRawLongBits(2));
  }

  @Test
  void seriesSharingProbeRunsAreFoundAfterOthersAreTruncatedAndTheTableGrows() {
    // Low halves that are multiples of 4096 share a home slot in every table up to 4096 slots: one long probe run,
    // with every third series sharing its low half with another (a collision chain).
    Head head = new Head(HeadOptions.DEFAULT, labels -> Long.parseLong(labels.get("i")) / 3 * 4096L);
    List<MemSeries> created = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      MemSeries series = head.getOrCreate(Labels.of("i", Integer.toString(i)));
      head.append(series, i % 2 == 0 ? 1 : 1000, i);
      created.add(series);
    }
    head.truncateBefore(500);

    assertThat(head.numSeries()).isEqualTo(1500);
    for (int i = 0; i < 3000; i++) {
      MemSeries found = head.getOrCreate(Labels.of("i", Integer.toString(i)));
      if (i % 2 == 1) {
        assertThat(found).as("series %d kept", i).isSameAs(created.get(i));
      } else {
        assertThat(found).as("series %d removed, so created anew", i).isNotSameAs(created.get(i));
      }
    }
    assertThat(head.numSeries()).isEqualTo(3000);
  }

  @Test
  void seriesIdsAreDense() {
    Head head = new Head();
    for (int i = 0; i < 5; i++) {
      assertThat(head.getOrCreate(Labels.of("i", Integer.toString(i))).id()).isEqualTo(i);
    }
  }

  /** Series: {job=a, env=prod}, {job=a}, {job=b, env=dev}, {job=c, env=prod}, each with one sample. */
  private static Head sampleHead() {
    Head head = new Head();
    for (Labels labels : List.of(
        Labels.of("job", "a", "env", "prod"),
        Labels.of("job", "a"),
        Labels.of("job", "b", "env", "dev"),
        Labels.of("job", "c", "env", "prod"))) {
      head.append(head.getOrCreate(labels), 1000, 1);
    }
    return head;
  }

  private static List<Labels> select(Head head, Matcher... matchers) {
    List<Labels> out = new ArrayList<>();
    for (EncodedSeries series : head.selectChunks(0, 10_000, List.of(matchers))) {
      out.add(series.labels());
    }
    return out;
  }

  @Test
  void equalityMatchersIntersect() {
    Head head = sampleHead();
    assertThat(select(head, eq("job", "a"), eq("env", "prod"))).containsExactly(Labels.of("job", "a", "env", "prod"));
    assertThat(select(head, eq("job", "zzz"))).isEmpty();
    assertThat(select(head, eq("nolabel", "x"))).isEmpty();
  }

  @Test
  void notEqualSelectsSeriesLackingTheLabel() {
    Head head = sampleHead();
    assertThat(select(head, m(Matcher.Type.NOT_EQUAL, "env", "prod")))
        .containsExactly(Labels.of("job", "b", "env", "dev"), Labels.of("job", "a"));
  }

  @Test
  void emptyEqualitySelectsOnlySeriesLackingTheLabel() {
    Head head = sampleHead();
    assertThat(select(head, eq("env", ""))).containsExactly(Labels.of("job", "a"));
    assertThat(select(head, m(Matcher.Type.NOT_EQUAL, "env", ""))).hasSize(3);
  }

  @Test
  void regexMatcherWithEmptyMatchSelectsSeriesLackingTheLabel() {
    Head head = sampleHead();
    assertThat(select(head, m(Matcher.Type.REGEX, "env", "dev|")))
        .containsExactly(Labels.of("job", "b", "env", "dev"), Labels.of("job", "a"));
    assertThat(select(head, m(Matcher.Type.REGEX, "env", ".*"))).hasSize(4);
    assertThat(select(head, m(Matcher.Type.REGEX, "env", "d.*|"))).hasSize(2);
  }

  @Test
  void regexSetAndPrefixMatchersUseLiteralsAndPrefixes() {
    Head head = sampleHead();
    assertThat(select(head, m(Matcher.Type.REGEX, "job", "b|c"))).hasSize(2);
    assertThat(select(head, m(Matcher.Type.REGEX, "env", "pr.*"))).hasSize(2);
    assertThat(select(head, m(Matcher.Type.REGEX, "env", "pro"))).isEmpty();
    assertThat(select(head, m(Matcher.Type.REGEX, "env", ".+"))).hasSize(3);
  }

  @Test
  void negativeRegexSelectsSeriesLackingTheLabel() {
    Head head = sampleHead();
    assertThat(select(head, m(Matcher.Type.NOT_REGEX, "env", "pr.*")))
        .containsExactly(Labels.of("job", "b", "env", "dev"), Labels.of("job", "a"));
    assertThat(select(head, m(Matcher.Type.NOT_REGEX, "env", "prod|dev"))).containsExactly(Labels.of("job", "a"));
    assertThat(select(head, m(Matcher.Type.NOT_REGEX, "env", ".*"))).isEmpty();
    assertThat(select(head, m(Matcher.Type.NOT_REGEX, "env", ""))).hasSize(3);
  }

  @Test
  void postingsAgreeWithMatchingEverySeriesOneByOne() {
    Random random = new Random(1);
    String[] names = {"a", "b", "c"};
    String[] values = {"x", "y", "xy", "yx", "z", "foo", "foobar"};
    Head head = new Head();
    List<Labels> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      List<String> pairs = new ArrayList<>();
      for (String name : names) {
        if (random.nextInt(3) > 0) {
          pairs.add(name);
          pairs.add(values[random.nextInt(values.length)]);
        }
      }
      pairs.add("i");
      pairs.add(Integer.toString(i));
      Labels labels = Labels.of(pairs.toArray(new String[0]));
      all.add(labels);
      head.append(head.getOrCreate(labels), 1, 1);
    }
    String[] patterns = {"x", "", "x|y", "x|", "foo.*", "f.*", ".*y.*", ".+", ".*", "x.*|z", "nomatch"};
    for (int round = 0; round < 500; round++) {
      List<Matcher> matchers = new ArrayList<>();
      int n = 1 + random.nextInt(3);
      for (int k = 0; k < n; k++) {
        Matcher.Type type = Matcher.Type.values()[random.nextInt(4)];
        String value = patterns[random.nextInt(patterns.length)];
        if (type == Matcher.Type.EQUAL || type == Matcher.Type.NOT_EQUAL) {
          value = random.nextBoolean() ? "" : values[random.nextInt(values.length)];
        }
        matchers.add(Matcher.of(type, names[random.nextInt(names.length)], value));
      }
      List<Labels> expected = new ArrayList<>();
      for (Labels labels : all) {
        boolean ok = true;
        for (Matcher matcher : matchers) {
          ok &= matcher.matches(labels.get(matcher.name()));
        }
        if (ok) {
          expected.add(labels);
        }
      }
      expected.sort(null);
      assertThat(select(head, matchers.toArray(new Matcher[0]))).as(matchers.toString()).isEqualTo(expected);
    }
  }

  @Test
  void querierSelectsSeriesWithSamplesInRangeSortedByLabels() {
    Head head = new Head();
    MemSeries b = head.getOrCreate(Labels.of("n", "b"));
    MemSeries a = head.getOrCreate(Labels.of("n", "a"));
    MemSeries c = head.getOrCreate(Labels.of("n", "c"));
    head.append(b, 1000, 1);
    head.append(b, 2000, 2);
    head.append(a, 1500, 3);
    head.append(c, 0, 1);
    head.append(c, 5000, 1);
    try (Querier querier = head.querier(1000, 2000)) {
      List<Series> series = querier.select(true, SelectHints.of(1000, 2000), List.of(m(Matcher.Type.REGEX, "n", ".+")));
      assertThat(series).extracting(Series::labels).containsExactly(Labels.of("n", "a"), Labels.of("n", "b"));
      SampleIterator it = series.get(1).iterator();
      assertThat(it.next()).isTrue();
      assertThat(it.timestampMs()).isEqualTo(1000);
      assertThat(it.next()).isTrue();
      assertThat(it.value()).isEqualTo(2.0);
      assertThat(it.next()).isFalse();
    }
  }

  @Test
  void querierLabelNamesAndValuesHonourMatchers() {
    Head head = sampleHead();
    Querier querier = head.querier(0, 10);
    assertThat(querier.labelNames(ALL)).containsExactly("env", "job");
    assertThat(querier.labelValues("job", ALL)).containsExactly("a", "b", "c");
    assertThat(querier.labelValues("nope", ALL)).isEmpty();
    assertThat(querier.labelNames(List.of(eq("env", "")))).containsExactly("job");
    assertThat(querier.labelValues("job", List.of(eq("env", "prod")))).containsExactly("a", "c");
    assertThat(querier.labelValues("env", List.of(eq("job", "a")))).containsExactly("prod");
  }

  @Test
  void concurrentAppendsAndReadsStayConsistent() throws Exception {
    Head head = new Head();
    int threads = 4;
    int seriesCount = 40;
    int samplesPerSeries = 600;
    CountDownLatch start = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicLong sharedClock = new AtomicLong();
    AtomicLong sharedAccepted = new AtomicLong();
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < threads; w++) {
      int worker = w;
      workers.add(Thread.ofPlatform().start(() -> {
        try {
          start.await();
          MemSeries shared = head.getOrCreate(Labels.of("__name__", "shared"));
          for (int t = 0; t < samplesPerSeries; t++) {
            // Every worker resolves every series (racing creation) but appends only to its own.
            for (int s = 0; s < seriesCount; s++) {
              MemSeries series = head.getOrCreate(Labels.of("s", Integer.toString(s), "__name__", "m"));
              if (s % threads == worker && head.append(series, t * 1000L, t) != AppendResult.OK) {
                throw new AssertionError("worker " + worker + " rejected at " + t);
              }
            }
            // Contended series: late arrivals are rejected as out of order, never stored.
            long ts = sharedClock.incrementAndGet();
            AppendResult result = head.append(shared, ts, ts / 1000.0);
            if (result == AppendResult.OK) {
              sharedAccepted.incrementAndGet();
            } else if (result != AppendResult.OUT_OF_ORDER) {
              throw new AssertionError("shared series got " + result);
            }
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }));
    }
    Thread reader = Thread.ofPlatform().start(() -> {
      try {
        start.await();
        for (int i = 0; i < 200; i++) {
          for (EncodedSeries series : head.selectChunks(0, Long.MAX_VALUE, ALL)) {
            long previous = -1;
            for (long[] sample : samples(series)) {
              if (sample[0] <= previous || sample[1] != Double.doubleToRawLongBits(sample[0] / 1000.0)) {
                throw new AssertionError("bad sample in " + series.labels());
              }
              previous = sample[0];
            }
          }
        }
      } catch (Throwable e) {
        failure.compareAndSet(null, e);
      }
    });
    start.countDown();
    for (Thread worker : workers) {
      worker.join();
    }
    reader.join();
    assertThat(failure.get()).isNull();
    assertThat(head.numSeries()).isEqualTo(seriesCount + 1);
    for (EncodedSeries series : head.selectChunks(0, Long.MAX_VALUE, List.of(eq("__name__", "m")))) {
      assertThat(samples(series)).hasSize(samplesPerSeries);
    }
    List<EncodedSeries> shared = head.selectChunks(0, Long.MAX_VALUE, List.of(eq("__name__", "shared")));
    assertThat(samples(shared.get(0))).hasSize((int) sharedAccepted.get());
  }
}
