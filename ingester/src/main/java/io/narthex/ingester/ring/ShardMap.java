package io.narthex.ingester.ring;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which ingester nodes hold which shard. Each shard is one Raft group whose replicas are the listed nodes; a node
 * may hold many shards (multi-raft). The map is static configuration: every process of a cluster must be given the
 * same one, since a series' shard is its hash modulo the shard count.
 *
 * @param nodes every ingester node
 * @param shards for each shard, the ids of its replicas
 */
public record ShardMap(List<Node> nodes, List<List<String>> shards) {
  /**
   * An ingester node.
   *
   * @param id stable node id, also its Raft peer id
   * @param grpcAddress {@code host:port} of its read service (the querier's side)
   * @param raftAddress {@code host:port} of its Raft server (the distributor's and other replicas' side)
   */
  public record Node(String id, String grpcAddress, String raftAddress) {}

  /**
   * @throws IllegalArgumentException when a shard names an unknown node, repeats one, or has no replica
   */
  public ShardMap {
    nodes = List.copyOf(nodes);
    shards = shards.stream().map(List::copyOf).toList();
    Set<String> ids = new HashSet<>();
    for (Node node : nodes) {
      if (!ids.add(node.id())) {
        throw new IllegalArgumentException("ingester node " + node.id() + " is listed twice");
      }
    }
    if (shards.isEmpty()) {
      throw new IllegalArgumentException("the shard map has no shards");
    }
    for (int shard = 0; shard < shards.size(); shard++) {
      List<String> replicas = shards.get(shard);
      if (replicas.isEmpty()) {
        throw new IllegalArgumentException("shard " + shard + " has no replicas");
      }
      if (new HashSet<>(replicas).size() != replicas.size()) {
        throw new IllegalArgumentException("shard " + shard + " lists a replica twice: " + replicas);
      }
      for (String replica : replicas) {
        if (!ids.contains(replica)) {
          throw new IllegalArgumentException("shard " + shard + " names unknown ingester node " + replica);
        }
      }
    }
  }

  /**
   * Places {@code shardCount} shards of {@code replicationFactor} replicas round-robin over the nodes: shard i's
   * replicas are nodes i, i+1, ... modulo the node count.
   *
   * @throws IllegalArgumentException when the replication factor exceeds the node count or is below 1
   */
  public static ShardMap roundRobin(List<Node> nodes, int shardCount, int replicationFactor) {
    if (replicationFactor < 1 || replicationFactor > nodes.size()) {
      throw new IllegalArgumentException("replication factor " + replicationFactor + " needs between 1 and "
          + nodes.size() + " replicas, the number of ingester nodes");
    }
    List<List<String>> shards = new ArrayList<>();
    for (int shard = 0; shard < shardCount; shard++) {
      List<String> replicas = new ArrayList<>();
      for (int r = 0; r < replicationFactor; r++) {
        replicas.add(nodes.get((shard + r) % nodes.size()).id());
      }
      shards.add(replicas);
    }
    return new ShardMap(nodes, shards);
  }

  public int shardCount() {
    return shards.size();
  }

  public Node node(String id) {
    for (Node node : nodes) {
      if (node.id().equals(id)) {
        return node;
      }
    }
    throw new IllegalArgumentException("unknown ingester node " + id);
  }

  public List<Node> replicas(int shard) {
    List<Node> out = new ArrayList<>();
    for (String id : shards.get(shard)) {
      out.add(node(id));
    }
    return out;
  }

  /** Shards that {@code nodeId} holds a replica of, ascending. */
  public List<Integer> shardsOf(String nodeId) {
    List<Integer> out = new ArrayList<>();
    for (int shard = 0; shard < shards.size(); shard++) {
      if (shards.get(shard).contains(nodeId)) {
        out.add(shard);
      }
    }
    return out;
  }
}
