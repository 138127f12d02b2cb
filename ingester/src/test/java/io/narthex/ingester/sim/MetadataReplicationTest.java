package io.narthex.ingester.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.ingester.ShardMetadata;
import io.narthex.ingester.client.PushEntryBuilder;
import io.narthex.ingester.raft.RaftOptions;
import io.narthex.ingester.shipper.ShipperOptions;
import io.narthex.proto.prompb.MetricMetadata;
import io.narthex.proto.prompb.MetricMetadata.MetricType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metric metadata travels in the shard's Raft log as the distributor encodes it: every replica holds the same, a
 * replica that was down catches up, and a whole restart (snapshot plus log) keeps it.
 */
class MetadataReplicationTest {
  private static final String TENANT = "team-a";
  private static final long START_MS = 1_700_000_000_000L;
  // A snapshot every 5 entries: the restarts below read metadata from a snapshot, not only from the log.
  private static final RaftOptions RAFT = new RaftOptions(Duration.ofMillis(300), 5, Duration.ofSeconds(5));
  private static final ShipperOptions SHIPPER = new ShipperOptions(Duration.ofHours(2), Duration.ofHours(1),
      Duration.ofHours(13), Duration.ofHours(1));

  @TempDir
  Path dataDir;

  private static void push(MiniCluster cluster, long receivedMs, MetricMetadata... entries) {
    PushEntryBuilder entry = new PushEntryBuilder(TENANT);
    for (MetricMetadata metadata : entries) {
      entry.addMetadata(metadata.toByteArray(), receivedMs);
    }
    assertThat(cluster.writer(0).pushEntry(entry.build()).join().getInvalidRequest()).isEmpty();
  }

  private static MetricMetadata metadata(String family, MetricType type, String help) {
    return MetricMetadata.newBuilder().setMetricFamilyName(family).setType(type).setHelp(help).setUnit("").build();
  }

  private static void awaitEveryReplicaHolds(MiniCluster cluster, List<ShardMetadata.Family> expected) {
    Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      assertThat(cluster.liveNodeIds()).hasSize(3);
      for (String nodeId : cluster.liveNodeIds()) {
        assertThat(cluster.node(nodeId).heads(0)).as(nodeId).isNotNull();
        assertThat(cluster.node(nodeId).heads(0).metadata(TENANT, "")).as(nodeId).isEqualTo(expected);
      }
    });
  }

  @Test
  void everyReplicaServesTheMetadataAfterAReplicaWasDownAndAfterAFullRestart() throws Exception {
    try (MiniCluster cluster = MiniCluster.start(dataDir, 3, 1, 3, RAFT, SHIPPER, START_MS)) {
      push(cluster, START_MS, metadata("up", MetricType.GAUGE, "Target up."),
          metadata("http_requests_total", MetricType.COUNTER, "Requests."));
      String down = cluster.leader(0).orElseThrow();
      cluster.kill(down);
      for (int i = 1; i <= 6; i++) {
        push(cluster, START_MS + i * 1_000L, metadata("up", MetricType.GAUGE, "Target up."));
      }
      push(cluster, START_MS + 10_000, metadata("up", MetricType.GAUGE, "Whether the target is up."),
          metadata("process_cpu_seconds_total", MetricType.COUNTER, "CPU time."));
      cluster.restart(down);
      List<ShardMetadata.Family> expected = List.of(
          new ShardMetadata.Family("http_requests_total",
              List.of(new ShardMetadata.Entry(MetricType.COUNTER_VALUE, "Requests.", ""))),
          new ShardMetadata.Family("process_cpu_seconds_total",
              List.of(new ShardMetadata.Entry(MetricType.COUNTER_VALUE, "CPU time.", ""))),
          new ShardMetadata.Family("up", List.of(new ShardMetadata.Entry(MetricType.GAUGE_VALUE, "Target up.", ""),
              new ShardMetadata.Entry(MetricType.GAUGE_VALUE, "Whether the target is up.", ""))));
      awaitEveryReplicaHolds(cluster, expected);

      for (String nodeId : cluster.nodeIds()) {
        cluster.kill(nodeId);
        try (Stream<Path> files = Files.walk(dataDir.resolve(nodeId))) {
          assertThat(files.filter(f -> f.getFileName().toString().matches("snapshot\\.\\d+_\\d+"))).as(nodeId)
              .isNotEmpty();
        }
      }
      for (String nodeId : cluster.nodeIds()) {
        cluster.restart(nodeId);
      }
      awaitEveryReplicaHolds(cluster, expected);
    }
  }
}
