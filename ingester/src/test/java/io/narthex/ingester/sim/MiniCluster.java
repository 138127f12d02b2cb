package io.narthex.ingester.sim;

import io.narthex.ingester.FreePorts;
import io.narthex.ingester.raft.IngesterNode;
import io.narthex.ingester.raft.RaftGroups;
import io.narthex.ingester.raft.RaftOptions;
import io.narthex.ingester.raft.RaftShardWriter;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.ingester.shipper.Shipper;
import io.narthex.ingester.shipper.ShipperOptions;
import io.narthex.proto.ingester.ReplicaState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * ShardHeads nodes of one cluster in this JVM, in the spirit of Ratis's {@code MiniRaftCluster}: each node is a real
 * {@link IngesterNode} (Ratis over gRPC on a free loopback port) with its own data directory, so a node can be
 * killed and restarted from what it wrote to disk. Each live node has a {@link Shipper} that cuts blocks to the
 * {@link ObjectStore} on the cluster's {@link SimClock}; passes run only when a test calls {@link #ship}.
 *
 * <p>Not thread-safe: one test thread kills, restarts and ships; writers may use {@link #writer} concurrently.
 */
public final class MiniCluster implements AutoCloseable {
  /** A Ratis log segment file, closed ({@code log_<first>-<last>}) or open ({@code log_inprogress_<first>}). */
  private static final Pattern LOG_SEGMENT = Pattern.compile("log_(?:inprogress_)?(\\d+)(?:-\\d+)?");

  private final Path dataDir;
  private final ShardMap shardMap;
  private final RaftOptions raftOptions;
  private final ShipperOptions shipperOptions;
  private final SimClock clock;
  private final ObjectStore objectStore;
  private final Map<String, IngesterNode> live = new TreeMap<>();
  private final Map<String, Shipper> shippers = new TreeMap<>();
  private final List<RaftShardWriter> writers = new ArrayList<>();
  /** Per node and shard, the log index its replica had applied when it was killed. */
  private final Map<String, Long> appliedAtKill = new TreeMap<>();

  private MiniCluster(Path dataDir, ShardMap shardMap, RaftOptions raftOptions, ShipperOptions shipperOptions,
      long startMs) {
    this.dataDir = dataDir;
    this.shardMap = shardMap;
    this.raftOptions = raftOptions;
    this.shipperOptions = shipperOptions;
    this.clock = new SimClock(startMs);
    this.objectStore = new ObjectStore(dataDir.resolve("object-store"), shardMap.shardCount());
    for (int shard = 0; shard < shardMap.shardCount(); shard++) {
      writers.add(new RaftShardWriter(shardMap, shard, raftOptions));
    }
  }

  /**
   * Starts {@code nodeCount} nodes named {@code n0, n1, ...} holding {@code shardCount} shards of
   * {@code replicationFactor} replicas placed round-robin, and waits until every shard has a leader.
   *
   * @param startMs the simulated wall clock at start, in Unix milliseconds
   * @throws IOException when a node cannot bind its port or use its directory
   */
  public static MiniCluster start(Path dataDir, int nodeCount, int shardCount, int replicationFactor,
      RaftOptions raftOptions, ShipperOptions shipperOptions, long startMs) throws IOException {
    List<ShardMap.Node> nodes = new ArrayList<>();
    for (int i = 0; i < nodeCount; i++) {
      // The gRPC read service is not started here; only the Raft address is used.
      nodes.add(new ShardMap.Node("n" + i, "127.0.0.1:1", "127.0.0.1:" + freePort()));
    }
    MiniCluster cluster = new MiniCluster(dataDir, ShardMap.roundRobin(nodes, shardCount, replicationFactor),
        raftOptions, shipperOptions, startMs);
    try {
      for (ShardMap.Node node : nodes) {
        cluster.restart(node.id());
      }
      cluster.awaitQuiescent(Duration.ofSeconds(30));
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  private static int freePort() throws IOException {
    return FreePorts.next();
  }

  public ShardMap shardMap() {
    return shardMap;
  }

  public SimClock clock() {
    return clock;
  }

  public ObjectStore objectStore() {
    return objectStore;
  }

  /** Every node id, alive or not, ascending. */
  public List<String> nodeIds() {
    return shardMap.nodes().stream().map(ShardMap.Node::id).toList();
  }

  /** Ids of the nodes running now, ascending. */
  public List<String> liveNodeIds() {
    return List.copyOf(live.keySet());
  }

  /** The running node, or null when it is down. */
  public IngesterNode node(String nodeId) {
    return live.get(nodeId);
  }

  /** The writer of a shard: a Raft client that follows the shard's leader. Closed with the cluster. */
  public RaftShardWriter writer(int shard) {
    return writers.get(shard);
  }

  /** The live node that leads the shard and is ready to take writes, if any. */
  public Optional<String> leader(int shard) {
    for (IngesterNode node : live.values()) {
      ReplicaState state = node.replicaState(shard);
      if (state != null && state.getLeader()) {
        return Optional.of(node.nodeId());
      }
    }
    return Optional.empty();
  }

  /** Stops a node as a crash would leave it for the others: its disk stays, its shipper's memory goes. */
  public void kill(String nodeId) {
    Shipper shipper = shippers.remove(nodeId);
    if (shipper != null) {
      shipper.close();
    }
    IngesterNode node = live.remove(nodeId);
    if (node != null) {
      for (int shard : node.shards()) {
        ReplicaState state = node.replicaState(shard);
        appliedAtKill.put(nodeId + "/" + shard, state == null ? 0 : state.getAppliedIndex());
      }
      node.close();
    }
  }

  /**
   * Whether the shard's leader no longer has the log a dead node's replica would need to catch up from where it
   * stopped, so that it will install the leader's snapshot when restarted.
   */
  public boolean needsSnapshot(String deadNodeId, int shard) throws IOException {
    Long applied = appliedAtKill.get(deadNodeId + "/" + shard);
    Optional<String> leader = leader(shard);
    if (applied == null || leader.isEmpty()) {
      return false;
    }
    Path logDir = dataDir.resolve(leader.get()).resolve("raft")
        .resolve(RaftGroups.groupId(shard).getUuid().toString()).resolve("current");
    long firstIndex = Long.MAX_VALUE;
    try (Stream<Path> files = Files.list(logDir)) {
      for (Path file : files.toList()) {
        Matcher segment = LOG_SEGMENT.matcher(file.getFileName().toString());
        if (segment.matches()) {
          firstIndex = Math.min(firstIndex, Long.parseLong(segment.group(1)));
        }
      }
    }
    return firstIndex > applied + 1;
  }

  /**
   * Starts a node that is down, from its data directory, with a new shipper.
   *
   * @throws IOException when its port or directory cannot be used
   */
  public void restart(String nodeId) throws IOException {
    if (live.containsKey(nodeId)) {
      throw new IllegalStateException("node " + nodeId + " is running");
    }
    Path nodeDir = dataDir.resolve(nodeId);
    IngesterNode node = IngesterNode.start(shardMap, nodeId, nodeDir, raftOptions);
    live.put(nodeId, node);
    shippers.put(nodeId, new Shipper(node, raftOptions, objectStore, shipperOptions,
        nodeDir.resolve("shipper"), clock));
  }

  /** One shipper pass on every live node; each acts on the shards it leads. */
  public void ship() {
    for (Shipper shipper : shippers.values()) {
      shipper.ship(false);
    }
  }

  /**
   * Waits until every shard has a ready leader among the live nodes and all its live replicas have applied the
   * same log index (with no writes in flight, the same state).
   *
   * @throws org.awaitility.core.ConditionTimeoutException when that does not happen within {@code timeout}
   */
  public void awaitQuiescent(Duration timeout) {
    Awaitility.await("live replicas of every shard applied the same index")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(50))
        .until(this::quiescent);
  }

  private boolean quiescent() {
    for (int shard = 0; shard < shardMap.shardCount(); shard++) {
      if (leader(shard).isEmpty()) {
        return false;
      }
      long applied = -1;
      for (String nodeId : shardMap.shards().get(shard)) {
        IngesterNode node = live.get(nodeId);
        if (node == null) {
          continue;
        }
        ReplicaState state = node.replicaState(shard);
        if (!node.ready() || node.heads(shard) == null || state == null
            || (applied >= 0 && state.getAppliedIndex() != applied)) {
          return false;
        }
        applied = state.getAppliedIndex();
      }
    }
    return true;
  }

  /** Live nodes holding a replica of the shard. */
  public List<IngesterNode> liveReplicas(int shard) {
    List<IngesterNode> out = new ArrayList<>();
    for (String nodeId : shardMap.shards().get(shard)) {
      IngesterNode node = live.get(nodeId);
      if (node != null) {
        out.add(node);
      }
    }
    return out;
  }

  @Override
  public void close() {
    for (String nodeId : List.copyOf(live.keySet())) {
      kill(nodeId);
    }
    writers.forEach(RaftShardWriter::close);
  }
}
