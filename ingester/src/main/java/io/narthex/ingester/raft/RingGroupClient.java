package io.narthex.ingester.raft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.narthex.ingester.ring.RingCommand;
import io.narthex.ingester.ring.RingState;
import io.narthex.ingester.ring.RingView;
import io.narthex.ingester.ring.ShardMap;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ingester node's client of the ring group: commits {@link RingCommand}s, reads the ring from the group's
 * leader, and proposes the node's configured shard map as the ring's seed. Split from {@link IngesterNode}, which
 * holds the node's replica of the ring group; this side only talks to the group, whichever replica leads it.
 */
final class RingGroupClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RingGroupClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String nodeId;
  /** This node as its config gives it now: its addresses may differ from those the ring kept from its last start. */
  private final ShardMap.Node self;
  private final ShardMap configured;
  private final RingView ringView;
  private final RaftOptions options;
  /** Set once the ring group answered this node's seed: taken, or refused because the ring runs already. */
  private volatile boolean seedAnswered;
  /** Set by {@link #close}: no command is sent, and the seed stops retrying. */
  private volatile boolean closed;

  /**
   * @param self this node at its addresses now
   * @param configured the shard map of this node's config: the seed it proposes
   * @param ringView the process's view of the ring, whose nodes are the ring group's peers
   */
  RingGroupClient(ShardMap.Node self, ShardMap configured, RingView ringView, RaftOptions options) {
    this.nodeId = self.id();
    this.self = self;
    this.configured = configured;
    this.ringView = ringView;
    this.options = options;
  }

  /**
   * Proposes this node's configured ring as the ring group's seed, then, when the ring lists this node at other
   * addresses (a restart on other ports or another host), sends its addresses now ({@link RingCommand.Addresses});
   * retried every election timeout until the ring group answers both (it takes the seed only for a new ring, see
   * {@link RingState}) or this client closes. Runs on the caller's thread.
   */
  void seed() {
    RingCommand seed = new RingCommand.Seed(configured);
    while (!closed) {
      try {
        RingState ring;
        if (!seedAnswered) {
          JsonNode reply = command(seed);
          ring = RingState.fromJson(JSON.writeValueAsBytes(reply.path("applied").asBoolean()
              ? reply.get("state") : query().toJson()));
          if (!ring.shardMap().shards().equals(configured.shards())) {
            log.warn("the ring group's ingester ring (version {}) differs from this node's configured one: {} in"
                + " the ring group, {} configured; the ring group's is the ring (a config file only seeds a new"
                + " cluster)", ring.version(), ring.shards(), configured.shards());
          } else {
            log.info("ingester ring seed proposed: {}", reply.path("applied").asBoolean()
                ? "taken" : reply.path("error").asText());
          }
          seedAnswered = true;
        } else {
          ring = query();
        }
        sendAddresses(ring);
        return;
      } catch (IOException | RuntimeException e) {
        log.debug("seeding the ingester ring or sending this node's addresses failed, retrying: {}", e.toString());
      }
      try {
        Thread.sleep(options.electionTimeout().toMillis());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Sends this node's addresses when {@code ring} lists it at others.
   *
   * @throws IOException when the ring group did not commit or refused them
   */
  private void sendAddresses(RingState ring) throws IOException {
    if (!ring.hasNode(nodeId) || ring.nodes().contains(self)) {
      return;
    }
    RingCommand.Addresses addresses = new RingCommand.Addresses(self);
    JsonNode reply = command(addresses);
    if (!reply.path("applied").asBoolean() && !reply.path("error").asText().contains("at these addresses already")) {
      throw new IOException("the ring group refused " + addresses + ": " + reply.path("error").asText());
    }
    log.info("ingester node {} is at new addresses: grpc {}, raft {}", nodeId, self.grpcAddress(), self.raftAddress());
  }

  /** Whether the ring group answered this node's seed ({@link #seed}). */
  boolean seedAnswered() {
    return seedAnswered;
  }

  /**
   * Commits {@code command} through the ring group.
   *
   * @return the ring group's reply: whether it applied the command, and the state after it or why not
   * @throws IOException when no quorum of the ring group answered, or this client is closed
   */
  JsonNode command(RingCommand command) throws IOException {
    if (closed) {
      throw new IOException("ingester node " + nodeId + " is stopping: it sends no ring command");
    }
    try (RaftClient client = RaftGroups.client(RaftGroups.ringGroup(ringNodesWithSelf()), options)) {
      RaftClientReply reply = client.io().send(
          Message.valueOf(ByteString.copyFrom(command.toJsonBytes())));
      if (!reply.isSuccess()) {
        throw new IOException("the ring group did not commit " + command + ": " + reply.getException());
      }
      return JSON.readTree(reply.getMessage().getContent().toByteArray());
    }
  }

  /**
   * The ring as the ring group's leader has it (a read-only query).
   *
   * @throws IOException when no replica of the ring group answered
   */
  RingState query() throws IOException {
    try (RaftClient client = RaftGroups.client(RaftGroups.ringGroup(ringNodesWithSelf()), options)) {
      RaftClientReply reply = client.io().sendReadOnly(Message.EMPTY);
      IngesterNode.check("read the ring", reply);
      return RingState.fromJson(reply.getMessage().getContent().toByteArray());
    }
  }

  /**
   * The ring's nodes, this one at its own addresses now: after a restart on other ports the ring still holds the old
   * ones until this node's seed updates them (see {@link RingState}), and the seed must reach this node's replica.
   */
  private List<ShardMap.Node> ringNodesWithSelf() {
    List<ShardMap.Node> nodes = new ArrayList<>();
    for (ShardMap.Node node : ringView.state().nodes()) {
      nodes.add(node.id().equals(nodeId) ? self : node);
    }
    return nodes;
  }

  /** Stops the seed's retries and refuses every later command. */
  @Override
  public void close() {
    closed = true;
  }
}
