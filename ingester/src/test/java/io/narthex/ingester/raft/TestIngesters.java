package io.narthex.ingester.raft;

import io.narthex.ingester.FreePorts;
import io.narthex.ingester.client.PushEntryBuilder;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Ingester nodes on real Raft servers for one test: each node {@code n<i>} on a free loopback Raft port, its data in
 * {@code <dataDir>/n<i>}, and everything the test opens closed after it, in reverse order.
 */
final class TestIngesters implements AutoCloseable {
  private final Path dataDir;
  private final List<AutoCloseable> open = new ArrayList<>();

  TestIngesters(Path dataDir) {
    this.dataDir = dataDir;
  }

  /** Nodes n0 to n{@code count - 1}, each on a free loopback Raft port (the gRPC address is unused here). */
  static List<ShardMap.Node> nodes(int count) throws IOException {
    List<ShardMap.Node> nodes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      nodes.add(new ShardMap.Node("n" + i, "127.0.0.1:1", "127.0.0.1:" + FreePorts.next()));
    }
    return nodes;
  }

  /** One shard with a replica on each of {@code replicas} nodes ({@link #nodes}). */
  static ShardMap shardMap(int replicas) throws IOException {
    return shardMap(replicas, 1);
  }

  /** {@code shards} shards, each with a replica on every one of {@code nodes} nodes ({@link #nodes}). */
  static ShardMap shardMap(int nodes, int shards) throws IOException {
    return ShardMap.roundRobin(nodes(nodes), shards, nodes);
  }

  /** Starts (or starts again, on the same directory and port) node {@code nodeId} of {@code shardMap}. */
  IngesterNode start(ShardMap shardMap, String nodeId, RaftOptions options) throws IOException {
    return closeAfter(IngesterNode.start(shardMap, nodeId, dataDir.resolve(nodeId), options));
  }

  /** Every node of {@code shardMap}, in its order. */
  List<IngesterNode> startAll(ShardMap shardMap, RaftOptions options) throws IOException {
    List<IngesterNode> started = new ArrayList<>();
    for (ShardMap.Node node : shardMap.nodes()) {
      started.add(start(shardMap, node.id(), options));
    }
    return started;
  }

  /** Closes {@code closeable} after the test, before what was opened earlier. */
  <T extends AutoCloseable> T closeAfter(T closeable) {
    open.add(closeable);
    return closeable;
  }

  /**
   * Writes one sample of series {@code {__name__="<metric>", id="<id>"}} for {@code tenant} through {@code writer}.
   *
   * @return the shard's answer, within 15 s
   */
  static PushResponse push(RaftShardWriter writer, String tenant, String metric, int id, long timestampMs)
      throws Exception {
    TimeSeries series = TimeSeries.newBuilder()
        .addLabels(Label.newBuilder().setName("__name__").setValue(metric))
        .addLabels(Label.newBuilder().setName("id").setValue(Integer.toString(id)))
        .addSamples(Sample.newBuilder().setTimestamp(timestampMs).setValue(id))
        .build();
    PushEntryBuilder entry = new PushEntryBuilder(tenant);
    byte[] bytes = series.toByteArray();
    entry.add(bytes, 0, bytes.length);
    return writer.pushEntry(entry.build()).get(15, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable closeable : open.reversed()) {
      closeable.close();
    }
    open.clear();
  }
}
