package io.narthex.ingester.ring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A change to the ingester ring: one entry of the ring group's log. Encoded as JSON with an {@code op} field
 * ({@code seed}, {@code addresses}, {@code join}, {@code joined}, {@code leave-asked}, {@code leave},
 * {@code move-started}, {@code move-done}, {@code move-abandoned}); the
 * log is small and read by operators as often as by code.
 */
public sealed interface RingCommand {
  ObjectMapper JSON = new ObjectMapper();

  /** The first state of the ring, from the static config of the node that seeds it; refused once seeded. */
  record Seed(List<ShardMap.Node> nodes, List<List<String>> shards) implements RingCommand {
    public Seed(ShardMap map) {
      this(map.nodes(), map.shards());
    }
  }

  /**
   * A node of the ring now at other addresses (restarted on other ports, or on a host with another name): every
   * process sends its writes, reads and Raft messages there once applied. Each node sends it at start when the ring
   * lists it elsewhere.
   */
  record Addresses(ShardMap.Node node) implements RingCommand {}

  /**
   * A node enters the ring, holding no replica yet, or a member holding too few asks for its share: either way it is
   * {@code joining} until the ring group's leader moved its share onto it.
   */
  record Join(ShardMap.Node node) implements RingCommand {}

  /** The ring group's leader found nothing more to move onto a joining node: its join is done. */
  record Joined(String nodeId) implements RingCommand {}

  /** A node is to leave (or, dead, to be forgotten): the ring group's leader moves its replicas off, then leaves it. */
  record LeaveAsked(String nodeId) implements RingCommand {}

  /** A node that holds no replica any more leaves the ring. */
  record Leave(String nodeId) implements RingCommand {}

  /** A replica move begins: the target is being added to the shard's Raft group. */
  record MoveStarted(RingState.Move move) implements RingCommand {}

  /** The shard's Raft group has the target in place of the source. */
  record MoveDone(RingState.Move move) implements RingCommand {}

  /** A move given up (its target failed, or the shard's group kept the source): the replicas stay as they were. */
  record MoveAbandoned(RingState.Move move, String reason) implements RingCommand {
    public MoveAbandoned(RingState.Move move) {
      this(move, "abandoned");
    }
  }

  /**
   * A command the ring group's leader planned while it led in {@code term} (its ring-leader duties: moves, a joined,
   * a leave): applied only when committed in that term, that is appended by that same leader. A leader deposed
   * meanwhile, still running its loop, has its command refused, so that a stale plan never lands after a new
   * leader's. JSON: the command's, with {@code "planned_term"}.
   *
   * @param term the ring group's term the command was planned in; positive
   */
  record Planned(RingCommand command, long term) implements RingCommand {
    /**
     * @throws IllegalArgumentException when {@code command} is planned already or {@code term} is not positive
     */
    public Planned {
      if (command instanceof Planned || term <= 0) {
        throw new IllegalArgumentException("a planned command needs an unplanned command and a positive term: "
            + command + " in term " + term);
      }
    }
  }

  default byte[] toJsonBytes() {
    try {
      return JSON.writeValueAsBytes(toJson());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** This command in the shape {@link #fromJson} reads. */
  default ObjectNode toJson() {
    ObjectNode out = JSON.createObjectNode();
    switch (this) {
      case Planned planned -> {
        out = planned.command().toJson();
        out.put("planned_term", planned.term());
      }
      case Seed seed -> {
        out.put("op", "seed");
        ArrayNode nodes = out.putArray("nodes");
        seed.nodes().forEach(node -> nodes.add(RingState.nodeJson(node)));
        ArrayNode shards = out.putArray("shards");
        for (List<String> replicas : seed.shards()) {
          ArrayNode replicaArray = shards.addArray();
          replicas.forEach(replicaArray::add);
        }
      }
      case Addresses addresses -> out.put("op", "addresses").set("node", RingState.nodeJson(addresses.node()));
      case Join join -> out.put("op", "join").set("node", RingState.nodeJson(join.node()));
      case Joined joined -> out.put("op", "joined").put("node_id", joined.nodeId());
      case LeaveAsked asked -> out.put("op", "leave-asked").put("node_id", asked.nodeId());
      case Leave leave -> out.put("op", "leave").put("node_id", leave.nodeId());
      case MoveStarted started -> out.put("op", "move-started").set("move", RingState.moveJson(started.move()));
      case MoveDone done -> out.put("op", "move-done").set("move", RingState.moveJson(done.move()));
      case MoveAbandoned abandoned -> out.put("op", "move-abandoned").put("reason", abandoned.reason())
          .set("move", RingState.moveJson(abandoned.move()));
    }
    return out;
  }

  /**
   * @throws IOException when {@code bytes} is not a command {@link #toJsonBytes} writes
   */
  static RingCommand fromJson(byte[] bytes) throws IOException {
    JsonNode root = JSON.readTree(bytes);
    try {
      RingCommand command = unplanned(root);
      return root.has("planned_term") ? new Planned(command, root.get("planned_term").asLong()) : command;
    } catch (IllegalArgumentException e) {
      throw new IOException("not a ring command: " + e.getMessage(), e);
    }
  }

  private static RingCommand unplanned(JsonNode root) {
    String op = RingState.required(root, "op").asText();
    return switch (op) {
      case "seed" -> {
        List<ShardMap.Node> nodes = new ArrayList<>();
        RingState.required(root, "nodes").forEach(node -> nodes.add(RingState.node(node)));
        List<List<String>> shards = new ArrayList<>();
        for (JsonNode shard : RingState.required(root, "shards")) {
          List<String> replicas = new ArrayList<>();
          shard.forEach(replica -> replicas.add(replica.asText()));
          shards.add(replicas);
        }
        yield new Seed(nodes, shards);
      }
      case "addresses" -> new Addresses(RingState.node(RingState.required(root, "node")));
      case "join" -> new Join(RingState.node(RingState.required(root, "node")));
      case "joined" -> new Joined(RingState.required(root, "node_id").asText());
      case "leave-asked" -> new LeaveAsked(RingState.required(root, "node_id").asText());
      case "leave" -> new Leave(RingState.required(root, "node_id").asText());
      case "move-started" -> new MoveStarted(RingState.move(RingState.required(root, "move")));
      case "move-done" -> new MoveDone(RingState.move(RingState.required(root, "move")));
      case "move-abandoned" -> new MoveAbandoned(RingState.move(RingState.required(root, "move")),
          root.path("reason").asText("abandoned"));
      default -> throw new IllegalArgumentException("unknown ring command " + op);
    };
  }
}
