package io.narthex.ingester.raft;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.ingester.ring.RingCommand;
import io.narthex.ingester.ring.RingPlanner;
import io.narthex.ingester.ring.RingState;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the ring group's leader does, and no other node: runs the ring's changes one move at a time. A join or a
 * leave asked of any node is only recorded in the ring ({@link RingState#joining()}, {@link RingState#leaving()});
 * this loop, on every ingester, acts while its node leads the ring group, from the ring as applied there, so a new
 * leader takes up where a dead one stopped: first a pending move ({@link ReplicaMoves#resume}), then the moves off
 * leaving nodes and their {@code leave}, then the moves onto joining nodes and their {@code joined}. A failed move is
 * tried again after {@link #retryDelay}.
 *
 * <p>Before any of that it keeps the ring group's own members in step with the ring ({@link #followRing}): an odd
 * number of voters, up to {@link #MAX_VOTERS}, from the ring's nodes that are not leaving, and every other node of
 * the ring a listener, which applies the ring as a voter does; a node that left the ring is no member. So the nodes that
 * seeded the ring can all leave over time, as etcd and Consul advise 3 or 5 voters.
 */
final class RingLeaderDuties implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RingLeaderDuties.class);
  /** How often a node that is idle, or does not lead the ring group, looks again. */
  private static final Duration IDLE = Duration.ofMillis(100);
  /** Voters of the ring group at most: 5 keep it through two failures, and more only slow its commits. */
  static final int MAX_VOTERS = 5;

  private final IngesterNode node;
  private final ReplicaMoves moves;
  private final Duration catchUpTimeout;
  private final Duration retryDelay;
  private final Thread thread;
  private volatile boolean closed;
  /** The ring version whose ring group members {@link #followRing} last found right; reset on losing the lead. */
  private long followedVersion = -1;

  /**
   * @param catchUpTimeout how long a new replica may take to catch up, a snapshot install included
   * @param retryDelay how long to wait after a failed move before trying again
   */
  RingLeaderDuties(IngesterNode node, ReplicaMoves moves, Duration catchUpTimeout, Duration retryDelay) {
    this.node = node;
    this.moves = moves;
    this.catchUpTimeout = catchUpTimeout;
    this.retryDelay = retryDelay;
    this.thread = Thread.ofPlatform().daemon().name("ring-leader-" + node.nodeId()).unstarted(this::run);
  }

  RingLeaderDuties start() {
    thread.start();
    return this;
  }

  private void run() {
    while (!closed) {
      Duration pause = IDLE;
      try {
        if (!node.leadsRingGroup()) {
          followedVersion = -1;
        } else if (runOne()) {
          continue;
        }
      } catch (IOException | RuntimeException e) {
        if (closed) {
          return;
        }
        log.warn("the ring leader's change failed, trying again in {}: {}", retryDelay, e.toString());
        pause = retryDelay;
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Runs the ring's next step, if any.
   *
   * @return whether there was one
   */
  private boolean runOne() throws IOException {
    RingState ring = node.ringState();
    if (!ring.isSeeded()) {
      return false;
    }
    if (followRing(ring)) {
      return true;
    }
    if (!ring.pendingMoves().isEmpty()) {
      RingState.Move move = ring.pendingMoves().getFirst();
      log.info("ring leader {} runs the pending {}", node.nodeId(), move);
      moves.resume(move, ring, catchUpTimeout);
      return true;
    }
    for (String leaving : ring.leaving()) {
      List<RingState.Move> plan = RingPlanner.forLeave(ring, leaving);
      if (plan.isEmpty()) {
        command(new RingCommand.Leave(leaving));
      } else {
        moves.start(plan.getFirst(), catchUpTimeout);
      }
      return true;
    }
    for (String joining : ring.joining()) {
      List<RingState.Move> plan = RingPlanner.forJoin(ring, joining);
      if (plan.isEmpty()) {
        command(new RingCommand.Joined(joining));
      } else {
        moves.start(plan.getFirst(), catchUpTimeout);
      }
      return true;
    }
    return false;
  }

  /**
   * Sets the ring group's voters and listeners from {@code ring} when they differ ({@link #members}). A listener to
   * become a voter is dropped first, then added as a voter: Ratis 3.3 keeps a listener turned voter "initializing"
   * (it does not vote) while the leader that promoted it leads, while a new voter it stages starts once caught up.
   *
   * @return whether the configuration changed
   */
  private boolean followRing(RingState ring) throws IOException {
    if (ring.version() == followedVersion) {
      return false;
    }
    org.apache.ratis.proto.RaftProtos.RaftConfigurationProto conf = ringGroupConf(ring);
    if (conf == null || conf.getOldPeersCount() > 0) {
      return false; // a change under way
    }
    java.util.Set<String> voters = ids(conf.getPeersList());
    java.util.Set<String> listeners = ids(conf.getListenersList());
    Members next = members(ring, voters, node.nodeId());
    if (next == null || (next.voters().equals(voters) && next.listeners().equals(listeners))) {
      followedVersion = ring.version();
      return false;
    }
    try (org.apache.ratis.client.RaftClient client =
             RaftGroups.client(RaftGroups.ringGroup(ring.nodes()), moves.options())) {
      if (!next.voters().contains(node.nodeId())) {
        // A leader does not demote itself: it hands the ring group to a voter that stays, which carries on.
        for (String id : next.voters()) {
          if (voters.contains(id) && client.admin().transferLeadership(
              org.apache.ratis.protocol.RaftPeerId.valueOf(id), moves.options().electionTimeout().toMillis() * 2)
              .isSuccess()) {
            log.info("ring group handed from {} to {}: {} is to be no voter", node.nodeId(), id, node.nodeId());
            return true;
          }
        }
        throw new IOException("could not hand the ring group to any of " + next.voters());
      }
      java.util.Set<String> promoted = new java.util.HashSet<>(next.voters());
      promoted.retainAll(listeners);
      if (!promoted.isEmpty()) {
        java.util.Set<String> kept = new java.util.HashSet<>(listeners);
        kept.removeAll(promoted);
        kept.retainAll(next.listeners());
        java.util.Set<String> stay = new java.util.HashSet<>(voters);
        stay.retainAll(next.voters());
        if (stay.isEmpty()) {
          stay = voters;
        }
        IngesterNode.check("drop the ring group's listeners " + promoted + " before they vote",
            moves.setConfiguration(client, peers(ring, stay), peers(ring, kept)));
      }
      IngesterNode.check("set the ring group's voters " + next.voters() + " and listeners " + next.listeners(),
          moves.setConfiguration(client, peers(ring, next.voters()), peers(ring, next.listeners())));
    }
    log.info("ring group members now voters={} listeners={} (were {} and {})", next.voters(), next.listeners(),
        voters, listeners);
    List<org.apache.ratis.proto.RaftProtos.RaftPeerProto> members = new java.util.ArrayList<>(conf.getPeersList());
    members.addAll(conf.getListenersList());
    for (var member : members) {
      if (!ring.hasNode(member.getId().toStringUtf8())) {
        removeRingReplica(org.apache.ratis.protocol.RaftPeer.newBuilder()
            .setId(org.apache.ratis.protocol.RaftPeerId.valueOf(member.getId())).setAddress(member.getAddress())
            .build());
      }
    }
    return true;
  }

  /** The ring group's members a ring should have. */
  record Members(java.util.Set<String> voters, java.util.Set<String> listeners) {}

  /**
   * The ring group's members for {@code ring}: of its nodes that are not leaving, in ring order, the largest odd
   * number up to {@link #MAX_VOTERS} are voters, {@code leader} (when it is one of them) and the current voters first
   * so that as few change as can; the ring's other nodes, leaving ones included, are listeners.
   *
   * @return null when no node is left to vote
   */
  static Members members(RingState ring, java.util.Set<String> voters, String leader) {
    List<String> candidates = new java.util.ArrayList<>();
    for (var n : ring.nodes()) {
      if (!ring.leaving().contains(n.id())) {
        candidates.add(n.id());
      }
    }
    int count = Math.min(MAX_VOTERS, candidates.size() % 2 == 1 ? candidates.size() : candidates.size() - 1);
    if (count <= 0) {
      return null;
    }
    java.util.LinkedHashSet<String> next = new java.util.LinkedHashSet<>();
    if (candidates.contains(leader)) {
      next.add(leader);
    }
    for (String id : candidates) {
      if (voters.contains(id) && next.size() < count) {
        next.add(id);
      }
    }
    for (String id : candidates) {
      if (next.size() < count) {
        next.add(id);
      }
    }
    java.util.Set<String> listeners = new java.util.HashSet<>();
    ring.nodes().forEach(n -> listeners.add(n.id()));
    listeners.removeAll(next);
    return new Members(java.util.Set.copyOf(next), java.util.Set.copyOf(listeners));
  }

  private static java.util.Set<String> ids(List<org.apache.ratis.proto.RaftProtos.RaftPeerProto> peers) {
    java.util.Set<String> ids = new java.util.HashSet<>();
    peers.forEach(peer -> ids.add(peer.getId().toStringUtf8()));
    return ids;
  }

  /** The ring group's configuration as this node's replica has it (asked of its own server), or null. */
  private org.apache.ratis.proto.RaftProtos.RaftConfigurationProto ringGroupConf(RingState ring) {
    return ringGroupConf(moves.self(), moves.options());
  }

  /** The ring group's configuration as {@code member}'s replica has it, or null when it answers none. */
  static org.apache.ratis.proto.RaftProtos.RaftConfigurationProto ringGroupConf(
      io.narthex.ingester.ring.ShardMap.Node member, RaftOptions options) {
    var group = RaftGroups.ringGroup(List.of(member));
    try (org.apache.ratis.client.RaftClient client = RaftGroups.client(group, options)) {
      var info = client.getGroupManagementApi(group.getPeers().iterator().next().getId())
          .info(RaftGroups.RING_GROUP_ID);
      return info.getConf().orElse(null);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static List<org.apache.ratis.protocol.RaftPeer> peers(RingState ring, java.util.Set<String> ids) {
    List<io.narthex.ingester.ring.ShardMap.Node> nodes = new java.util.ArrayList<>();
    for (var n : ring.nodes()) {
      if (ids.contains(n.id())) {
        nodes.add(n);
      }
    }
    return List.copyOf(RaftGroups.ringGroup(nodes).getPeers());
  }

  /**
   * Asks a node that left the ring to drop its replica of the ring group; a dead one drops nothing, and, back, is
   * no member: the ring group's voters refuse its votes.
   */
  private void removeRingReplica(org.apache.ratis.protocol.RaftPeer peer) {
    try (org.apache.ratis.client.RaftClient client = RaftGroups.client(
        org.apache.ratis.protocol.RaftGroup.valueOf(RaftGroups.RING_GROUP_ID, peer), moves.options())) {
      client.getGroupManagementApi(peer.getId()).remove(RaftGroups.RING_GROUP_ID, true, false);
    } catch (IOException | RuntimeException e) {
      log.info("{} left the ring without dropping its replica of the ring group: {}", peer.getId(), e.toString());
    }
  }

  private void command(RingCommand command) throws IOException {
    JsonNode reply = node.ringCommand(command);
    if (!reply.path("applied").asBoolean()) {
      throw new IOException("the ring group refused " + command + ": " + reply.path("error").asText());
    }
  }

  /** Stops the loop; a move under way stays pending in the ring for the next leader. */
  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
