package io.narthex.alertmanager.replication;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * Which alertmanager nodes hold which Raft group of tenant state, and which group holds a tenant. Static
 * configuration, as the ingesters' shard map: every process must be given the same one, since a tenant's group is
 * {@code fnv32a(tenant) mod G}, the tenant hash Mimir's alertmanager puts on its ring ({@code shardByUser} in
 * {@code pkg/alertmanager}).
 *
 * @param nodes every alertmanager node
 * @param groups for each group, the ids of its replicas (distinct nodes)
 */
public record AlertmanagerPlacement(List<Node> nodes, List<List<String>> groups) {
  /**
   * An alertmanager node.
   *
   * @param id stable node id, also its Raft peer id
   * @param raftAddress {@code host:port} of its Raft server
   */
  public record Node(String id, String raftAddress) {}

  /**
   * @throws IllegalArgumentException when a node is listed twice, a group names an unknown node or repeats one, or
   *     there is no group
   */
  public AlertmanagerPlacement {
    nodes = List.copyOf(nodes);
    groups = groups.stream().map(List::copyOf).toList();
    Set<String> ids = new HashSet<>();
    for (Node node : nodes) {
      if (!ids.add(node.id())) {
        throw new IllegalArgumentException("alertmanager node " + node.id() + " is listed twice");
      }
    }
    if (groups.isEmpty()) {
      throw new IllegalArgumentException("the alertmanager placement has no groups");
    }
    for (int g = 0; g < groups.size(); g++) {
      List<String> replicas = groups.get(g);
      if (replicas.isEmpty() || new HashSet<>(replicas).size() != replicas.size()) {
        throw new IllegalArgumentException("alertmanager group " + g + " needs distinct replicas: " + replicas);
      }
      for (String replica : replicas) {
        if (!ids.contains(replica)) {
          throw new IllegalArgumentException("alertmanager group " + g + " names unknown node " + replica);
        }
      }
    }
  }

  /**
   * {@code groupCount} groups of {@code replicationFactor} replicas placed round-robin: group g's replicas are nodes
   * g, g+1, ... modulo the node count, so that with a few groups per node the leaderships spread.
   *
   * @throws IllegalArgumentException when the replication factor is below 1 or above the node count, or
   *     {@code groupCount} is below 1
   */
  public static AlertmanagerPlacement roundRobin(List<Node> nodes, int groupCount, int replicationFactor) {
    if (replicationFactor < 1 || replicationFactor > nodes.size()) {
      throw new IllegalArgumentException("replication factor " + replicationFactor + " needs between 1 and "
          + nodes.size() + " replicas, the number of alertmanager nodes");
    }
    if (groupCount < 1) {
      throw new IllegalArgumentException("the alertmanager placement needs at least one group, not " + groupCount);
    }
    List<List<String>> groups = new ArrayList<>();
    for (int g = 0; g < groupCount; g++) {
      List<String> replicas = new ArrayList<>();
      for (int r = 0; r < replicationFactor; r++) {
        replicas.add(nodes.get((g + r) % nodes.size()).id());
      }
      groups.add(replicas);
    }
    return new AlertmanagerPlacement(nodes, groups);
  }

  /** FNV-1a, 32 bits, over the tenant's UTF-8 bytes: Go's {@code fnv.New32a}, as Mimir's {@code shardByUser}. */
  public static int fnv32a(String tenant) {
    int hash = 0x811c9dc5;
    for (byte b : tenant.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x01000193;
    }
    return hash;
  }

  public int groupCount() {
    return groups.size();
  }

  /** The group holding a tenant's state: {@code fnv32a(tenant)}, unsigned, modulo the group count. */
  public int groupOf(String tenant) {
    return Integer.remainderUnsigned(fnv32a(tenant), groups.size());
  }

  /** The groups a node holds a replica of, ascending. */
  public List<Integer> groupsOf(String nodeId) {
    List<Integer> out = new ArrayList<>();
    for (int g = 0; g < groups.size(); g++) {
      if (groups.get(g).contains(nodeId)) {
        out.add(g);
      }
    }
    return out;
  }

  /** @throws IllegalArgumentException when no node has this id */
  public Node node(String nodeId) {
    for (Node node : nodes) {
      if (node.id().equals(nodeId)) {
        return node;
      }
    }
    throw new IllegalArgumentException("unknown alertmanager node " + nodeId);
  }

  /** A group's id: the name-based UUID of {@code narthex-alertmanager-<g>}, the same in every process and restart. */
  public static RaftGroupId groupId(int group) {
    return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("narthex-alertmanager-" + group)
        .getBytes(StandardCharsets.UTF_8)));
  }

  /** The Ratis group of {@code group}: its id and its replicas' peers. */
  public RaftGroup raftGroup(int group) {
    List<RaftPeer> peers = new ArrayList<>();
    for (String id : groups.get(group)) {
      peers.add(RaftPeer.newBuilder().setId(RaftPeerId.valueOf(id)).setAddress(node(id).raftAddress()).build());
    }
    return RaftGroup.valueOf(groupId(group), peers);
  }
}
