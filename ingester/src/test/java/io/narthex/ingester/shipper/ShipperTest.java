package io.narthex.ingester.shipper;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.ingester.FreePorts;
import io.narthex.ingester.ShardHeads;
import io.narthex.ingester.LocalBlocks;
import io.narthex.ingester.raft.IngesterNode;
import io.narthex.ingester.raft.RaftOptions;
import io.narthex.ingester.raft.RaftShardWriter;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.ingester.sim.SimClock;
import io.narthex.proto.ingester.PushRequest;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.SeriesLimits;
import io.narthex.proto.ingester.ShardLogEntry;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.ingester.SampleError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipper against a real one-replica Raft shard and a directory standing in for the bucket. */
class ShipperTest {
  private static final long HOUR_MS = 3_600_000L;
  private static final String TENANT = "team-a";
  private static final Duration IDLE_TIMEOUT = Duration.ofHours(1);
  /** Past the idle timeout with the largest jitter (25%). */
  private static final Duration IDLE = Duration.ofMinutes(76);

  @TempDir
  Path dataDir;

  private IngesterNode node;
  private RaftShardWriter writer;
  private ShardMap shardMap;
  private final RaftOptions raftOptions = new RaftOptions(Duration.ofMillis(300), 10_000, Duration.ofSeconds(5));
  private final List<String> uploads = new ArrayList<>();
  private final AtomicBoolean storageDown = new AtomicBoolean();

  @BeforeEach
  void startShard() throws Exception {
    int port = FreePorts.next();
    shardMap = ShardMap.roundRobin(List.of(new ShardMap.Node("n0", "127.0.0.1:1", "127.0.0.1:" + port)), 1, 1);
    node = IngesterNode.start(shardMap, "n0", dataDir.resolve("n0"), raftOptions);
    writer = new RaftShardWriter(shardMap, 0, raftOptions);
    // Ready is not enough: the shipper works only on a shard whose leader is ready (has committed in its term),
    // which may come a moment after the node is ready.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> node.ready() && node.replicaState(0).getLeader());
  }

  @AfterEach
  void stop() {
    writer.close();
    node.close();
  }

  /** A sink that copies the block to {@code <dataDir>/bucket/<tenant>/<ULID>}, or fails while storage is down. */
  private BlockSink sink() {
    return (tenant, blockDir) -> {
      if (storageDown.get()) {
        throw new IOException("object storage unavailable");
      }
      Path target = dataDir.resolve("bucket").resolve(tenant).resolve(blockDir.getFileName().toString());
      try (Stream<Path> files = Files.walk(blockDir)) {
        for (Path file : files.toList()) {
          Path to = target.resolve(blockDir.relativize(file).toString());
          if (Files.isDirectory(file)) {
            Files.createDirectories(to);
          } else {
            Files.copy(file, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          }
        }
      }
      uploads.add(tenant + "/" + blockDir.getFileName());
    };
  }

  private Shipper shipper(long nowMs, Duration retention) {
    return shipper(Clock.fixed(Instant.ofEpochMilli(nowMs), ZoneOffset.UTC), retention);
  }

  /** 2h blocks, idle after 1h (plus up to 15 min of jitter); passes only when a test calls {@code ship}. */
  private Shipper shipper(Clock clock, Duration retention) {
    ShipperOptions options = new ShipperOptions(Duration.ofHours(2), IDLE_TIMEOUT, retention, Duration.ofHours(1));
    return new Shipper(node, raftOptions, sink(), options, dataDir.resolve("n0/shipper"), clock);
  }

  private PushResponse push(long fromMs, long toMs, int seriesCount) throws Exception {
    return TestPushes.push(writer, TENANT, fromMs, toMs, seriesCount);
  }

  private long samplesInHead(long fromMs, long toMs) {
    return TestPushes.samples(node.heads(0), TENANT, fromMs, toMs);
  }

  @Test
  void cutsTheOldestRangeOnceTheHeadSpansOneAndAHalfRangesAndMovesTheMinimumValidTimeOnEveryReplica()
      throws Exception {
    long startMs = 100 * HOUR_MS; // aligned to 2h
    push(startMs, startMs + 3 * HOUR_MS, 3); // newest sample 3h - 15s: the head spans less than 3h
    // The wall clock, days past the data, does not matter: a backfill is cut as it arrives.
    try (Shipper shipper = shipper(startMs + 100 * HOUR_MS, Duration.ofHours(13))) {
      assertThat(shipper.ship(false).blocksShipped()).isZero();

      push(startMs + 3 * HOUR_MS, startMs + 3 * HOUR_MS + 30_000, 3); // newest 3h + 15s: more than 1.5 ranges
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(1, 0));
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(0, 0)); // [2h, 4h) is not due
    }
    assertThat(uploads).hasSize(1);
    ShardHeads ingester = node.heads(0);
    assertThat(ingester.head(TENANT).minValidTimeMs()).isEqualTo(startMs + 2 * HOUR_MS);
    // Retention 13h: the shipped range stays queryable in the head.
    assertThat(samplesInHead(startMs, startMs + 3 * HOUR_MS)).isEqualTo(3 * (3 * 240 + 1));

    PushResponse late = push(startMs + HOUR_MS, startMs + HOUR_MS + 1, 1);
    assertThat(late.getErrorsList()).extracting(SampleError::getReason).containsExactly(SampleError.Reason.OUT_OF_BOUNDS);
    assertThat(late.getAcceptedSamples()).isZero();
  }

  /**
   * Two senders backfill 8h of data from months ago, the second lagging the first by a drift that wanders between 0
   * and 55 minutes, with a shipper pass after every push, its clock months past the data. Prometheus and Mimir take
   * every sample (their heads are cut by sample time); a range cut once the wall clock passed it refused the
   * lagging sender's samples as out of bounds. Every sample lands in exactly one block: three cut by sample time as
   * the backfill goes, the last once the head is idle.
   */
  @Test
  void aBackfillFromTwoSendersThatDriftApartByUpToAnHourLosesNoSampleAndLandsInBlocks() throws Exception {
    long startMs = 1_000 * HOUR_MS; // aligned to 2h
    long endMs = startMs + 8 * HOUR_MS;
    long stepMs = 5 * 60_000;
    int seriesPerSender = 4;
    SimClock clock = new SimClock(endMs + 90 * 24 * HOUR_MS);
    long accepted = 0;
    long maxDriftMs = 0;
    try (Shipper shipper = shipper(clock, Duration.ofHours(13))) {
      long leadMs = startMs;
      long lagMs = startMs;
      for (int step = 0; leadMs < endMs || lagMs < endMs; step++) {
        long leadToMs = Math.min(endMs, leadMs + stepMs);
        // A triangle wave with a 2h period: 0, 5, ... 55 minutes behind and back.
        long driftMs = (55 - Math.abs(step % 22 - 11) * 5) * 60_000L;
        long lagToMs = leadToMs == endMs ? endMs : Math.max(lagMs, leadToMs - driftMs);
        // The lagging sender goes first in every other step: cuts fall between the two senders' pushes either way.
        for (String sender : step % 2 == 0 ? List.of("lead", "lag") : List.of("lag", "lead")) {
          boolean lead = sender.equals("lead");
          PushResponse response = TestPushes.push(writer, TENANT, lead ? leadMs : lagMs, lead ? leadToMs : lagToMs,
              seriesPerSender, sender);
          assertThat(response.getErrorsList()).as("step %d, %s sender", step, sender).isEmpty();
          accepted += response.getAcceptedSamples();
          shipper.ship(false);
        }
        maxDriftMs = Math.max(maxDriftMs, leadToMs - lagToMs);
        leadMs = leadToMs;
        lagMs = lagToMs;
      }
      assertThat(maxDriftMs).isEqualTo(55 * 60_000L);
      assertThat(accepted).isEqualTo(2L * seriesPerSender * 8 * 240);
      // By sample time: [0h, 2h), [2h, 4h) and [4h, 6h); [6h, 8h) waits, its head spanning less than 1.5 ranges.
      assertThat(uploads).hasSize(3);
      assertThat(node.heads(0).head(TENANT).inBlocksBeforeMs()).isEqualTo(startMs + 6 * HOUR_MS);

      clock.advance(IDLE);
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(1, 0));
    }
    ShardHeads ingester = node.heads(0);
    assertThat(ingester.head(TENANT).numSeries()).isZero();
    assertThat(ingester.localBlocks().blocks(TENANT)).extracting(LocalBlocks.Block::minTimeMs)
        .containsExactly(startMs, startMs + 2 * HOUR_MS, startMs + 4 * HOUR_MS, startMs + 6 * HOUR_MS);
    assertThat(samplesInHead(startMs, endMs)).isEqualTo(accepted);
  }

  @Test
  void shippedDataLeavesTheHeadsTheRetentionAfterItsUploadNotBefore() throws Exception {
    long startMs = 100 * HOUR_MS;
    push(startMs, startMs + 3 * HOUR_MS + 30 * 60_000, 2); // [0h, 2h) is due
    SimClock clock = new SimClock(startMs + 50 * HOUR_MS); // data far older than the retention
    try (Shipper shipper = shipper(clock, Duration.ofHours(1))) {
      assertThat(shipper.ship(false).blocksShipped()).isEqualTo(1);
      assertThat(samplesInHead(startMs, startMs + 2 * HOUR_MS - 1)).isEqualTo(2 * 480);

      clock.advance(Duration.ofMinutes(59));
      shipper.ship(false);
      assertThat(samplesInHead(startMs, startMs + 2 * HOUR_MS - 1)).isEqualTo(2 * 480);

      clock.advance(Duration.ofMinutes(2));
      shipper.ship(false);
      assertThat(samplesInHead(startMs, startMs + 2 * HOUR_MS - 1)).isZero();
    }
  }

  @Test
  void flushShipsEverythingAndRetentionZeroEmptiesTheHead() throws Exception {
    long startMs = 100 * HOUR_MS;
    push(startMs, startMs + 5 * HOUR_MS, 2);

    try (Shipper shipper = shipper(startMs + 5 * HOUR_MS, Duration.ZERO)) {
      Shipper.Result result = shipper.ship(true);

      // [0,2h) [2h,4h) [4h, last sample]
      assertThat(result.blocksShipped()).isEqualTo(3);
    }
    assertThat(uploads).hasSize(3);
    // Emptied, the tenant's head is dropped on every replica: tenants that stopped writing cost nothing.
    assertThat(node.heads(0).head(TENANT)).isNull();
    assertThat(node.heads(0).tenants()).isEmpty();
  }

  @Test
  void anObjectStorageOutageKeepsCutBlocksOnLocalDiskEmptiesTheHeadAndUploadsEachBlockOnce() throws Exception {
    long startMs = 100 * HOUR_MS;
    push(startMs, startMs + 4 * HOUR_MS, 4);
    SimClock clock = new SimClock(startMs + 6 * HOUR_MS);
    storageDown.set(true);
    try (Shipper shipper = shipper(clock, Duration.ZERO)) {
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(0, 1)); // [0h, 2h), by sample time
      clock.advance(IDLE);
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(0, 2)); // the rest: the head is idle
      ShardHeads ingester = node.heads(0);
      // Both ranges left the head's memory for blocks on local disk, and are still served from there.
      assertThat(ingester.head(TENANT).numSeries()).isZero();
      List<LocalBlocks.Block> cut = ingester.localBlocks().blocks(TENANT);
      assertThat(cut).hasSize(2).noneMatch(LocalBlocks.Block::shipped);
      assertThat(cut).allMatch(block -> Files.isRegularFile(block.dir().resolve("meta.json")));
      assertThat(samplesInHead(startMs, startMs + 4 * HOUR_MS)).isEqualTo(4 * 960);
      // The ranges were closed before they were cut: a late sample is refused, not acknowledged and then lost.
      PushResponse late = push(startMs + 4 * HOUR_MS - 15_000, startMs + 4 * HOUR_MS - 14_999, 9);
      assertThat(late.getErrorsList()).extracting(SampleError::getReason)
          .containsOnly(SampleError.Reason.OUT_OF_BOUNDS);
      assertThat(uploads).isEmpty();

      storageDown.set(false);
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(2, 0));
      assertThat(uploads).containsExactly(TENANT + "/" + cut.get(0).ulid(), TENANT + "/" + cut.get(1).ulid());
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(0, 0));
    }
    assertThat(uploads).hasSize(2);
    // Retention zero: the shipped blocks left every replica, and the emptied head was dropped.
    assertThat(samplesInHead(startMs, startMs + 4 * HOUR_MS)).isZero();
    assertThat(node.heads(0).tenants()).isEmpty();
  }

  @Test
  void blocksCutDuringAnOutageSurviveARestartAndAreShippedAfterIt() throws Exception {
    long startMs = 100 * HOUR_MS;
    push(startMs, startMs + 5 * HOUR_MS + 30 * 60_000, 3); // [0h, 2h) and [2h, 4h) are due
    storageDown.set(true);
    try (Shipper shipper = shipper(startMs + 6 * HOUR_MS, Duration.ofHours(13))) {
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(0, 2));
    }
    writer.close();
    node.close();
    node = IngesterNode.start(shardMap, "n0", dataDir.resolve("n0"), raftOptions);
    writer = new RaftShardWriter(shardMap, 0, raftOptions);
    // Ready is not enough: the shipper works only on a shard whose leader is ready (has committed in its term),
    // which may come a moment after the node is ready.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> node.ready() && node.replicaState(0).getLeader());

    // Replaying the log found the blocks on disk: served again, and the head holds none of their samples.
    assertThat(node.heads(0).localBlocks().blocks(TENANT)).hasSize(2);
    assertThat(node.heads(0).head(TENANT).minTimeMs()).isEqualTo(startMs + 4 * HOUR_MS);
    assertThat(samplesInHead(startMs, startMs + 6 * HOUR_MS)).isEqualTo(3 * 1320);
    storageDown.set(false);
    try (Shipper shipper = shipper(startMs + 6 * HOUR_MS, Duration.ofHours(13))) {
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(2, 0));
    }
    assertThat(uploads).hasSize(2);
  }

  /** Raft log entries applied so far; Ratis adds a metadata entry (the commit index) after each of ours. */
  private long appliedIndex() {
    return node.status().getFirst().appliedIndex();
  }

  @Test
  void oneOldSampleCostsOneBlockAndNotTwoCommitsPerEmptyRangeSinceIt() throws Exception {
    long startMs = 100 * 24 * HOUR_MS;
    push(startMs - 30 * 24 * HOUR_MS, startMs - 30 * 24 * HOUR_MS + 1, 1); // a new head takes it
    push(startMs, startMs + 4 * HOUR_MS, 2);
    long before = appliedIndex();

    try (Shipper shipper = shipper(startMs + 4 * HOUR_MS, Duration.ofHours(13))) {
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(2, 0));
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(0, 0));
    }

    // Each block: close, cut and shipped; the 359 empty ranges between them: two closes and one block mark. Twice
    // that with Ratis's metadata entries; walking every empty range took 1,444.
    assertThat(appliedIndex() - before).isLessThanOrEqualTo(2 * 9 + 2);
    assertThat(uploads).hasSize(2);
    assertThat(node.heads(0).head(TENANT).inBlocksBeforeMs()).isEqualTo(startMs + 2 * HOUR_MS);
    assertThat(samplesInHead(startMs, startMs + 3 * HOUR_MS - 1)).isEqualTo(2 * 720);
  }

  @Test
  void anIdleHeadIsCutWholeAndEmptyRangesBeforeALaterSampleAreSkipped() throws Exception {
    long startMs = 100 * HOUR_MS;
    push(startMs, startMs + HOUR_MS, 1); // one range, never due by sample time
    long lastMs = startMs + HOUR_MS - 15_000;
    SimClock clock = new SimClock(startMs + 48 * HOUR_MS);
    try (Shipper shipper = shipper(clock, Duration.ofHours(13))) {
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(0, 0)); // first seen: active now
      clock.advance(Duration.ofMinutes(59));
      push(lastMs + 15_000, lastMs + 30_000, 1); // a sample resets the idle time
      lastMs += 15_000;
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(0, 0));
      clock.advance(Duration.ofMinutes(60));
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(0, 0)); // idle an hour, not past the timeout

      clock.advance(IDLE.minus(Duration.ofMinutes(60)));
      long before = appliedIndex();
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(1, 0));
      // Close, cut and shipped, and their metadata entries, give or take one applied after `before` was read.
      assertThat(appliedIndex() - before).isLessThanOrEqualTo(2 * 3 + 2);
    }
    // Cut up to the newest sample, as a flush: the head is empty and takes nothing older.
    assertThat(node.heads(0).head(TENANT).inBlocksBeforeMs()).isEqualTo(lastMs + 1);
    assertThat(node.heads(0).head(TENANT).minValidTimeMs()).isEqualTo(lastMs + 1);
    assertThat(node.heads(0).head(TENANT).numSeries()).isZero();
    assertThat(samplesInHead(startMs, lastMs)).isEqualTo(241);

    // A sample long after: once idle, the empty ranges before it are skipped at once, up to the range that holds it.
    push(startMs + 47 * HOUR_MS, startMs + 47 * HOUR_MS + 1, 1);
    SimClock later = new SimClock(startMs + 50 * HOUR_MS);
    try (Shipper shipper = shipper(later, Duration.ofHours(13))) {
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(0, 0));
      later.advance(IDLE);
      long beforeSecond = appliedIndex();
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(1, 0));
      // Close to the first range's end, close past the empty ranges, the block mark, close, cut and shipped.
      assertThat(appliedIndex() - beforeSecond).isLessThanOrEqualTo(2 * 6 + 2);
    }
    assertThat(node.heads(0).head(TENANT).inBlocksBeforeMs()).isEqualTo(startMs + 47 * HOUR_MS + 1);
    assertThat(uploads).hasSize(2);
  }

  @Test
  void aZeroIdleTimeoutNeverCutsAnIdleHead() throws Exception {
    long startMs = 100 * HOUR_MS;
    push(startMs, startMs + HOUR_MS, 1);
    SimClock clock = new SimClock(startMs + 2 * HOUR_MS);
    ShipperOptions never = new ShipperOptions(Duration.ofHours(2), Duration.ZERO, Duration.ofHours(13),
        Duration.ofHours(1));
    try (Shipper shipper = new Shipper(node, raftOptions, sink(), never, dataDir.resolve("n0/shipper"),
        clock)) {
      shipper.ship(false);
      clock.advance(Duration.ofDays(30));
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(0, 0));
    }
    assertThat(node.heads(0).head(TENANT).numSeries()).isEqualTo(1);
  }

  @Test
  void seriesThatStoppedLeaveTheSeriesCountAtTheNextCut() throws Exception {
    long startMs = 100 * HOUR_MS;
    push(startMs, startMs + HOUR_MS, 3); // cpu 0, 1 and 2, then they stop
    SeriesLimits three = SeriesLimits.newBuilder().setLimitSeries(true).setMaxSeries(3).build();
    PushRequest newSeries = PushRequest.newBuilder().setTenant(TENANT).setSeriesLimits(three)
        .addTimeseries(TimeSeries.newBuilder()
            .addLabels(Label.newBuilder().setName("__name__").setValue("up"))
            .addSamples(Sample.newBuilder().setTimestamp(startMs + HOUR_MS).setValue(1)))
        .build();
    PushResponse refused = writer.submit(ShardLogEntry.newBuilder().setPush(newSeries).build()).get();
    assertThat(refused.getErrorsList()).extracting(SampleError::getReason)
        .containsExactly(SampleError.Reason.MAX_SERIES_PER_USER);

    SimClock clock = new SimClock(startMs + 3 * HOUR_MS);
    try (Shipper shipper = shipper(clock, Duration.ofHours(13))) {
      shipper.ship(false);
      clock.advance(IDLE);
      assertThat(shipper.ship(false).blocksShipped()).isEqualTo(1); // the tenant stopped: its head is idle
    }

    // Their data is in a block now, and they no longer count against the tenant's limit.
    assertThat(node.heads(0).head(TENANT).numSeries()).isZero();
    PushRequest later = newSeries.toBuilder().setTimeseries(0, newSeries.getTimeseries(0).toBuilder()
        .setSamples(0, Sample.newBuilder().setTimestamp(startMs + 3 * HOUR_MS).setValue(1))).build();
    PushResponse accepted = writer.submit(ShardLogEntry.newBuilder().setPush(later).build()).get();
    assertThat(accepted.getErrorsList()).isEmpty();
    assertThat(accepted.getAcceptedSamples()).isEqualTo(1);
    assertThat(samplesInHead(startMs, startMs + HOUR_MS)).isEqualTo(3 * 240);
  }

  @Test
  void samplesFurtherThanAnHourBehindTheNewestAreTooOld() throws Exception {
    long startMs = 100 * HOUR_MS;
    push(startMs, startMs + 3 * HOUR_MS, 1);

    PushResponse old = push(startMs + HOUR_MS, startMs + HOUR_MS + 1, 2);

    assertThat(old.getErrorsList()).extracting(SampleError::getReason).containsOnly(SampleError.Reason.TOO_OLD);
    assertThat(old.getAcceptedSamples()).isEqualTo(0);
    // The refused series was not created.
    assertThat(node.heads(0).head(TENANT).numSeries()).isEqualTo(1);
  }

  @Test
  void aBlockThatCannotBeUploadedDoesNotHoldBackTruncationOfWhatWasShippedBeforeIt() throws Exception {
    long startMs = 100 * HOUR_MS;
    push(startMs, startMs + 4 * HOUR_MS, 2);
    SimClock clock = new SimClock(startMs + 3 * HOUR_MS);
    try (Shipper shipper = shipper(clock, Duration.ofHours(1))) {
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(1, 0)); // [0h, 2h)
      storageDown.set(true);
      clock.advance(Duration.ofHours(2)); // the head is idle: [2h, 4h) is due now, and cannot be uploaded
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(0, 1));
      clock.advance(Duration.ofMinutes(10));
      assertThat(shipper.ship(false)).isEqualTo(new Shipper.Result(0, 1));

      // The first block was uploaded more than the 1h retention ago: its data left the head, the rest stayed.
      assertThat(samplesInHead(startMs, startMs + 2 * HOUR_MS - 1)).isZero();
      assertThat(samplesInHead(startMs + 2 * HOUR_MS, startMs + 4 * HOUR_MS)).isEqualTo(2 * 480);
    }
  }
}
