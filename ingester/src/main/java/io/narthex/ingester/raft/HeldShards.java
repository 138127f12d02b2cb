package io.narthex.ingester.raft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.narthex.ingester.ring.RingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The shards whose replicas a node holds by the ring, and the ring version that says so, as
 * {@link #FILE} in the node's Raft directory: {@code {"version": 12, "shards": [0, 2]}}. Written at every ring change
 * after the seed, so a restart starts these, not the config file's, which the moves have made stale, and no other
 * shard's directory. Session-30 nodes wrote the bare array, read as version 0.
 */
record HeldShards(long version, List<Integer> shards) {
  static final String FILE = "held-shards.json";

  /**
   * Where shard directories a node does not hold by the ring go, beside the Raft directory: the replica a move took
   * off the node while it was down, or whose removal did not finish. Kept for an operator to inspect or delete;
   * starting one again would rejoin a group it was removed from.
   */
  static final String STALE_REPLICAS_DIR = "raft-stale-replicas";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The file in {@code raftDir}, or {@code configured} at version 0 when there is none. */
  static HeldShards read(Path raftDir, List<Integer> configured) throws IOException {
    Path file = raftDir.resolve(FILE);
    if (!Files.exists(file)) {
      return new HeldShards(0, configured);
    }
    JsonNode json = JSON.readTree(Files.readAllBytes(file));
    JsonNode shards = json.isArray() ? json : json.path("shards");
    List<Integer> held = new ArrayList<>();
    shards.forEach(shard -> held.add(shard.asInt()));
    return new HeldShards(json.path("version").asLong(0), held);
  }

  /** Replaces the file in {@code raftDir} atomically. */
  void write(Path raftDir) throws IOException {
    Path temporary = raftDir.resolve(FILE + ".tmp");
    Files.write(temporary, JSON.writeValueAsBytes(this));
    Files.move(temporary, raftDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Whether {@code state} gives node {@code nodeId} a replica of {@code shard}, or moves one there. */
  static boolean holds(RingState state, String nodeId, int shard) {
    if (state.shards().get(shard).contains(nodeId)) {
      return true;
    }
    for (RingState.Move move : state.pendingMoves()) {
      if (move.shard() == shard && move.to().equals(nodeId)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Moves a shard's group directory to {@code <data dir>/raft-stale-replicas/shard-<n>-<UTC time>}.
   *
   * @return where it went
   */
  static Path setAside(Path raftDir, int shard) throws IOException {
    Path from = raftDir.resolve(RaftGroups.groupId(shard).getUuid().toString());
    Path dir = raftDir.resolveSibling(STALE_REPLICAS_DIR);
    Files.createDirectories(dir);
    String stamp = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
        .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now());
    Path to = dir.resolve("shard-" + shard + "-" + stamp);
    Files.move(from, to);
    return to;
  }
}
