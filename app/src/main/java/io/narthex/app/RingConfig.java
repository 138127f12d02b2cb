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
      nodes.add(new ShardMap.Node(required(node, "id"), required(node, "grpc_address"),
          required(node, "raft_address")));
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
        out.put(required(node, "id"), required(node, "grpc_address"));
      }
      return out;
    }
    for (ShardMap.Node node : shardMap.nodes()) {
      out.put(node.id(), node.grpcAddress());
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
        out.add(required(node, "id"));
      }
      return out;
    }
    for (ShardMap.Node node : shardMap.nodes()) {
      out.add(node.id());
    }
    return out;
  }

  /** The config file's node at the dotted path, or null without a file or without that key. */
  private static JsonNode section(NarthexOptions options, String dottedPath) throws IOException {
    ConfigFile config = options.config;
    if (config == null && options.configFile != null) {
      config = ConfigFile.read(Path.of(options.configFile), NarthexOptions.yamlKeys());
    }
    return config == null ? null : config.at(dottedPath);
  }

  private static String required(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.asText().isEmpty()) {
      throw new IllegalArgumentException("ingester.ring.nodes entry " + node + " lacks " + field);
    }
    return value.asText();
  }
}
