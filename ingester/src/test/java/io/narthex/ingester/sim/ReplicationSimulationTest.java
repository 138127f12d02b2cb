package io.narthex.ingester.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.ingester.ShardHeads;
import io.narthex.ingester.LocalBlocks;
import io.narthex.ingester.raft.IngesterNode;
import io.narthex.ingester.raft.RaftOptions;
import io.narthex.ingester.shipper.ShipperOptions;
import io.narthex.proto.ingester.PushRequest;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.ShardLogEntry;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replication under faults, as a seeded random walk in the spirit of Kafka's {@code RaftEventSimulationTest}: per
 * seed, a three-node {@link MiniCluster} takes concurrent pushes from two writers throughout while steps drawn from
 * {@code new Random(seed)} kill a shard's leader or a follower, restart a dead node (which may install the leader's
 * snapshot, the log it needs having been purged), run a shipper pass with object storage up or down (CloseHeadRange,
 * BlockCut, BlockShipped and TruncateHead entries), or move the clock. After every step, once the live replicas
 * have applied the same index, it checks that every acknowledged sample is served exactly once with its value by
 * every live replica (with object storage for what left the replicas, merged as queriers merge: one sample per
 * timestamp where both hold the same; see {@link ReplicaContents#withShipped}), that live replicas hold the same
 * samples and local blocks, and that every response's accepted and rejected counts add up (to fewer on a resend,
 * whose samples an earlier failed attempt may have stored).
 *
 * <p>The seed fixes the steps, the data and the points where faults hit the writes; thread timing and Ratis's
 * elections are real, so a replayed seed retraces the same walk over possibly different interleavings. Faults are
 * crashes (a node closed and restarted from its disk): Ratis's gRPC transport has no hook to drop or delay messages
 * between chosen peers. At most one node is down at a time, so every shard keeps a quorum.
 *
 * <p>Properties: {@code -Dsim.seed=N} replays one seed; {@code -Dsim.seeds=N} runs N seeds from
 * {@code -Dsim.firstSeed} (default 1) instead of {@link #DEFAULT_SEEDS}; {@code -Dsim.steps=N} sets the steps per
 * seed. See docs/testing.md.
 */
class ReplicationSimulationTest {
  /** Seeds whose first 12 steps install snapshots and cut, ship and drop blocks. */
  private static final long[] DEFAULT_SEEDS = {6, 7};
  private static final int DEFAULT_STEPS = 12;
  private static final int NODES = 3;
  private static final int SHARDS = 2;
  private static final int REPLICATION_FACTOR = 3;
  private static final int WRITERS = 2;
  private static final int SERIES_PER_PUSH = 8;
  private static final String[] TENANTS = {"team-a", "team-b"};
  private static final long HOUR_MS = 3_600_000L;
  private static final Duration QUIESCE_TIMEOUT = Duration.ofSeconds(60);
  private static final int REPORTED_VIOLATIONS = 10;

  // Snapshots every 20 entries and 16 KiB log segments: a node down for a step or two comes back to a purged log.
  // Writes give up after 1.5 s, so some straddling an election fail and are sent again, as a sender retries.
  // A leader whose snapshot stream broke when its follower was killed gives it up after 8 chunk timeouts, 24 s with
  // Ratis's default: 500 ms chunks bring the restarted follower its snapshot in seconds (the snapshots are small).
  private static final RaftOptions RAFT = new RaftOptions(Duration.ofMillis(300), 20, Duration.ofMillis(1_500))
      .withLogSegmentBytes(16 << 10).withInstallSnapshotRequestTimeout(Duration.ofMillis(500));
  // One-hour blocks, cut once a head spans 1.5 hours of samples (or took none for 5 minutes) and dropped 10 minutes
  // after upload, so that a few clock steps cut, ship and truncate.
  private static final ShipperOptions SHIPPER = new ShipperOptions(Duration.ofHours(1), Duration.ofMinutes(5),
      Duration.ofMinutes(10), Duration.ofHours(1));

  @TempDir
  Path dataDir;

  enum Fault { NONE, KILL_LEADER, KILL_FOLLOWER, RESTART, SHIP, SHIP_DURING_OUTAGE, TIME_PASSES }

  /** Steps drawn with these weights: crashes and shipper passes often, so that most steps change something. */
  private static final Fault[] FAULTS = {Fault.NONE, Fault.KILL_LEADER, Fault.KILL_LEADER, Fault.KILL_FOLLOWER,
      Fault.RESTART, Fault.RESTART, Fault.SHIP, Fault.SHIP, Fault.SHIP_DURING_OUTAGE, Fault.TIME_PASSES,
      Fault.TIME_PASSES};

  /** {@code -Dsim.seed} alone, {@code -Dsim.seeds} seeds from {@code -Dsim.firstSeed} (default 1), or the defaults. */
  static LongStream seeds() {
    String seed = System.getProperty("sim.seed");
    if (seed != null && !seed.isBlank()) {
      return LongStream.of(Long.parseLong(seed.trim()));
    }
    Integer count = Integer.getInteger("sim.seeds");
    if (count == null) {
      return LongStream.of(DEFAULT_SEEDS);
    }
    long first = Long.getLong("sim.firstSeed", 1);
    return LongStream.range(first, first + count);
  }

  @ParameterizedTest(name = "seed={0}")
  @MethodSource("seeds")
  void acknowledgedSamplesSurviveCrashesRestartsAndObjectStorageOutages(long seed) throws Exception {
    int steps = Integer.getInteger("sim.steps", DEFAULT_STEPS);
    System.out.printf("replication simulation seed=%d steps=%d (replay with -Dsim.seed=%d)%n", seed, steps, seed);
    Random random = new Random(seed);
    SampleLedger ledger = new SampleLedger();
    long[] lastTimestampMs = new long[WRITERS];
    ExecutorService writerThreads = Executors.newFixedThreadPool(WRITERS);
    try (MiniCluster cluster = MiniCluster.start(dataDir, NODES, SHARDS, REPLICATION_FACTOR, RAFT, SHIPPER,
        1_000 * HOUR_MS)) {
      for (int step = 0; step < steps; step++) {
        long startNanos = System.nanoTime();
        Fault fault = FAULTS[random.nextInt(FAULTS.length)];
        String done = runStep(cluster, ledger, random, fault, writerThreads, lastTimestampMs, seed, step);
        String where = "seed=" + seed + " step=" + step + " (" + done + "), replay with -Dsim.seed=" + seed;
        cluster.awaitQuiescent(QUIESCE_TIMEOUT);
        checkInvariants(cluster, ledger, where);
        System.out.printf("  step %d: %s; checked (%d ms)%n", step, done, (System.nanoTime() - startNanos) / 1_000_000);
      }
      for (String nodeId : cluster.nodeIds()) {
        if (cluster.node(nodeId) == null) {
          cluster.restart(nodeId);
        }
      }
      cluster.awaitQuiescent(QUIESCE_TIMEOUT);
      checkInvariants(cluster, ledger, "seed=" + seed + " after restarting every node, replay with -Dsim.seed="
          + seed);
      System.out.printf("  seed %d: %d pushes (%d failed attempts), %d samples sent, %d acknowledged; %d local blocks"
          + " on n0, %d uploaded%n", seed, ledger.pushes(), ledger.failedAttempts(), ledger.sent(),
          ledger.acknowledged(), localBlocks(cluster, "n0"), uploadedBlocks(cluster));
      assertThat(ledger.acknowledged()).as("seed=%d acknowledged samples", seed).isPositive();
    } finally {
      writerThreads.shutdownNow();
    }
  }

  /**
   * Runs one fault while both writers push a random number of batches; the fault hits once a random number of
   * those pushes were answered. Returns what was done.
   */
  private static String runStep(MiniCluster cluster, SampleLedger ledger, Random random, Fault fault,
      ExecutorService writerThreads, long[] lastTimestampMs, long seed, int step) throws Exception {
    int pushesPerWriter = 3 + random.nextInt(10);
    long faultAfterPushes = ledger.pushes() + random.nextInt(pushesPerWriter * WRITERS * SHARDS + 1);
    List<Future<?>> writers = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      int writer = w;
      Random values = new Random(seed * 1_000_003L + step * 31L + writer);
      writers.add(writerThreads.submit(() -> {
        for (int i = 0; i < pushesPerWriter; i++) {
          for (int shard = 0; shard < SHARDS; shard++) {
            push(cluster, ledger, writer, shard, values, lastTimestampMs);
          }
        }
        return null;
      }));
    }
    Awaitility.await().atMost(QUIESCE_TIMEOUT).until(
        () -> ledger.pushes() >= faultAfterPushes || writers.stream().allMatch(Future::isDone));
    String done = inject(cluster, random, fault);
    for (Future<?> writer : writers) {
      writer.get(QUIESCE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
    return done + " during " + pushesPerWriter * SHARDS + " pushes per writer";
  }

  private static String inject(MiniCluster cluster, Random random, Fault fault) throws Exception {
    List<String> dead = cluster.nodeIds().stream().filter(id -> cluster.node(id) == null).toList();
    if ((fault == Fault.KILL_LEADER || fault == Fault.KILL_FOLLOWER) && !dead.isEmpty()) {
      fault = Fault.RESTART; // one node down at most: every shard keeps its quorum
    }
    int shard = random.nextInt(SHARDS);
    switch (fault) {
      case NONE -> {
        return "writes only";
      }
      case KILL_LEADER -> {
        String leader = cluster.leader(shard).orElse(cluster.liveNodeIds().getFirst());
        cluster.kill(leader);
        return "killed " + leader + ", leader of shard " + shard;
      }
      case KILL_FOLLOWER -> {
        String leader = cluster.leader(shard).orElse("");
        List<String> followers = cluster.liveReplicas(shard).stream().map(IngesterNode::nodeId)
            .filter(id -> !id.equals(leader)).toList();
        String follower = followers.get(random.nextInt(followers.size()));
        cluster.kill(follower);
        return "killed " + follower + ", follower of shard " + shard;
      }
      case RESTART -> {
        if (dead.isEmpty()) {
          return "writes only (no node down to restart)";
        }
        String nodeId = dead.getFirst();
        List<Integer> installing = new ArrayList<>();
        for (int s : cluster.shardMap().shardsOf(nodeId)) {
          if (cluster.needsSnapshot(nodeId, s)) {
            installing.add(s);
          }
        }
        cluster.restart(nodeId);
        return "restarted " + nodeId + (installing.isEmpty() ? ""
            : ", its log purged on the leader: installs the snapshot of shards " + installing);
      }
      case SHIP, SHIP_DURING_OUTAGE -> {
        boolean outage = fault == Fault.SHIP_DURING_OUTAGE;
        cluster.objectStore().setDown(outage);
        try {
          cluster.ship();
        } finally {
          cluster.objectStore().setDown(false);
        }
        return outage ? "shipper pass with object storage down" : "shipper pass";
      }
      case TIME_PASSES -> {
        Duration passed = Duration.ofMinutes(10 + random.nextInt(81));
        cluster.clock().advance(passed);
        return passed.toMinutes() + " minutes passed";
      }
      default -> throw new AssertionError(fault);
    }
  }

  /**
   * One push of {@link #SERIES_PER_PUSH} series of one sample each to the shard, sent again once if it fails, and
   * recorded with its last answer (none when both attempts failed). Each
   * writer's timestamps rise by at least a second per push and trail the clock by up to 10 minutes, so some land
   * in a range a shipper pass is closing.
   */
  private static void push(MiniCluster cluster, SampleLedger ledger, int writer, int shard, Random values,
      long[] lastTimestampMs) {
    long timestampMs = Math.max(lastTimestampMs[writer] + 1_000,
        cluster.clock().millis() - values.nextInt(10 * 60) * 1_000L);
    lastTimestampMs[writer] = timestampMs;
    String tenant = TENANTS[writer % TENANTS.length];
    PushRequest.Builder request = PushRequest.newBuilder().setTenant(tenant);
    for (int s = 0; s < SERIES_PER_PUSH; s++) {
      request.addTimeseries(TimeSeries.newBuilder()
          .addLabels(label("__name__", "sim_samples"))
          .addLabels(label("series", Integer.toString(s)))
          .addLabels(label("shard", Integer.toString(shard)))
          .addLabels(label("writer", Integer.toString(writer)))
          .addSamples(Sample.newBuilder().setTimestamp(timestampMs).setValue(values.nextDouble())));
    }
    PushRequest built = request.build();
    PushResponse response = null;
    // A failed write may have been committed all the same: the second attempt sends the same samples again, as
    // Prometheus retries a failed remote write, and must not store them twice.
    int attempt = 0;
    for (; attempt < 2 && response == null; attempt++) {
      try {
        response = cluster.writer(shard).submit(ShardLogEntry.newBuilder().setPush(built).build()).get();
      } catch (Exception e) {
        ledger.recordFailedAttempt();
      }
    }
    ledger.record(shard, built, response, attempt > 1);
  }

  private static Label.Builder label(String name, String value) {
    return Label.newBuilder().setName(name).setValue(value);
  }

  /** Where the first finding's sample is held, and the replica's local blocks. */
  private static String diagnose(String finding, LocalBlocks uploaded, ShardHeads ingester, ReplicaContents contents) {
    String key = finding.replaceAll("^[^:]*: ", "").replaceAll("=.*$", "");
    return "; " + key + " held by " + ReplicaContents.sourcesOf(key, uploaded, ingester) + "; local blocks "
        + contents.blocks();
  }

  private static int localBlocks(MiniCluster cluster, String nodeId) {
    int blocks = 0;
    for (int shard : cluster.node(nodeId).shards()) {
      blocks += cluster.node(nodeId).heads(shard).localBlocks().all().size();
    }
    return blocks;
  }

  private static int uploadedBlocks(MiniCluster cluster) {
    int blocks = 0;
    for (int shard = 0; shard < SHARDS; shard++) {
      blocks += cluster.objectStore().blocks(shard).all().size();
    }
    return blocks;
  }

  private static void checkInvariants(MiniCluster cluster, SampleLedger ledger, String where) {
    assertThat(ledger.countMismatches()).as("%s: responses whose counts do not add up", where).isEmpty();
    for (int shard = 0; shard < SHARDS; shard++) {
      LocalBlocks uploaded = cluster.objectStore().blocks(shard);
      String firstNodeId = null;
      ReplicaContents first = null;
      for (IngesterNode node : cluster.liveReplicas(shard)) {
        ShardHeads ingester = node.heads(shard);
        ReplicaContents contents = ReplicaContents.read(ingester);
        Map<String, List<Double>> served = contents.withShipped(uploaded, ingester);
        List<String> violations = ledger.violations(shard, served, REPORTED_VIOLATIONS);
        String diagnosis = violations.isEmpty() ? "" : diagnose(violations.getFirst(), uploaded, ingester, contents);
        assertThat(violations)
            .as("%s: shard %d on %s, with object storage%s", where, shard, node.nodeId(), diagnosis)
            .isEmpty();
        if (first == null) {
          firstNodeId = node.nodeId();
          first = contents;
        } else {
          assertThat(contents.differences(first, REPORTED_VIOLATIONS))
              .as("%s: shard %d on %s vs %s", where, shard, node.nodeId(), firstNodeId)
              .isEmpty();
        }
      }
    }
  }
}
