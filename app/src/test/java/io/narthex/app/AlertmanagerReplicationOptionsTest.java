package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.alertmanager.replication.AlertmanagerPlacement;
import io.narthex.ingester.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replicated Alertmanager's placement and node as a process builds them from {@code alertmanager.sharding_ring}
 * and the {@code -alertmanager.*} flags (issue 16 item 5); the failover of three processes is e2e's
 * {@code AlertmanagerReplicationTest}.
 */
class AlertmanagerReplicationOptionsTest {
  @TempDir Path dir;

  private Path config(String... nodes) throws Exception {
    StringBuilder yaml = new StringBuilder("blocks_storage:\n  backend: filesystem\n  filesystem:\n    dir: \"")
        .append(dir.resolve("bucket")).append("\"\n");
    if (nodes.length > 0) {
      yaml.append("alertmanager:\n  sharding_ring:\n    nodes:\n");
      for (String node : nodes) {
        yaml.append("      - ").append(node).append('\n');
      }
    }
    return Files.writeString(dir.resolve("narthex.yaml"), yaml);
  }

  private NarthexOptions options(Path config, String... flags) {
    List<String> args = new java.util.ArrayList<>(List.of("--config.file=" + config, "--target=alertmanager",
        "--server.http-listen-port=0", "--blocks-storage.tsdb.dir=" + dir.resolve("tsdb"),
        "--alertmanager.storage.path=" + dir.resolve("alertmanager")));
    args.addAll(List.of(flags));
    return NarthexOptions.parse(args.toArray(String[]::new));
  }

  @Test
  void nodesInTheConfigFileArePlacedFourGroupsPerNodeWithTheReplicationFactor() throws Exception {
    Path config = config("{id: am-1, raft_address: \"127.0.0.1:9151\"}", "{id: am-2, raft_address: \"127.0.0.1:9152\"}",
        "{id: am-3, raft_address: \"127.0.0.1:9153\"}");

    AlertmanagerPlacement placement = RingConfig.alertmanagerPlacement(options(config));
    assertThat(placement.groupCount()).isEqualTo(12);
    assertThat(placement.groups().get(2)).containsExactly("am-3", "am-1", "am-2");
    assertThat(placement.node("am-2").raftAddress()).isEqualTo("127.0.0.1:9152");

    AlertmanagerPlacement two = RingConfig.alertmanagerPlacement(options(config,
        "--alertmanager.sharding-ring.replication-factor=2", "--alertmanager.sharding-ring.group-count=5"));
    assertThat(two.groupCount()).isEqualTo(5);
    assertThat(two.groups()).allSatisfy(replicas -> assertThat(replicas).hasSize(2));

    assertThat(RingConfig.alertmanagerPlacement(options(config()))).as("no nodes: unreplicated").isNull();
  }

  @Test
  void aNodeEntryWithoutRaftAddressOrAReplicationFactorAboveTheNodesIsRefused() throws Exception {
    assertThatThrownBy(() -> RingConfig.alertmanagerPlacement(options(config("{id: am-1}"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lacks raft_address");
    assertThatThrownBy(() -> RingConfig.alertmanagerPlacement(
        options(config("{id: am-1, raft_address: \"127.0.0.1:9151\"}"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("replication factor 3 needs between 1 and 1 replicas");
  }

  @Test
  void refusesARaftListenPortOtherThanItsRaftAddresses() throws Exception {
    Path config = config("{id: am-1, raft_address: \"127.0.0.1:" + FreePorts.next() + "\"}");

    assertThatThrownBy(() -> Narthex.start(options(config, "--alertmanager.sharding-ring.instance-id=am-1",
        "--alertmanager.sharding-ring.replication-factor=1", "--alertmanager.raft-listen-port=1")))
        .hasStackTraceContaining("-alertmanager.raft-listen-port=1 differs from the port of alertmanager node am-1");
  }

  @Test
  void aListedNodeIsReadyOnceItsGroupsHaveALeaderAndExportsWhichItLeads() throws Exception {
    Path config = config("{id: am-1, raft_address: \"127.0.0.1:" + FreePorts.next() + "\"}");

    try (Narthex narthex = Narthex.start(options(config, "--alertmanager.sharding-ring.instance-id=am-1",
        "--alertmanager.sharding-ring.replication-factor=1", "--alertmanager.sharding-ring.group-count=2",
        "--alertmanager.raft.election-timeout=200ms"))) {
      Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(narthex::ready);
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + narthex.httpPort() + "/metrics"))
          .build();
      // Ready means a known leader; leading "ready" also needs the term's first entry applied, a moment later.
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
          assertThat(http.send(scrape, HttpResponse.BodyHandlers.ofString()).body())
              .contains("narthex_alertmanager_raft_is_leader{group=\"0\"} 1",
                  "narthex_alertmanager_raft_is_leader{group=\"1\"} 1"));
    }
    assertThat(dir.resolve("alertmanager").resolve("raft")).as("the Raft logs under -alertmanager.storage.path")
        .isNotEmptyDirectory();
  }
}
