package io.narthex.ingester.ring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The ingester ring as the ring group holds it: the nodes, each shard's replicas, the replica moves under way, and a
 * version that every change raises. Immutable; {@link #apply} returns the next state. The shard count never changes
 * once changed at runtime (a series' shard is its hash modulo the count): a move changes one shard's replicas only.
 *
 * <p>The first seed, the config file of the first nodes of a cluster, is the ring group's ring; every later seed
 * is refused: a node started later, with the same config or one listing more nodes, finds the ring running and
 * joins it ({@link RingCommand.Join}), never replaces it. A node restarted at other addresses (other ports, another
 * host) sends them ({@link RingCommand.Addresses}), whether or not the ring changed at runtime.
 *
 * <p>A join or a leave asked of any node only records the intent ({@code joining}, {@code leaving}); the ring
 * group's leader runs the moves it needs, one at a time, and a new leader takes them up from this state.
 *
 * <p>JSON shape ({@link #toJson}, also the ring group's snapshot and the {@code GET /ingester/ring} answer):
 * <pre>
 * {"version": 3, "seed_version": 1,
 *  "nodes": [{"id": "ingester-1", "grpc_address": "host:9095", "raft_address": "host:9096"}, ...],
 *  "shards": [["ingester-1", "ingester-2", "ingester-3"], ...],
 *  "pending_moves": [{"shard": 0, "from": "ingester-3", "to": "ingester-4"}],
 *  "joining": ["ingester-4"], "leaving": [], "last_error": ""}
 * </pre>
 *
 * @param version 0 before the ring is seeded, raised by one by each change
 * @param seedVersion the version the last seed made, or the last address update of a ring only seeded; equal to
 *     {@code version} while no runtime change of the replicas or members followed the seed
 * @param nodes every ingester node of the ring, in join order
 * @param shards for each shard, its replicas' node ids; the first is the shard's preferred leader; empty before
 *     the ring is seeded
 * @param pendingMoves moves started and not yet done or abandoned
 * @param joining nodes whose join was asked and that have not yet taken their share of the replicas
 * @param leaving nodes whose leave (or forget) was asked: their replicas move off, then they leave the ring
 * @param lastError why the last move was abandoned ({@code ""} when none since the last done); the leader retries
 */
public record RingState(long version, long seedVersion, List<ShardMap.Node> nodes, List<List<String>> shards,
    List<Move> pendingMoves, List<String> joining, List<String> leaving, String lastError) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The state of a ring group no command has reached yet. */
  public static final RingState EMPTY = new RingState(0, 0, List.of(), List.of(), List.of());

  /** A state with no join or leave under way. */
  public RingState(long version, long seedVersion, List<ShardMap.Node> nodes, List<List<String>> shards,
      List<Move> pendingMoves) {
    this(version, seedVersion, nodes, shards, pendingMoves, List.of(), List.of(), "");
  }

  /**
   * One replica of a shard moving from a node to another: the target is added as a Raft listener, catches up, and
   * replaces the source in one configuration change.
   */
  public record Move(int shard, String from, String to) {}

  public RingState {
    nodes = List.copyOf(nodes);
    shards = shards.stream().map(List::copyOf).toList();
    pendingMoves = List.copyOf(pendingMoves);
    joining = List.copyOf(joining);
    leaving = List.copyOf(leaving);
  }

  public boolean isSeeded() {
    return !shards.isEmpty();
  }

  /** Whether the ring changed at runtime since its seed: then the ring group's ring, not the config, is the truth. */
  public boolean changedSinceSeed() {
    return isSeeded() && version != seedVersion;
  }

  /**
   * The shard map of this state.
   *
   * @throws IllegalStateException before the ring is seeded
   */
  public ShardMap shardMap() {
    if (!isSeeded()) {
      throw new IllegalStateException("the ingester ring is not seeded yet");
    }
    return new ShardMap(nodes, shards);
  }

  /**
   * The state after {@code command}.
   *
   * @throws IllegalArgumentException when the command does not fit this state (the ring group rejects it and
   *     nothing changes): a seed of a ring seeded already, a join of a node joining
   *     already, leaving, or in the ring at other addresses, a leave asked of a node not in the ring or that would
   *     leave a shard nowhere to go, a node leaving while it holds replicas, a move of a replica the shard does not
   *     have, onto one it has or onto a leaving node, a second move of a shard, a move done that was not started
   */
  public RingState apply(RingCommand command) {
    return switch (command) {
      // The ring group's state machine checks the term first (RingStateMachine): here the command stands alone.
      case RingCommand.Planned planned -> apply(planned.command());
      case RingCommand.Seed seed -> {
        ShardMap map = new ShardMap(seed.nodes(), seed.shards());
        if (isSeeded()) {
          throw new IllegalArgumentException("the ingester ring is seeded already (version " + version + ")"
              + (sameTopology(map) ? " with this ring" : ", with another ring")
              + ": a config file's ring only seeds a new cluster; a node joins a running one with"
              + " POST /ingester/ring/join or -ingester.ring.auto-join");
        }
        yield new RingState(version + 1, version + 1, map.nodes(), map.shards(), List.of());
      }
      case RingCommand.Addresses addresses -> {
        requireSeeded();
        ShardMap.Node node = addresses.node();
        requireNode(node.id());
        if (nodes.contains(node)) {
          throw new IllegalArgumentException("ingester node " + node.id() + " is at these addresses already");
        }
        List<ShardMap.Node> next = new ArrayList<>(nodes);
        next.replaceAll(n -> n.id().equals(node.id()) ? node : n);
        // Not a change of the ring's replicas: a ring only seeded stays so (its config file still describes it).
        long nextVersion = version + 1;
        yield new RingState(nextVersion, changedSinceSeed() ? seedVersion : nextVersion, next, shards, pendingMoves,
            joining, leaving, lastError);
      }
      case RingCommand.Join join -> {
        requireSeeded();
        String id = join.node().id();
        if (leaving.contains(id)) {
          throw new IllegalArgumentException("ingester node " + id + " is leaving the ring");
        }
        List<ShardMap.Node> next = new ArrayList<>(nodes);
        if (hasNode(id)) {
          if (!nodes.contains(join.node())) {
            throw new IllegalArgumentException("ingester node " + id + " is in the ring already at other addresses");
          }
          if (joining.contains(id)) {
            throw new IllegalArgumentException("ingester node " + id + " is in the ring already, joining");
          }
        } else {
          next.add(join.node());
        }
        // A member asking again (a node configured without replicas) takes its share as a new one does.
        yield with(version + 1, next, shards, pendingMoves, plus(joining, id), leaving, lastError);
      }
      case RingCommand.Joined joined -> {
        if (!joining.contains(joined.nodeId())) {
          throw new IllegalArgumentException("ingester node " + joined.nodeId() + " is not joining");
        }
        yield with(version + 1, nodes, shards, pendingMoves, minus(joining, joined.nodeId()), leaving, "");
      }
      case RingCommand.LeaveAsked asked -> {
        requireSeeded();
        requireNode(asked.nodeId());
        if (leaving.contains(asked.nodeId())) {
          throw new IllegalArgumentException("ingester node " + asked.nodeId() + " is leaving already");
        }
        // Refused now, not when the leader gets to it: a shard whose other replicas are on every other node.
        RingPlanner.forLeave(this, asked.nodeId());
        yield with(version + 1, nodes, shards, pendingMoves, minus(joining, asked.nodeId()),
            plus(leaving, asked.nodeId()), lastError);
      }
      case RingCommand.Leave leave -> {
        requireSeeded();
        requireNode(leave.nodeId());
        for (int shard = 0; shard < shards.size(); shard++) {
          if (shards.get(shard).contains(leave.nodeId())) {
            throw new IllegalArgumentException("ingester node " + leave.nodeId() + " still holds a replica of shard "
                + shard + ": move it off first");
          }
        }
        for (Move move : pendingMoves) {
          if (move.to().equals(leave.nodeId())) {
            throw new IllegalArgumentException("ingester node " + leave.nodeId() + " is the target of " + move);
          }
        }
        List<ShardMap.Node> next = new ArrayList<>(nodes);
        next.removeIf(node -> node.id().equals(leave.nodeId()));
        yield with(version + 1, next, shards, pendingMoves, minus(joining, leave.nodeId()),
            minus(leaving, leave.nodeId()), "");
      }
      case RingCommand.MoveStarted started -> {
        requireSeeded();
        Move move = started.move();
        requireShard(move.shard());
        requireNode(move.to());
        List<String> replicas = shards.get(move.shard());
        if (!replicas.contains(move.from())) {
          throw new IllegalArgumentException("shard " + move.shard() + " has no replica on " + move.from());
        }
        if (replicas.contains(move.to())) {
          throw new IllegalArgumentException("shard " + move.shard() + " has a replica on " + move.to() + " already");
        }
        if (leaving.contains(move.to())) {
          throw new IllegalArgumentException("ingester node " + move.to() + " is leaving the ring");
        }
        for (Move pending : pendingMoves) {
          if (pending.shard() == move.shard()) {
            throw new IllegalArgumentException("shard " + move.shard() + " is moving already: " + pending);
          }
        }
        List<Move> next = new ArrayList<>(pendingMoves);
        next.add(move);
        yield with(version + 1, nodes, shards, next, joining, leaving, lastError);
      }
      case RingCommand.MoveDone done -> {
        Move move = done.move();
        requirePending(move);
        List<List<String>> next = new ArrayList<>(shards);
        List<String> replicas = new ArrayList<>(shards.get(move.shard()));
        // The target takes the source's place, so the preferred leader moves only when the source was it.
        replicas.set(replicas.indexOf(move.from()), move.to());
        next.set(move.shard(), replicas);
        yield with(version + 1, nodes, next, without(move), joining, leaving, "");
      }
      case RingCommand.MoveAbandoned abandoned -> {
        requirePending(abandoned.move());
        Move move = abandoned.move();
        yield with(version + 1, nodes, shards, without(move), joining, leaving,
            "shard " + move.shard() + " from " + move.from() + " to " + move.to() + ": " + abandoned.reason());
      }
    };
  }

  /**
   * The state after a command refused for being planned by a deposed ring leader: nothing changes but
   * {@code lastError}, and the version, so that every view shows it.
   */
  public RingState fenced(String error) {
    return with(version + 1, nodes, shards, pendingMoves, joining, leaving, error);
  }

  private RingState with(long nextVersion, List<ShardMap.Node> nextNodes, List<List<String>> nextShards,
      List<Move> nextMoves, List<String> nextJoining, List<String> nextLeaving, String nextError) {
    return new RingState(nextVersion, seedVersion, nextNodes, nextShards, nextMoves, nextJoining, nextLeaving,
        nextError);
  }

  private static List<String> plus(List<String> ids, String id) {
    List<String> next = new ArrayList<>(ids);
    if (!next.contains(id)) {
      next.add(id);
    }
    return next;
  }

  private static List<String> minus(List<String> ids, String id) {
    List<String> next = new ArrayList<>(ids);
    next.remove(id);
    return next;
  }

  /** Whether {@code map} has this ring's node ids, in order, and its shards' replicas, whatever the addresses. */
  boolean sameTopology(ShardMap map) {
    if (!map.shards().equals(shards) || map.nodes().size() != nodes.size()) {
      return false;
    }
    for (int i = 0; i < nodes.size(); i++) {
      if (!map.nodes().get(i).id().equals(nodes.get(i).id())) {
        return false;
      }
    }
    return true;
  }

  public boolean hasNode(String id) {
    for (ShardMap.Node node : nodes) {
      if (node.id().equals(id)) {
        return true;
      }
    }
    return false;
  }

  private void requireSeeded() {
    if (!isSeeded()) {
      throw new IllegalArgumentException("the ingester ring is not seeded yet");
    }
  }

  private void requireNode(String id) {
    if (!hasNode(id)) {
      throw new IllegalArgumentException("unknown ingester node " + id);
    }
  }

  private void requireShard(int shard) {
    if (shard < 0 || shard >= shards.size()) {
      throw new IllegalArgumentException("no shard " + shard + ": the ring has " + shards.size());
    }
  }

  private void requirePending(Move move) {
    if (!pendingMoves.contains(move)) {
      throw new IllegalArgumentException("no pending move " + move);
    }
  }

  private List<Move> without(Move move) {
    List<Move> next = new ArrayList<>(pendingMoves);
    next.remove(move);
    return next;
  }

  /** This state as JSON, in the shape the class comment shows. */
  public ObjectNode toJson() {
    ObjectNode out = JSON.createObjectNode();
    out.put("version", version);
    out.put("seed_version", seedVersion);
    ArrayNode nodeArray = out.putArray("nodes");
    for (ShardMap.Node node : nodes) {
      nodeArray.add(nodeJson(node));
    }
    ArrayNode shardArray = out.putArray("shards");
    for (List<String> replicas : shards) {
      ArrayNode replicaArray = shardArray.addArray();
      replicas.forEach(replicaArray::add);
    }
    ArrayNode moveArray = out.putArray("pending_moves");
    for (Move move : pendingMoves) {
      moveArray.add(moveJson(move));
    }
    joining.forEach(out.putArray("joining")::add);
    leaving.forEach(out.putArray("leaving")::add);
    out.put("last_error", lastError);
    return out;
  }

  public byte[] toJsonBytes() {
    try {
      return JSON.writeValueAsBytes(toJson());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * @throws IOException when {@code bytes} is not a ring state in the shape {@link #toJson} writes
   */
  public static RingState fromJson(byte[] bytes) throws IOException {
    JsonNode root = JSON.readTree(bytes);
    try {
      List<ShardMap.Node> nodes = new ArrayList<>();
      for (JsonNode node : required(root, "nodes")) {
        nodes.add(node(node));
      }
      List<List<String>> shards = new ArrayList<>();
      for (JsonNode shard : required(root, "shards")) {
        List<String> replicas = new ArrayList<>();
        shard.forEach(replica -> replicas.add(replica.asText()));
        shards.add(replicas);
      }
      List<Move> moves = new ArrayList<>();
      for (JsonNode move : required(root, "pending_moves")) {
        moves.add(move(move));
      }
      // Absent from the snapshots of session-31 rings.
      List<String> joining = new ArrayList<>();
      root.path("joining").forEach(id -> joining.add(id.asText()));
      List<String> leaving = new ArrayList<>();
      root.path("leaving").forEach(id -> leaving.add(id.asText()));
      return new RingState(required(root, "version").asLong(), required(root, "seed_version").asLong(), nodes,
          shards, moves, joining, leaving, root.path("last_error").asText(""));
    } catch (IllegalArgumentException e) {
      throw new IOException("not a ring state: " + e.getMessage(), e);
    }
  }

  static ObjectNode nodeJson(ShardMap.Node node) {
    return JSON.createObjectNode().put("id", node.id()).put("grpc_address", node.grpcAddress())
        .put("raft_address", node.raftAddress());
  }

  static ShardMap.Node node(JsonNode json) {
    return new ShardMap.Node(required(json, "id").asText(), required(json, "grpc_address").asText(),
        required(json, "raft_address").asText());
  }

  static ObjectNode moveJson(Move move) {
    return JSON.createObjectNode().put("shard", move.shard()).put("from", move.from()).put("to", move.to());
  }

  static Move move(JsonNode json) {
    return new Move(required(json, "shard").asInt(), required(json, "from").asText(), required(json, "to").asText());
  }

  static JsonNode required(JsonNode json, String field) {
    JsonNode value = json.get(field);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException(json + " lacks " + field);
    }
    return value;
  }
}
