package io.narthex.ingester.raft;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.ingester.client.PushEntryBuilder;
import io.narthex.ingester.ring.RingState;
import io.narthex.ingester.ring.RingView;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.SampleError;
import io.narthex.proto.ingester.SeriesLimits;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit: pushes to one shard that arrive while an entry is on its way share the next Raft log entry, and
 * each still gets its own answer, on three real replicas.
 */
class RaftShardWriterGroupCommitTest {
  private static final long T0_MS = 1_700_000_000_000L;
  private static final RaftOptions OPTIONS = new RaftOptions(Duration.ofMillis(300), 10_000, Duration.ofSeconds(10));

  @TempDir
  Path dataDir;

  /** Closed after each test, last first. */
  private final java.util.ArrayDeque<AutoCloseable> started = new java.util.ArrayDeque<>();

  @AfterEach
  void stopStarted() throws Exception {
    while (!started.isEmpty()) {
      started.pop().close();
    }
  }

  @Test
  void pushesWaitingForAnEntryShareTheNextAndEachGetsItsOwnAnswer() throws Exception {
    ShardMap shardMap = TestIngesters.shardMap(3);
    List<IngesterNode> nodes = new ArrayList<>();
    for (ShardMap.Node n : shardMap.nodes()) {
      IngesterNode node = IngesterNode.start(shardMap, n.id(), dataDir.resolve(n.id()), OPTIONS);
      started.push(node);
      nodes.add(node);
    }
    Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> nodes.stream().allMatch(IngesterNode::ready));

    // One thread that starts the Ratis calls, held until every push is in: the first push takes the writer's one
    // slot and the other four wait for it, whatever the scheduling.
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService calls = Executors.newSingleThreadExecutor();
    calls.execute(() -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    PrometheusRegistry registry = new PrometheusRegistry();
    RaftShardWriter writer = new RaftShardWriter(shardMap, 0, OPTIONS, new RaftWriterMetrics(registry), calls, 1);
    started.push(writer);

    List<CompletableFuture<PushResponse>> answers = List.of(
        writer.pushEntry(push("team-a", null, series("up", T0_MS))),
        writer.pushEntry(push("team-a", null, series("requests", T0_MS, T0_MS + 15_000))),
        // team-b may hold no series: its new series is refused, and only this push hears of it.
        writer.pushEntry(push("team-b", SeriesLimits.newBuilder().setLimitSeries(true).setMaxSeries(0).build(),
            series("up", T0_MS))),
        writer.pushEntry(notSnappy()),
        writer.pushEntry(push("team-a", null, series("errors", T0_MS, T0_MS + 15_000, T0_MS + 30_000))));
    release.countDown();

    assertThat(answers.get(0).get()).isEqualTo(accepted(1, 1));
    assertThat(answers.get(1).get()).isEqualTo(accepted(2, 2));
    assertThat(answers.get(2).get()).isEqualTo(PushResponse.newBuilder()
        .addErrors(SampleError.newBuilder().setReason(SampleError.Reason.MAX_SERIES_PER_USER).setSeriesIndex(0)
            .setTimestampMs(T0_MS).setRejectedSamples(1))
        .setTenantSeries(0)
        .build());
    assertThat(answers.get(3).get().getInvalidRequest()).startsWith("shard 0 rejected push 2 of log entry ");
    assertThat(answers.get(3).get().getAcceptedSamples()).isZero();
    assertThat(answers.get(4).get()).isEqualTo(accepted(3, 3));

    // One entry of the first push alone, one of the four that waited for it.
    HistogramSnapshot.HistogramDataPointSnapshot perEntry = pushesPerEntry(registry);
    assertThat(perEntry.getCount()).isEqualTo(2);
    assertThat(perEntry.getSum()).isEqualTo(5);
    // Every replica applied every push of the batch.
    Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(nodes).allSatisfy(node ->
        assertThat(node.status().getFirst().seriesPerTenant()).isEqualTo(Map.of("team-a", 3L, "team-b", 0L))));
  }

  @Test
  void aPushAloneIsSentAtOnceAsItsOwnEntry() throws Exception {
    ShardMap shardMap = TestIngesters.shardMap(1);
    IngesterNode node = IngesterNode.start(shardMap, "n0", dataDir.resolve("n0"), OPTIONS);
    started.push(node);
    Awaitility.await().atMost(Duration.ofSeconds(15)).until(node::ready);
    PrometheusRegistry registry = new PrometheusRegistry();
    RaftShardWriter writer = new RaftShardWriter(shardMap, 0, OPTIONS, new RaftWriterMetrics(registry));
    started.push(writer);

    for (int i = 0; i < 3; i++) {
      assertThat(writer.pushEntry(push("team-a", null, series("up", T0_MS + i * 15_000L))).get())
          .isEqualTo(accepted(1, 1));
    }

    HistogramSnapshot.HistogramDataPointSnapshot perEntry = pushesPerEntry(registry);
    assertThat(perEntry.getCount()).isEqualTo(3);
    assertThat(perEntry.getSum()).isEqualTo(3);
  }

  @Test
  void aWriteToANodeThatNoLongerHoldsTheShardWaitsForTheRingAndLandsOnTheNewReplica() throws Exception {
    ShardMap truth = ShardMap.roundRobin(TestIngesters.nodes(2), 2, 1);
    List<IngesterNode> nodes = new ArrayList<>();
    for (ShardMap.Node n : truth.nodes()) {
      IngesterNode node = IngesterNode.start(truth, n.id(), dataDir.resolve(n.id()), OPTIONS);
      started.push(node);
      nodes.add(node);
    }
    Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> nodes.stream().allMatch(IngesterNode::ready));
    // A distributor's ring a moment behind a move: shard 0 still at the node the move took it off (which holds
    // shard 1 only), so the node answers that it has no such group.
    RingView ring = new RingView(new RingState(2, 1, truth.nodes(), truth.shards().reversed(), List.of()));
    RaftShardWriter writer = new RaftShardWriter(ring, 0, OPTIONS, new RaftWriterMetrics(new PrometheusRegistry()));
    started.push(writer);

    CompletableFuture<PushResponse> answer = writer.pushEntry(push("team-a", null, series("up", T0_MS)));
    Thread.sleep(500); // not a condition: the write meets the node without the group a few times meanwhile
    assertThat(answer).as("a write to a node without the shard's group waits for the ring").isNotDone();
    ring.update(new RingState(3, 1, truth.nodes(), truth.shards(), List.of()));

    assertThat(answer.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(accepted(1, 1));
  }

  private static PushResponse accepted(long samples, long tenantSeries) {
    return PushResponse.newBuilder().setAcceptedSamples(samples).setTenantSeries(tenantSeries).build();
  }

  private static HistogramSnapshot.HistogramDataPointSnapshot pushesPerEntry(PrometheusRegistry registry) {
    return registry.scrape().stream()
        .filter(s -> s.getMetadata().getPrometheusName().equals("narthex_distributor_raft_pushes_per_entry"))
        .map(s -> ((HistogramSnapshot) s).getDataPoints().getFirst())
        .findFirst().orElseThrow();
  }

  private static TimeSeries series(String name, long... timestampsMs) {
    TimeSeries.Builder series = TimeSeries.newBuilder()
        .addLabels(Label.newBuilder().setName("__name__").setValue(name));
    for (long timestampMs : timestampsMs) {
      series.addSamples(Sample.newBuilder().setTimestamp(timestampMs).setValue(1));
    }
    return series.build();
  }

  private static byte[] push(String tenant, SeriesLimits limits, TimeSeries series) {
    byte[] bytes = series.toByteArray();
    PushEntryBuilder entry = new PushEntryBuilder(tenant);
    entry.add(bytes, 0, bytes.length);
    if (limits != null) {
      entry.reserve(limits.getSerializedSize() + 8);
    }
    return entry.build(limits);
  }

  /** A snappy_push (field 5) whose bytes are not snappy: a writer's bug, refused by every replica. */
  private static byte[] notSnappy() {
    return new byte[] {5 << 3 | 2, 3, (byte) 0xff, (byte) 0xff, (byte) 0xff};
  }
}
