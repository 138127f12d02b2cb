package io.narthex.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.ingester.ring.ShardMap;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shard map of a process. With no {@code ingester.ring.nodes} in the config file, it is one node (this
 * process) holding one shard. Otherwise the file lists the nodes and, optionally, each shard's replicas:
 *
 * <pre>
 * ingester:
 *   ring:
 *     replication_factor: 3
 *     shard_count: 3            # shards placed round-robin when "shards" is absent
 *     nodes:
 *       - {id: ingester-1, grpc_address: 127.0.0.1:9201, raft_address: 127.0.0.1:9301}
 *     shards:                   # optional: the replicas of each shard
 *       - [ingester-1, ingester-2, ingester-3]
 * </pre>
 */
final class RingConfig {
  private RingConfig() {}

  /**
   * @throws IllegalArgumentException when the ring section is malformed
   */
  static ShardMap shardMap(NarthexOptions options) throws IOException {
    JsonNode ring = section(options, "ingester.ring");
    if (ring == null || !ring.has("nodes")) {
      ShardMap.Node self = new ShardMap.Node(options.ingester.instanceId, "127.0.0.1:" + options.server.grpcListenPort,
          "127.0.0.1:" + options.ingester.raftListenPort);
      return ShardMap.roundRobin(List.of(self), 1, 1);
    }
    List<ShardMap.Node> nodes = new ArrayList<>();
    for (JsonNode node : ring.get("nodes")) {
      String section = "ingester.ring.nodes";
      nodes.add(new ShardMap.Node(required(section, node, "id"), required(section, node, "grpc_address"),
          required(section, node, "raft_address")));
    }
    if (ring.has("shards")) {
      List<List<String>> shards = new ArrayList<>();
      for (JsonNode shard : ring.get("shards")) {
        List<String> replicas = new ArrayList<>();
        shard.forEach(replica -> replicas.add(replica.asText()));
        shards.add(replicas);
      }
      return new ShardMap(nodes, shards);
    }
    int shardCount = ring.path("shard_count").asInt(nodes.size());
    return ShardMap.roundRobin(nodes, shardCount, options.ingester.replicationFactor);
  }

  /**
   * Store-gateways by id with their gRPC addresses, in ring order: {@code store_gateway.sharding_ring.nodes}
   * ({@code {id, grpc_address}} entries) when the config file lists them, else the ingester ring's nodes, which
   * then run the store-gateway too (the {@code all} target).
   */
  static java.util.LinkedHashMap<String, String> storeGateways(NarthexOptions options, ShardMap shardMap)
      throws IOException {
    java.util.LinkedHashMap<String, String> out = new java.util.LinkedHashMap<>();
    JsonNode nodes = section(options, "store_gateway.sharding_ring.nodes");
    if (nodes != null) {
      for (JsonNode node : nodes) {
        String section = "store_gateway.sharding_ring.nodes";
        out.put(required(section, node, "id"), required(section, node, "grpc_address"));
      }
      return out;
    }
    for (ShardMap.Node node : shardMap.nodes()) {
      out.put(node.id(), node.grpcAddress());
    }
    return out;
  }

  /**
   * Whether the store-gateway ring is the ingester ring's nodes ({@code store_gateway.sharding_ring.nodes} not
   * listed), and so follows it as nodes join and leave.
   */
  static boolean storeGatewaysFollowIngesterRing(NarthexOptions options) throws IOException {
    return section(options, "store_gateway.sharding_ring.nodes") == null;
  }

  /** Whether the compactor ring is the ingester ring's node ids ({@code compactor.sharding_ring.nodes} not listed). */
  static boolean compactorsFollowIngesterRing(NarthexOptions options) throws IOException {
    return section(options, "compactor.sharding_ring.nodes") == null;
  }

  /** The store-gateways of a ring that follows the ingester ring: its nodes by id, with their gRPC addresses. */
  static java.util.LinkedHashMap<String, String> storeGatewaysOf(io.narthex.ingester.ring.RingState ring) {
    java.util.LinkedHashMap<String, String> out = new java.util.LinkedHashMap<>();
    for (ShardMap.Node node : ring.nodes()) {
      out.put(node.id(), node.grpcAddress());
    }
    return out;
  }

  /** The compactor ids of a ring that follows the ingester ring: its node ids. */
  static List<String> compactorsOf(io.narthex.ingester.ring.RingState ring) {
    List<String> out = new ArrayList<>();
    for (ShardMap.Node node : ring.nodes()) {
      out.add(node.id());
    }
    return out;
  }

  /**
   * Compactor ids in ring order: {@code compactor.sharding_ring.nodes} ({@code {id}} entries) when the config file
   * lists them, else the ingester ring's node ids.
   */
  static List<String> compactors(NarthexOptions options, ShardMap shardMap) throws IOException {
    List<String> out = new ArrayList<>();
    JsonNode nodes = section(options, "compactor.sharding_ring.nodes");
    if (nodes != null) {
      for (JsonNode node : nodes) {
        out.add(required("compactor.sharding_ring.nodes", node, "id"));
      }
      return out;
    }
    for (ShardMap.Node node : shardMap.nodes()) {
      out.add(node.id());
    }
    return out;
  }

  /**
   * The ruler ring: {@code ruler.ring.nodes} ({@code {id, http_address}} entries) when the config file lists them,
   * else this process alone, owning every rule group. This ruler's id is {@code -ruler.ring.instance-id}, else
   * {@code -ingester.ring.instance-id}.
   *
   * @throws IllegalArgumentException when an entry lacks a field or this ruler's id is not listed
   */
  static io.narthex.ruler.RulerRing rulers(NarthexOptions options) throws IOException {
    String selfId = options.ruler.instanceId.isEmpty() ? options.ingester.instanceId : options.ruler.instanceId;
    JsonNode nodes = section(options, "ruler.ring.nodes");
    if (nodes == null) {
      return io.narthex.ruler.RulerRing.single(selfId, "127.0.0.1:" + options.server.httpListenPort);
    }
    java.util.LinkedHashMap<String, String> rulers = new java.util.LinkedHashMap<>();
    for (JsonNode node : nodes) {
      rulers.put(required("ruler.ring.nodes", node, "id"), required("ruler.ring.nodes", node, "http_address"));
    }
    return new io.narthex.ruler.RulerRing(rulers, selfId);
  }

  /**
   * The alertmanager nodes ({@code alertmanager.sharding_ring.nodes}: {@code {id, raft_address}} entries) and their
   * tenant-state groups, placed round-robin; null when the config file lists none (the Alertmanager runs
   * unreplicated).
   *
   * @throws IllegalArgumentException when an entry lacks a field, or the replication factor or group count does not
   *     fit the nodes
   */
  static io.narthex.alertmanager.replication.AlertmanagerPlacement alertmanagerPlacement(NarthexOptions options)
      throws IOException {
    JsonNode nodes = section(options, "alertmanager.sharding_ring.nodes");
    if (nodes == null) {
      return null;
    }
    List<io.narthex.alertmanager.replication.AlertmanagerPlacement.Node> out = new ArrayList<>();
    for (JsonNode node : nodes) {
      String section = "alertmanager.sharding_ring.nodes";
      out.add(new io.narthex.alertmanager.replication.AlertmanagerPlacement.Node(required(section, node, "id"),
          required(section, node, "raft_address")));
    }
    int groupCount = options.alertmanager.groupCount == 0 ? 4 * out.size() : options.alertmanager.groupCount;
    return io.narthex.alertmanager.replication.AlertmanagerPlacement.roundRobin(out, groupCount,
        options.alertmanager.replicationFactor);
  }

  /** The config file's node at the dotted path, or null without a file or without that key. */
  private static JsonNode section(NarthexOptions options, String dottedPath) throws IOException {
    ConfigFile config = options.config;
    if (config == null && options.configFile != null) {
      config = ConfigFile.read(Path.of(options.configFile), NarthexOptions.yamlKeys(),
          options.expandEnv ? System.getenv() : null);
    }
    return config == null ? null : config.at(dottedPath);
  }

  private static String required(String section, JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.asText().isEmpty()) {
      throw new IllegalArgumentException(section + " entry " + node + " lacks " + field);
    }
    return value.asText();
  }
}
