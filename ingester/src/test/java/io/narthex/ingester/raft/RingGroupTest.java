package io.narthex.ingester.raft;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.ingester.FreePorts;
import io.narthex.ingester.client.PushEntryBuilder;
import io.narthex.ingester.ring.RingCommand;
import io.narthex.ingester.ring.RingPoller;
import io.narthex.ingester.ring.RingState;
import io.narthex.ingester.ring.RingView;
import io.narthex.proto.prompb.Label;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftPeerId;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.TimeUnit;
import io.narthex.ingester.ring.ShardMap;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ring group on real Raft servers: seeded once from the shard map, changed by commands, kept across restarts. */
class RingGroupTest {
  private static final RaftOptions OPTIONS = new RaftOptions(Duration.ofMillis(300), 10_000, Duration.ofSeconds(10));

  @TempDir
  Path dataDir;

  private final List<IngesterNode> open = new ArrayList<>();
  private final List<AutoCloseable> closeLater = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable closeable : closeLater) {
      closeable.close();
    }
    open.reversed().forEach(IngesterNode::close);
  }

  @Test
  void aWriterFollowsTheRingToTheShardsNewReplicas() throws Exception {
    ShardMap shardMap = TestIngesters.shardMap(1, 1);
    start(shardMap, "n0");
    ShardMap.Node nowhere;
    nowhere = new ShardMap.Node("n0", "127.0.0.1:1", "127.0.0.1:" + FreePorts.next());
    // The writer starts on a ring whose only replica of shard 0 is at an address no server listens on.
    RingView ring = RingView.of(new ShardMap(List.of(nowhere), List.of(List.of("n0"))));
    RaftShardWriter writer = new RaftShardWriter(ring, 0, new RaftOptions(Duration.ofMillis(300), 10_000,
        Duration.ofSeconds(2)), new RaftWriterMetrics(new PrometheusRegistry()));
    closeLater.add(writer);
    assertThat(writer.pushEntry(push(1)))
        .failsWithin(Duration.ofSeconds(10)).withThrowableOfType(java.util.concurrent.ExecutionException.class);

    assertThat(ring.update(new RingState(2, 1, shardMap.nodes(), shardMap.shards(), List.of()))).isTrue();
    assertThat(writer.pushEntry(push(2)).get(10, TimeUnit.SECONDS).getAcceptedSamples())
        .isEqualTo(1);
  }

  @Test
  void everyNodeSeedsTheRingOnceAndFollowsItsChangesAcrossRestarts() throws Exception {
    ShardMap shardMap = TestIngesters.shardMap(3, 3);
    List<IngesterNode> nodes = startAll(shardMap);
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(
        () -> nodes.stream().allMatch(n -> n.ringState().version() >= 1));
    for (IngesterNode node : nodes) {
      assertThat(node.ringState().version()).as("three seeds of one ring, one taken").isEqualTo(1);
      assertThat(node.ringState().shardMap()).isEqualTo(shardMap);
      assertThat(node.ringView().state().shardMap()).as("a ring only seeded is the configuration's")
          .isEqualTo(shardMap);
    }

    // A node started later with a config listing it beside the three: its seed is refused, and the ring it
    // follows is the ring group's, not its config's, until it joins.
    ShardMap.Node n3 = new ShardMap.Node("n3", "127.0.0.1:1", TestIngesters.nodes(1).getFirst().raftAddress());
    List<ShardMap.Node> fourNodes = new ArrayList<>(shardMap.nodes());
    fourNodes.add(n3);
    IngesterNode late = start(new ShardMap(fourNodes, shardMap.shards()), "n3");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(late::seedAnswered);
    assertThat(nodes.get(1).queryRing().version()).as("no seed after the first").isEqualTo(1);
    assertThat(nodes.get(1).queryRing().hasNode("n3")).isFalse();
    Awaitility.await().atMost(Duration.ofSeconds(10))
        .until(() -> late.ringView().state().version() == 1 && !late.ringView().state().hasNode("n3"));

    RingView polled = RingView.of(shardMap);
    RingPoller poller = new RingPoller(polled, OPTIONS).start(Duration.ofMillis(100));
    closeLater.add(poller);
    ShardMap.Node extra = new ShardMap.Node("n9", "127.0.0.1:1", "127.0.0.1:2");
    JsonNode reply = nodes.get(1).ringCommand(new RingCommand.Join(extra));
    assertThat(reply.get("applied").asBoolean()).isTrue();
    assertThat(reply.at("/state/version").asLong()).isEqualTo(2);
    JsonNode refused = nodes.get(2).ringCommand(new RingCommand.Join(extra));
    assertThat(refused.get("applied").asBoolean()).isFalse();
    assertThat(refused.get("error").asText()).contains("in the ring already");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(
        () -> nodes.stream().allMatch(n -> n.ringView().state().hasNode("n9")));
    Awaitility.await("a process without the ring group polls it").atMost(Duration.ofSeconds(10))
        .until(() -> polled.state().version() >= 2 && polled.state().hasNode("n9"));

    nodes.getFirst().close();
    open.remove(nodes.getFirst());
    IngesterNode restarted = start(shardMap, "n0");
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> restarted.ringView().state().hasNode("n9"));
    RingState state = restarted.ringState();
    assertThat(state.nodes()).contains(extra);
    assertThat(state.shards()).isEqualTo(shardMap.shards());
  }

  @Test
  void aCommandPlannedByADeposedRingLeaderIsRefusedAndNothingElseChanges() throws Exception {
    ShardMap shardMap = TestIngesters.shardMap(3, 1);
    List<IngesterNode> nodes = startAll(shardMap);
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> nodes.stream().anyMatch(IngesterNode::leadsRingGroup)
        && nodes.stream().allMatch(n -> n.ringState().isSeeded()));
    IngesterNode deposed = nodes.stream().filter(IngesterNode::leadsRingGroup).findFirst().orElseThrow();
    long term = deposed.ringLeaderTerm();
    IngesterNode next = nodes.stream().filter(n -> n != deposed).findFirst().orElseThrow();
    try (RaftClient ring = RaftGroups.client(RaftGroups.ringGroup(shardMap.nodes()), OPTIONS)) {
      assertThat(ring.admin().transferLeadership(RaftPeerId.valueOf(next.nodeId()), 5_000).isSuccess()).isTrue();
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> next.ringLeaderTerm() > term);
    RingState before = next.queryRing();
    ShardMap.Node n2 = shardMap.node("n2");
    ShardMap.Node readdressed = new ShardMap.Node("n2", "127.0.0.1:3", n2.raftAddress());

    JsonNode stale = deposed.ringCommand(new RingCommand.Planned(new RingCommand.Addresses(readdressed), term));

    assertThat(stale.get("applied").asBoolean()).isFalse();
    assertThat(stale.get("error").asText()).contains("of term " + term).contains("deposed ring leader");
    RingState after = next.queryRing();
    assertThat(after.nodes()).as("nothing applied").isEqualTo(before.nodes());
    assertThat(after.lastError()).contains("refused").contains("deposed ring leader");
    assertThat(after.version()).isEqualTo(before.version() + 1);
    JsonNode current = next.ringCommand(
        new RingCommand.Planned(new RingCommand.Addresses(readdressed), next.ringLeaderTerm()));
    assertThat(current.get("applied").asBoolean()).as("the current leader's plan").isTrue();
    assertThat(next.queryRing().nodes()).contains(readdressed);
  }

  /** One sample of {@code up} at {@code timestampMs}. */
  private static byte[] push(long timestampMs) {
    TimeSeries series = TimeSeries.newBuilder()
        .addLabels(Label.newBuilder().setName("__name__").setValue("up"))
        .addSamples(Sample.newBuilder().setTimestamp(System.currentTimeMillis() - 1000 + timestampMs).setValue(1))
        .build();
    PushEntryBuilder entry = new PushEntryBuilder("team-a");
    byte[] bytes = series.toByteArray();
    entry.add(bytes, 0, bytes.length);
    return entry.build();
  }

  /** Every node of {@code shardMap}, in its order. */
  private List<IngesterNode> startAll(ShardMap shardMap) throws Exception {
    List<IngesterNode> nodes = new ArrayList<>();
    for (ShardMap.Node node : shardMap.nodes()) {
      nodes.add(start(shardMap, node.id()));
    }
    return nodes;
  }

  private IngesterNode start(ShardMap shardMap, String nodeId) throws Exception {
    IngesterNode node = IngesterNode.start(shardMap, nodeId, dataDir.resolve(nodeId), OPTIONS);
    open.add(node);
    return node;
  }
}
