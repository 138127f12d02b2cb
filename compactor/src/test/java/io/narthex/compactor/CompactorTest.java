package io.narthex.compactor;

import static io.narthex.compactor.TestBlocks.HOUR_MS;
import static io.narthex.compactor.TestBlocks.STEP_MS;
import static io.narthex.compactor.TestBlocks.manySeries;
import static io.narthex.compactor.TestBlocks.samples;
import static io.narthex.compactor.TestBlocks.series;
import static io.narthex.compactor.TestBlocks.upload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.narthex.blocks.BucketIndex;
import io.narthex.blocks.BucketIndexUpdater;
import io.narthex.blocks.DeletionMark;
import io.narthex.blocks.NoCompactMark;
import io.narthex.blocks.TenantDeletionMark;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import io.narthex.tsdb.block.BlockMeta;
import io.narthex.tsdb.block.BlockMetaFile;
import io.narthex.tsdb.block.BlockWriter;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.EncodedSeries;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompactorTest {
  private static final Duration H2 = Duration.ofHours(2);
  private static final Duration H6 = Duration.ofHours(6);
  private static final Duration H12 = Duration.ofHours(12);
  /** Ten days ago, aligned to 24h so that every range's windows start there. */
  private static final long T0 = Math.floorDiv(System.currentTimeMillis() - 10 * 24 * HOUR_MS, 24 * HOUR_MS)
      * 24 * HOUR_MS;

  @TempDir Path tmp;
  private Bucket bucket;
  private Path scratch;
  /** An hour ahead of the bucket's clock, so that the blocks uploaded by a test are past the first-level wait. */
  private final TestBlocks.MutableClock clock = new TestBlocks.MutableClock(
      Instant.ofEpochMilli(System.currentTimeMillis()).plus(Duration.ofHours(1)));
  private final List<Compactor> compactors = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    bucket = Buckets.filesystem("compactor-test", tmp.resolve("bucket"));
    scratch = tmp.resolve("scratch");
  }

  @AfterEach
  void tearDown() throws IOException {
    compactors.forEach(Compactor::close);
    bucket.close();
  }

  private CompactorConfig config(Duration... ranges) {
    return CompactorConfig.defaults(tmp.resolve("data")).withBlockRanges(List.of(ranges));
  }

  private Compactor compactor(CompactorConfig config) {
    return compactor(config, tenant -> SeriesDeletions.NONE);
  }

  private Compactor compactor(CompactorConfig config,
      java.util.function.Function<String, SeriesDeletions> deletions) {
    // One compactor per bucket in most tests: no need to wait for a racing lease writer.
    Compactor c = new Compactor(config, bucket, clock, deletions, TenantLease.DEFAULT_DURATION, Duration.ZERO);
    compactors.add(c);
    return c;
  }

  /** Deletion requests by id, each dropping every series of one metric name over {@code [minMs, maxMs]}. */
  private static SeriesDeletions dropping(Map<String, String> metricById, long minMs, long maxMs) {
    return new SeriesDeletions() {
      @Override
      public Set<String> overlapping(long minTimeMs, long maxTimeMs) {
        return minMs < maxTimeMs && minTimeMs <= maxMs ? metricById.keySet() : Set.of();
      }

      @Override
      public EncodedSeries apply(EncodedSeries series) {
        return metricById.containsValue(series.labels().metricName()) ? null : series;
      }
    };
  }

  /** Three consecutive 2h blocks from {@code fromMs}: 100 series in each, plus 10 only in the first. */
  private List<String> threeTwoHourBlocks(String tenant, long fromMs) throws IOException {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      long min = fromMs + i * 2 * HOUR_MS;
      List<EncodedSeries> series = new ArrayList<>(manySeries("node_cpu_seconds_total", 100, min, min + 2 * HOUR_MS));
      if (i == 0) {
        series.addAll(manySeries("only_in_first_block", 10, min, min + 2 * HOUR_MS));
      }
      ids.add(upload(bucket, tenant, scratch, series, min, min + 2 * HOUR_MS));
    }
    return ids;
  }

  private BucketIndex index(String tenant) throws IOException {
    return BucketIndex.read(bucket, tenant).orElseThrow();
  }

  private static List<BucketIndex.Block> liveBlocks(BucketIndex index) {
    Set<String> marked = index.markedForDeletion();
    return index.blocks().stream().filter(b -> !marked.contains(b.blockId())).toList();
  }

  private BlockInfo info(String tenant, String blockId) throws IOException {
    try (InputStream in = bucket.get(tenant + "/" + blockId + "/meta.json")) {
      return BlockInfo.parse(in.readAllBytes());
    }
  }

  @Test
  void compactsThreeTwoHourBlocksIntoOneSixHourBlockWithEverySampleIntact() throws Exception {
    List<String> sources = threeTwoHourBlocks("tenant-1", T0);
    Map<String, TreeMap<Long, Double>> expected = samples(bucket, "tenant-1", sources);

    PassResult result = compactor(config(H2, H6)).runOnce();

    assertThat(result.failures()).isZero();
    assertThat(result.groupsCompacted()).isEqualTo(1);
    assertThat(result.blocksCompacted()).isEqualTo(3);
    assertThat(result.blocksMarkedForDeletion()).isEqualTo(3);
    assertThat(result.blocksDeleted()).isZero(); // deletion delay 12h
    long expectedSamples = expected.values().stream().mapToLong(TreeMap::size).sum();
    assertThat(result.samplesCompacted()).isEqualTo(expectedSamples).isEqualTo(3 * 100 * 480 + 10 * 480);
    System.out.printf("compaction of 3 blocks, %d samples: %.0f samples/s%n", result.samplesCompacted(),
        result.samplesPerSecond());

    BucketIndex index = index("tenant-1");
    assertThat(index.markedForDeletion()).containsExactlyInAnyOrderElementsOf(sources);
    List<BucketIndex.Block> live = liveBlocks(index);
    assertThat(live).hasSize(1);
    BucketIndex.Block compacted = live.getFirst();
    assertThat(compacted.minTimeMs()).isEqualTo(T0);
    assertThat(compacted.maxTimeMs()).isEqualTo(T0 + 6 * HOUR_MS);
    assertThat(compacted.compactionLevel()).isEqualTo(2);
    assertThat(compacted.labels()).isEqualTo(Map.of("__org_id__", "tenant-1"));
    assertThat(compacted.source()).isEqualTo("compactor");
    BlockInfo info = info("tenant-1", compacted.blockId());
    assertThat(info.sources()).containsExactlyElementsOf(new java.util.TreeSet<>(sources));
    assertThat(info.parents()).containsExactlyElementsOf(new java.util.TreeSet<>(sources));

    assertThat(samples(bucket, "tenant-1", compacted.blockId())).isEqualTo(expected);

    // Nothing left to do: a second pass changes nothing.
    PassResult again = compactor(config(H2, H6)).runOnce();
    assertThat(again.groupsCompacted()).isZero();
    assertThat(again.blocksMarkedForDeletion()).isZero();
  }

  @Test
  void mergesSeriesBySeriesWritingEachBeforeReadingTheRest() throws Exception {
    // Two shard blocks of one window, more series than one read batch: 1,500 in both, 700 only in the second.
    int shared = GroupCompactor.SERIES_BATCH + 476;
    long samplesEndMs = T0 + 10 * 60_000; // a few samples per series keep the test quick
    List<EncodedSeries> second = new ArrayList<>(manySeries("m", shared, T0, samplesEndMs));
    second.addAll(manySeries("n", 700, T0, samplesEndMs));
    List<String> sources = List.of(upload(bucket, "t", scratch, manySeries("m", shared, T0, samplesEndMs), T0,
        T0 + 2 * HOUR_MS), upload(bucket, "t", scratch, second, T0, T0 + 2 * HOUR_MS));
    Map<String, TreeMap<Long, Double>> expected = samples(bucket, "t", sources);
    Path work = tmp.resolve("data").resolve("compact");
    java.util.concurrent.atomic.AtomicInteger merged = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicLong outputBytesBeforeLast = new java.util.concurrent.atomic.AtomicLong(-1);
    SeriesDeletions watching = new SeriesDeletions() {
      @Override
      public Set<String> overlapping(long minTimeMs, long maxTimeMs) {
        return SeriesDeletions.NONE.overlapping(minTimeMs, maxTimeMs);
      }

      @Override
      public EncodedSeries apply(EncodedSeries series) {
        if (merged.incrementAndGet() == shared + 700) { // the last merged series
          outputBytesBeforeLast.set(chunkBytesBeingWritten(work));
        }
        return series;
      }
    };

    PassResult result = compactor(config(H2), tenant -> watching).runOnce();

    assertThat(result.failures()).isZero();
    assertThat(result.groupsCompacted()).isEqualTo(1);
    assertThat(merged.get()).isEqualTo(shared + 700);
    // The old merge read every series of every source before writing any: nothing was on disk yet.
    assertThat(outputBytesBeforeLast.get()).as("new block's chunk bytes on disk before the last series merged")
        .isPositive();
    List<BucketIndex.Block> live = liveBlocks(index("t"));
    assertThat(live).hasSize(1);
    assertThat(samples(bucket, "t", live.getFirst().blockId())).isEqualTo(expected);
  }

  /** Bytes of chunk segments in the blocks being built under {@code work}. */
  private static long chunkBytesBeingWritten(Path work) {
    try (var files = Files.walk(work)) {
      return files.filter(p -> p.toString().contains(".tmp-for-creation") && p.getParent().endsWith("chunks"))
          .mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void verticallyCompactsOverlappingShardBlocksDeterministically() throws Exception {
    long min = T0;
    long max = T0 + 2 * HOUR_MS;
    long half = T0 + HOUR_MS;
    List<EncodedSeries> shard0 = List.of(
        series(Labels.of("__name__", "only_shard_0"), min, max, STEP_MS, t -> 1),
        series(Labels.of("__name__", "same"), min, max, STEP_MS, t -> t % 1000),
        series(Labels.of("__name__", "conflict"), min, max, STEP_MS, t -> 10));
    List<EncodedSeries> shard1 = List.of(
        series(Labels.of("__name__", "only_shard_1"), min, max, STEP_MS, t -> 2),
        series(Labels.of("__name__", "same"), min, max, STEP_MS, t -> t % 1000),
        series(Labels.of("__name__", "conflict"), min, max, STEP_MS, t -> t < half ? 10 : 20));
    String a = upload(bucket, "t", scratch, shard0, min, max, Map.of("__org_id__", "t", "__narthex_shard__", "0"));
    String b = upload(bucket, "t", scratch, shard1, min, max, Map.of("__org_id__", "t", "__narthex_shard__", "1"));
    List<String> byUlid = a.compareTo(b) < 0 ? List.of(a, b) : List.of(b, a);
    Map<String, TreeMap<Long, Double>> expected = samples(bucket, "t", byUlid);

    PassResult result = compactor(config(H2, H12)).runOnce();

    assertThat(result.groupsCompacted()).isEqualTo(1);
    assertThat(result.conflictingSamples()).isEqualTo(240); // the second hour of "conflict", at a 15s step
    List<BucketIndex.Block> live = liveBlocks(index("t"));
    assertThat(live).singleElement().satisfies(block -> {
      assertThat(block.labels()).isEqualTo(Map.of("__org_id__", "t"));
      assertThat(block.compactionLevel()).isEqualTo(2);
      assertThat(block.minTimeMs()).isEqualTo(min);
      assertThat(block.maxTimeMs()).isEqualTo(max);
    });
    Map<String, TreeMap<Long, Double>> got = samples(bucket, "t", live.getFirst().blockId());
    assertThat(got).isEqualTo(expected);
    assertThat(got.keySet()).containsExactly("{__name__=\"conflict\"}", "{__name__=\"only_shard_0\"}",
        "{__name__=\"only_shard_1\"}", "{__name__=\"same\"}");
    assertThat(got.get("{__name__=\"same\"}")).hasSize(480);
    // The first block by ULID wins the conflicts.
    double winner = byUlid.getFirst().equals(a) ? 10 : 20;
    assertThat(got.get("{__name__=\"conflict\"}").get(half + STEP_MS)).isEqualTo(winner);
  }

  @Test
  void waitsForRecentLevelOneBlocksBeforeCompactingThem() throws Exception {
    clock.set(Instant.now());
    upload(bucket, "t", scratch, manySeries("a", 3, T0, T0 + 2 * HOUR_MS), T0, T0 + 2 * HOUR_MS);
    upload(bucket, "t", scratch, manySeries("b", 3, T0, T0 + 2 * HOUR_MS), T0, T0 + 2 * HOUR_MS);
    Compactor compactor = compactor(config(H2, H12));

    assertThat(compactor.runOnce().groupsCompacted()).isZero();
    clock.advance(Duration.ofMinutes(26));
    assertThat(compactor.runOnce().groupsCompacted()).isEqualTo(1);
  }

  @Test
  void finishesAnInterruptedCompactionByMarkingItsSourcesRedundant() throws Exception {
    List<String> sources = threeTwoHourBlocks("t", T0);
    Compactor paused = compactor(config(H2, H6).withPauseAfterUpload(Duration.ofMinutes(5)));
    AtomicReference<PassResult> interrupted = new AtomicReference<>();
    Thread pass = Thread.ofPlatform().start(() -> interrupted.set(paused.runOnce()));

    // Wait for the compacted block to be complete in the bucket, then "crash" before the sources are marked.
    AtomicReference<String> compactedId = new AtomicReference<>();
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      for (String name : bucket.list("t/")) {
        String id = name.substring(2, name.length() - 1);
        if (name.endsWith("/") && id.length() == 26 && !sources.contains(id) && bucket.exists(name + "meta.json")) {
          compactedId.set(id);
          return true;
        }
      }
      return false;
    });
    pass.interrupt();
    pass.join();
    assertThat(interrupted.get().failures()).isPositive();
    for (String source : sources) {
      assertThat(DeletionMark.read(bucket, "t", source)).isEmpty();
    }

    PassResult recovery = compactor(config(H2, H6)).runOnce();

    assertThat(recovery.failures()).isZero();
    assertThat(recovery.groupsCompacted()).isZero();
    assertThat(recovery.blocksMarkedForDeletion()).isEqualTo(3);
    BucketIndex index = index("t");
    assertThat(index.markedForDeletion()).containsExactlyInAnyOrderElementsOf(sources);
    assertThat(liveBlocks(index)).extracting(BucketIndex.Block::blockId).containsExactly(compactedId.get());
  }

  @Test
  void redundantBlocksIncludeCompactedBlocksCoveredByALargerOne() {
    // A level-3 block D (sources s1..s4) whose parents were C (s1,s2) and s3, s4; C is still live.
    Map<String, BlockInfo> infos = Map.of(
        "C", new BlockInfo("C", 0, 4, 2, Set.of("s1", "s2"), List.of("s1", "s2")),
        "D", new BlockInfo("D", 0, 8, 3, Set.of("s1", "s2", "s3", "s4"), List.of("X", "Y")),
        "s5", new BlockInfo("s5", 8, 10, 1, Set.of("s5"), List.of()),
        "R", new BlockInfo("R", 8, 10, 1, Set.of("s5"), List.of("s5")));
    List<BucketIndex.Block> live = infos.values().stream()
        .map(i -> new BucketIndex.Block(i.blockId(), i.minTimeMs(), i.maxTimeMs(), "", 0, 0, "", i.level(), Map.of()))
        .toList();

    // C by sources; s5 by R's parents (a rewrite: same sources).
    assertThat(Compactor.redundantBlocks(live, infos)).containsExactlyInAnyOrder("C", "s5");
  }

  @Test
  void retentionMarksExactlyTheExpiredBlocksWithPerTenantOverrides() throws Exception {
    Instant now = clock.instant();
    Map<String, List<String>> blocks = new TreeMap<>();
    for (String tenant : List.of("default", "short", "forever")) {
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        long min = T0 + i * 2 * HOUR_MS;
        ids.add(upload(bucket, tenant, scratch, manySeries("m", 2, min, min + 2 * HOUR_MS), min, min + 2 * HOUR_MS));
      }
      blocks.put(tenant, ids);
    }
    // Default retention ends exactly at the first block's end (inclusive); "short" at the second's.
    Duration toFirstEnd = Duration.ofMillis(now.toEpochMilli() - (T0 + 2 * HOUR_MS));
    Duration toSecondEnd = Duration.ofMillis(now.toEpochMilli() - (T0 + 4 * HOUR_MS));
    CompactorConfig config = config(H2).withRetention(toFirstEnd,
        tenant -> switch (tenant) {
          case "short" -> toSecondEnd;
          case "forever" -> Duration.ZERO;
          default -> null;
        });

    PassResult result = compactor(config).runOnce();

    assertThat(result.blocksMarkedForDeletion()).isEqualTo(3);
    assertThat(index("default").markedForDeletion()).containsExactly(blocks.get("default").get(0));
    assertThat(index("short").markedForDeletion())
        .containsExactlyInAnyOrder(blocks.get("short").get(0), blocks.get("short").get(1));
    assertThat(index("forever").markedForDeletion()).isEmpty();
  }

  @Test
  void deletesMarkedBlocksAfterTheDelayAndAbandonedPartialBlocks() throws Exception {
    String marked = upload(bucket, "t", scratch, manySeries("m", 2, T0, T0 + 2 * HOUR_MS), T0, T0 + 2 * HOUR_MS);
    String kept = upload(bucket, "t", scratch, manySeries("m", 2, T0 + 2 * HOUR_MS, T0 + 4 * HOUR_MS),
        T0 + 2 * HOUR_MS, T0 + 4 * HOUR_MS);
    DeletionMark.write(bucket, "t", marked, clock.instant());
    String partial = uploadWithoutMeta("t", T0 + 4 * HOUR_MS, null);
    Compactor compactor = compactor(config(H2).withDeletionDelays(Duration.ofHours(12), Duration.ofDays(1)));

    assertThat(compactor.runOnce().blocksDeleted()).isZero();
    assertThat(bucket.list("t/" + marked + "/", true)).isNotEmpty();

    clock.advance(Duration.ofHours(12));
    PassResult afterDelay = compactor.runOnce();
    assertThat(afterDelay.blocksDeleted()).isEqualTo(1);
    assertThat(bucket.list("t/" + marked + "/", true)).isEmpty();
    assertThat(bucket.exists(DeletionMark.globalPath("t", marked))).isFalse();
    assertThat(index("t").blocks()).extracting(BucketIndex.Block::blockId).containsExactly(kept);
    assertThat(index("t").blockDeletionMarks()).isEmpty();
    assertThat(bucket.list("t/" + partial + "/", true)).isNotEmpty();

    clock.advance(Duration.ofHours(13)); // the partial block's files are now over a day old
    PassResult afterPartialDelay = compactor.runOnce();
    assertThat(afterPartialDelay.blocksDeleted()).isEqualTo(1);
    assertThat(bucket.list("t/" + partial + "/", true)).isEmpty();
    assertThat(bucket.list("t/" + kept + "/", true)).isNotEmpty();
  }

  @Test
  void twoCompactorsStartedWithTheSameIdNeverCompactTheSameTenantAtOnce() throws Exception {
    threeTwoHourBlocks("t", T0);
    // Both "compactor-0", each thinking it owns every tenant; the pause keeps a pass on the group long enough
    // that, without leases, the other would compact it too.
    // 3 s: the other twin, descheduled after the barrier, must still find the first one's lease held.
    CompactorConfig config = config(H2, H6).withPauseAfterUpload(Duration.ofSeconds(3));
    List<Compactor> twins = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Compactor c = new Compactor(config, bucket, clock, tenant -> SeriesDeletions.NONE,
          TenantLease.DEFAULT_DURATION, Duration.ofSeconds(1));
      compactors.add(c);
      twins.add(c);
    }
    java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
    List<java.util.concurrent.CompletableFuture<PassResult>> passes = new ArrayList<>();
    for (Compactor c : twins) {
      passes.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          start.await();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        return c.runOnce();
      }));
    }
    List<PassResult> results = passes.stream().map(java.util.concurrent.CompletableFuture::join).toList();

    assertThat(results).extracting(PassResult::groupsCompacted).containsExactlyInAnyOrder(1, 0);
    assertThat(results).extracting(PassResult::tenantsLeasedElsewhere).containsExactlyInAnyOrder(0, 1);
    assertThat(results).allSatisfy(r -> assertThat(r.failures()).isZero());
    assertThat(liveBlocks(index("t"))).hasSize(1);
    assertThat(index("t").blocks()).hasSize(4); // three sources and one compacted block, not two
    assertThat(bucket.exists(TenantLease.path("t"))).isFalse();
  }

  @Test
  void leavesATenantAloneWhileAnotherCompactorHoldsItsLeaseAndTakesItOnceExpired() throws Exception {
    threeTwoHourBlocks("t", T0);
    try (TenantLease other = new TenantLease(bucket, "compactor-0", clock, Duration.ofMinutes(5), Duration.ZERO)) {
      assertThat(other.acquire("t")).isTrue();
      Compactor compactor = compactor(config(H2, H6));

      PassResult whileHeld = compactor.runOnce();
      assertThat(whileHeld.tenantsLeasedElsewhere()).isEqualTo(1);
      assertThat(whileHeld.groupsCompacted()).isZero();
      assertThat(whileHeld.failures()).isZero();
      assertThat(liveBlocks(index("t"))).hasSize(3);

      clock.advance(Duration.ofMinutes(6)); // the other compactor stopped renewing: its lease expired
      PassResult afterExpiry = compactor.runOnce();
      assertThat(afterExpiry.tenantsLeasedElsewhere()).isZero();
      assertThat(afterExpiry.groupsCompacted()).isEqualTo(1);
      assertThat(bucket.exists(TenantLease.path("t"))).isFalse(); // released after the pass
    }
  }

  @Test
  void compactsATenantLeftLeasedByACrashedCompactorOnceTheLeaseExpiresNotAfterAnInterval() throws Exception {
    threeTwoHourBlocks("t", T0);
    java.time.Clock ahead = java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofHours(1));
    Duration lease = Duration.ofSeconds(2); // outlasts the start of the first pass
    TenantLease crashed = new TenantLease(bucket, "compactor-0", ahead, lease, Duration.ZERO);
    assertThat(crashed.acquire("t")).isTrue();
    crashed.close(); // stops renewing, as a killed process would; its lease stays in the bucket
    Compactor compactor = new Compactor(config(H2, H6), bucket, ahead, tenant -> SeriesDeletions.NONE, lease,
        Duration.ZERO);
    compactors.add(compactor);

    compactor.start(); // the first pass finds the lease held; the interval is an hour

    await().atMost(Duration.ofSeconds(30)).ignoreExceptions() // no bucket index before the first pass
        .until(() -> liveBlocks(index("t")).size() == 1);
  }

  @Test
  void deletesAnUploadNeverFinishedOnceIdleForThePartialBlockDeletionDelay() throws Exception {
    String uploading = uploadWithoutMeta("t", T0, "uploading-meta.json");
    Compactor compactor = compactor(config(H2).withDeletionDelays(Duration.ofHours(12), Duration.ofDays(1)));

    assertThat(compactor.runOnce().blocksDeleted()).isZero();
    assertThat(bucket.list("t/" + uploading + "/", true)).hasSize(3);

    clock.advance(Duration.ofDays(1)); // nothing written to the upload for over a day
    assertThat(compactor.runOnce().blocksDeleted()).isEqualTo(1);
    assertThat(bucket.list("t/" + uploading + "/", true)).isEmpty();
  }

  @Test
  void aPartialBlockDeletionDelayOfZeroNeverDeletesAnUpload() throws Exception {
    String uploading = uploadWithoutMeta("t", T0, "uploading-meta.json");
    Compactor compactor = compactor(config(H2).withDeletionDelays(Duration.ofHours(12), Duration.ZERO));

    clock.advance(Duration.ofDays(30));
    assertThat(compactor.runOnce().blocksDeleted()).isZero();
    assertThat(bucket.list("t/" + uploading + "/", true)).hasSize(3);
  }

  /** Uploads a block's files without meta.json, plus {@code extraFile} when not null; returns its ULID. */
  private String uploadWithoutMeta(String tenant, long minTimeMs, String extraFile) throws IOException {
    BlockMeta meta = BlockWriter.write(scratch, manySeries("p", 2, minTimeMs, minTimeMs + 2 * HOUR_MS), minTimeMs,
        minTimeMs + 2 * HOUR_MS, Map.of());
    String prefix = tenant + "/" + meta.ulid() + "/";
    bucket.upload(prefix + "index", meta.dir().resolve("index"));
    bucket.upload(prefix + "chunks/000001", meta.dir().resolve("chunks/000001"));
    if (extraFile != null) {
      bucket.upload(prefix + extraFile, meta.dir().resolve("meta.json"));
    }
    return meta.ulid();
  }

  @Test
  void deletesEveryObjectOfATenantMarkedForDeletion() throws Exception {
    threeTwoHourBlocks("gone", T0);
    threeTwoHourBlocks("stays", T0);
    BucketIndexUpdater.update(bucket, "gone");
    TenantDeletionMark.write(bucket, "gone", clock.instant());

    PassResult result = compactor(config(H2)).runOnce();

    assertThat(result.tenantsDeleted()).isEqualTo(1);
    assertThat(result.blocksDeleted()).isEqualTo(3);
    assertThat(bucket.list("gone/", true)).isEmpty();
    assertThat(liveBlocks(index("stays"))).hasSize(3);
  }

  @Test
  void twoCompactorsEachCompactOnlyTheTenantsTheRingGivesThem() throws Exception {
    List<String> tenants = List.of("t0", "t1", "t2", "t3", "t4", "t5");
    for (String tenant : tenants) {
      threeTwoHourBlocks(tenant, T0);
    }
    List<String> ring = List.of("compactor-a", "compactor-b");
    Compactor a = compactor(config(H2, H6).withRing("compactor-a", ring));
    Compactor b = compactor(config(H2, H6).withRing("compactor-b", ring));
    Set<String> ownedByA = new HashSet<>();
    for (String tenant : tenants) {
      assertThat(a.owns(tenant)).isNotEqualTo(b.owns(tenant));
      if (a.owns(tenant)) {
        ownedByA.add(tenant);
      }
    }
    assertThat(ownedByA).isNotEmpty().hasSizeLessThan(tenants.size());

    PassResult resultA = a.runOnce();

    assertThat(resultA.tenantsOwned()).isEqualTo(ownedByA.size());
    assertThat(resultA.groupsCompacted()).isEqualTo(ownedByA.size());
    for (String tenant : tenants) {
      boolean compacted = BucketIndex.read(bucket, tenant).isPresent()
          && liveBlocks(index(tenant)).size() == 1;
      assertThat(compacted).as(tenant).isEqualTo(ownedByA.contains(tenant));
    }

    PassResult resultB = b.runOnce();
    assertThat(resultB.tenantsOwned()).isEqualTo(tenants.size() - ownedByA.size());
    assertThat(resultB.groupsCompacted()).isEqualTo(tenants.size() - ownedByA.size());
    for (String tenant : tenants) {
      assertThat(liveBlocks(index(tenant))).as(tenant).hasSize(1);
    }
  }

  @Test
  void aCompactorThatJoinsTheRingCompactsItsShareAtOnceAndStopsOnceItLeft() throws Exception {
    List<String> tenants = List.of("t0", "t1", "t2", "t3", "t4", "t5");
    for (String tenant : tenants) {
      threeTwoHourBlocks(tenant, T0);
    }
    // Passes an hour apart: only a ring change can start the second one within the test.
    Compactor joining = compactor(config(H2, H6).withRing("compactor-b", List.of("compactor-b"))
        .withCompactionInterval(Duration.ofHours(1)));
    joining.updateRing(List.of("compactor-a"));
    assertThat(tenants).noneMatch(joining::owns);
    joining.start();

    joining.updateRing(List.of("compactor-a", "compactor-b"));

    List<String> share = tenants.stream().filter(joining::owns).toList();
    assertThat(share).isNotEmpty().hasSizeLessThan(tenants.size());
    // A tenant's bucket index is absent until the pass writes it: index() throws, so that is waited past too.
    await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(java.util.NoSuchElementException.class)
        .untilAsserted(() -> {
          for (String tenant : share) {
            assertThat(liveBlocks(index(tenant))).as(tenant).hasSize(1);
          }
        });
    for (String tenant : tenants) {
      if (!share.contains(tenant)) {
        assertThat(BucketIndex.read(bucket, tenant)).as("untouched " + tenant).isEmpty();
      }
    }

    joining.updateRing(List.of("compactor-a"));
    String given = share.getFirst();
    threeTwoHourBlocks(given, T0 + 6 * HOUR_MS);

    PassResult afterLeaving = joining.runOnce();
    assertThat(afterLeaving.tenantsOwned()).isZero();
    assertThat(afterLeaving.groupsCompacted()).isZero();
    // Its index still shows the one block compacted before: the new blocks were neither indexed nor compacted.
    assertThat(liveBlocks(index(given))).hasSize(1);
    assertThat(joining.ringMembers()).containsExactly("compactor-a");
  }

  @Test
  void corruptBlockGetsANoCompactMarkAndThePassGoesOn() throws Exception {
    List<String> first = threeTwoHourBlocks("t", T0);
    List<String> second = threeTwoHourBlocks("t", T0 + 6 * HOUR_MS);
    String corrupt = first.get(1);
    String chunks = "t/" + corrupt + "/chunks/000001";
    byte[] data;
    try (InputStream in = bucket.get(chunks)) {
      data = in.readAllBytes();
    }
    for (int i = data.length / 2; i < data.length / 2 + 16; i++) {
      data[i] ^= (byte) 0x5a;
    }
    bucket.upload(chunks, data);
    Compactor compactor = compactor(config(H2, H6));

    PassResult result = compactor.runOnce();

    assertThat(result.blocksMarkedForNoCompaction()).isEqualTo(1);
    assertThat(result.failures()).isZero();
    assertThat(result.groupsCompacted()).isEqualTo(1); // the second window
    assertThat(compactor.metrics().blocksMarkedForNoCompaction.get()).isEqualTo(1);
    NoCompactMark mark = NoCompactMark.read(bucket, "t", corrupt).orElseThrow();
    assertThat(mark.id()).isEqualTo(corrupt);
    assertThat(mark.reason()).isEqualTo(NoCompactMark.REASON_CRITICAL);
    assertThat(mark.details()).isNotBlank();
    assertThat(bucket.exists(NoCompactMark.blockLocalPath("t", corrupt))).isTrue();
    assertThat(index("t").markedForDeletion()).containsExactlyInAnyOrderElementsOf(second);

    // The next pass compacts the rest of the first window and leaves the corrupt block alone.
    PassResult next = compactor.runOnce();
    assertThat(next.groupsCompacted()).isEqualTo(1);
    assertThat(next.blocksMarkedForNoCompaction()).isZero();
    assertThat(index("t").markedForDeletion())
        .containsExactlyInAnyOrder(first.get(0), first.get(2), second.get(0), second.get(1), second.get(2));
    assertThat(liveBlocks(index("t"))).extracting(BucketIndex.Block::blockId).contains(corrupt).hasSize(3);
  }

  @Test
  void rewritesABlockOverlappingADeletionRequestOnceAndRecordsTheRequestAsApplied() throws Exception {
    List<EncodedSeries> series = List.of(
        series(Labels.of("__name__", "keep"), T0, T0 + 2 * HOUR_MS, STEP_MS, t -> 1),
        series(Labels.of("__name__", "drop"), T0, T0 + 2 * HOUR_MS, STEP_MS, t -> 2));
    String original = upload(bucket, "t", scratch, series, T0, T0 + 2 * HOUR_MS);
    Compactor compactor = compactor(config(H2, H12),
        tenant -> dropping(Map.of("request-1", "drop"), T0, T0 + HOUR_MS));

    PassResult result = compactor.runOnce();

    assertThat(result.groupsCompacted()).isEqualTo(1);
    assertThat(index("t").markedForDeletion()).containsExactly(original);
    BucketIndex.Block rewritten = liveBlocks(index("t")).getFirst();
    assertThat(rewritten.compactionLevel()).isEqualTo(1);
    BlockInfo info = info("t", rewritten.blockId());
    assertThat(info.sources()).containsExactly(original);
    assertThat(info.parents()).containsExactly(original);
    assertThat(samples(bucket, "t", rewritten.blockId())).containsOnlyKeys("{__name__=\"keep\"}");
    assertThat(info.appliedTombstones()).containsExactly("request-1");
    try (InputStream in = bucket.get("t/" + rewritten.blockId() + "/meta.json")) {
      assertThat(BlockMetaFile.parse(in.readAllBytes()).compaction().sources()).containsExactly(original);
    }

    // Applied: the same request never rewrites the block again, however soon the pass runs.
    assertThat(compactor.runOnce().groupsCompacted()).isZero();
  }

  @Test
  void rewritesAgainOnlyForANewRequestAndCompactedBlocksInheritTheAppliedRequests() throws Exception {
    List<EncodedSeries> series = List.of(
        series(Labels.of("__name__", "keep"), T0, T0 + 2 * HOUR_MS, STEP_MS, t -> 1),
        series(Labels.of("__name__", "first"), T0, T0 + 2 * HOUR_MS, STEP_MS, t -> 2),
        series(Labels.of("__name__", "second"), T0, T0 + 2 * HOUR_MS, STEP_MS, t -> 3));
    upload(bucket, "t", scratch, series, T0, T0 + 2 * HOUR_MS);
    AtomicReference<SeriesDeletions> deletions =
        new AtomicReference<>(dropping(Map.of("request-1", "first"), T0, T0 + HOUR_MS));
    Compactor compactor = compactor(config(H2, H6), tenant -> deletions.get());
    assertThat(compactor.runOnce().groupsCompacted()).isEqualTo(1);
    // A request elsewhere in time does not touch the block.
    deletions.set(dropping(Map.of("request-1", "first", "request-far", "second"), T0 + 24 * HOUR_MS,
        T0 + 25 * HOUR_MS));
    assertThat(compactor.runOnce().groupsCompacted()).isZero();

    deletions.set(dropping(Map.of("request-1", "first", "request-2", "second"), T0, T0 + HOUR_MS));
    assertThat(compactor.runOnce().groupsCompacted()).isEqualTo(1);
    String rewritten = liveBlocks(index("t")).getFirst().blockId();
    assertThat(info("t", rewritten).appliedTombstones()).containsExactly("request-1", "request-2");
    assertThat(samples(bucket, "t", rewritten)).containsOnlyKeys("{__name__=\"keep\"}");

    // Compacting with a later block at 6h: the output keeps what its parents had applied.
    upload(bucket, "t", scratch, List.of(series(Labels.of("__name__", "keep"), T0 + 2 * HOUR_MS,
        T0 + 4 * HOUR_MS, STEP_MS, t -> 1)), T0 + 2 * HOUR_MS, T0 + 4 * HOUR_MS);
    upload(bucket, "t", scratch, List.of(series(Labels.of("__name__", "keep"), T0 + 6 * HOUR_MS,
        T0 + 8 * HOUR_MS, STEP_MS, t -> 1)), T0 + 6 * HOUR_MS, T0 + 8 * HOUR_MS);
    deletions.set(SeriesDeletions.NONE);
    assertThat(compactor.runOnce().groupsCompacted()).isEqualTo(1);
    BucketIndex.Block compacted = liveBlocks(index("t")).stream()
        .filter(b -> b.compactionLevel() == 2).findFirst().orElseThrow();
    assertThat(info("t", compacted.blockId()).appliedTombstones()).containsExactly("request-1", "request-2");
  }

  @Test
  void startRunsPassesInTheBackgroundUntilClosed() throws Exception {
    threeTwoHourBlocks("t", T0);
    Compactor compactor = compactor(config(H2, H6).withCompactionInterval(Duration.ofMillis(200)));
    compactor.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> BucketIndex.read(bucket, "t").isPresent()
        && liveBlocks(index("t")).size() == 1);
    compactor.close();
  }
}
