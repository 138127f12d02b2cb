package io.narthex.ingester.raft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.narthex.ingester.ring.RingCommand;
import io.narthex.ingester.ring.RingPlanner;
import io.narthex.ingester.ring.RingState;
import io.narthex.ingester.ring.ShardMap;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingester ring's membership changes as one node runs them: replica moves by Raft membership changes, and the
 * join and leave that plan them ({@link RingPlanner}). Split from {@link IngesterNode}, which owns the replicas and
 * its replica of the ring group, and delegates to this.
 */
final class ReplicaMoves {
  private static final Logger log = LoggerFactory.getLogger(ReplicaMoves.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final IngesterNode node;
  private final ShardMap.Node self;
  private final RaftOptions options;
  private final java.time.Duration electionTimeout;

  /**
   * @param node the node that runs the moves: its ring group answers the ring commands and queries
   * @param self that node, as the ring lists it
   */
  ReplicaMoves(IngesterNode node, ShardMap.Node self, RaftOptions options) {
    this.node = node;
    this.self = self;
    this.options = options;
    this.electionTimeout = options.electionTimeout();
  }

  /** Told of each step a move reached on this node ("started", "listener added", "caught up", "swapped"). */
  volatile java.util.function.BiConsumer<RingState.Move, String> stepListener = (move, step) -> {};

  /**
   * Moves one replica of a shard from a node to another, by Raft membership changes, while the shard takes writes;
   * run by the ring group's leader ({@link RingLeaderDuties}). Steps, each recorded in the ring group or visible in
   * the shard group's configuration, so that a new ring leader takes the move up where it stopped ({@link #resume}):
   * <ol>
   *   <li>{@code move-started} in the ring group;
   *   <li>the target's Raft server adds the shard's group, empty and without peers, so it waits for a leader;
   *   <li>the shard's leader adds the target as a listener (Ratis's learner: it receives the log, or a snapshot of
   *       the heads when the log it needs is purged, and counts in no quorum);
   *   <li>once the target's commit index reaches the leader's, one configuration change puts the target in the
   *       source's place (Ratis commits it through a joint configuration, so a quorum holds throughout; a leaving
   *       leader steps down once it is committed);
   *   <li>the source's server removes the group and deletes its directory;
   *   <li>{@code move-done} in the ring group: every process's writers and readers follow the new replicas.
   * </ol>
   * A shard with one replica (replication factor 1) takes other steps 4 ({@link #moveOnlyReplica}). A failure
   * before step 4 removes the group from the target and records {@code move-abandoned}.
   *
   * @param term the ring group's term this node leads in: its ring commands are refused in any other
   *     ({@link RingCommand.Planned})
   * @param catchUpTimeout how long the target may take to catch up (a snapshot of the heads is sent in this time)
   * @throws IOException when a step failed; the ring shows the move as pending when it failed after step 4
   */
  void start(RingState.Move move, long term, java.time.Duration catchUpTimeout) throws IOException {
    JsonNode started = node.ringCommand(new RingCommand.Planned(new RingCommand.MoveStarted(move), term));
    if (!started.path("applied").asBoolean()) {
      throw new IOException("the ring group refused " + move + ": " + started.path("error").asText());
    }
    stepListener.accept(move, "started");
    resume(move, RingState.fromJson(JSON.writeValueAsBytes(started.get("state"))), term, catchUpTimeout);
  }

  /**
   * Runs a pending move of {@code ring} from the step it reached, read from the shard group's configuration as its
   * leader has it: the target not in it (step 2), a listener (step 4, after the catch-up), a voter beside the
   * source (the single-replica case's step 4 under way), or in the source's place (step 5). Each step is safe to
   * run again, so a ring leader that died mid-move leaves its successor nothing to undo.
   *
   * @throws IOException as {@link #start}
   */
  void resume(RingState.Move move, RingState ring, long term, java.time.Duration catchUpTimeout)
      throws IOException {
    ShardMap map = ring.shardMap();
    RaftGroupId groupId = RaftGroups.groupId(move.shard());
    List<org.apache.ratis.protocol.RaftPeer> servers = RaftGroups.group(map, move.shard()).getPeers().stream()
        .toList();
    org.apache.ratis.protocol.RaftPeer target = peer(map, move.to());
    long startNanos = System.nanoTime();
    try (RaftClient shard = RaftGroups.client(RaftGroups.group(map, move.shard()), options);
         RaftClient toTarget = RaftGroups.client(RaftGroup.valueOf(groupId, target), options)) {
      ShardConf conf = shardConf(shard, servers, target, groupId);
      List<org.apache.ratis.protocol.RaftPeer> next = new ArrayList<>();
      for (org.apache.ratis.protocol.RaftPeer peer : servers) {
        next.add(peer.getId().toString().equals(move.from()) ? target : peer);
      }
      boolean swapped = conf.voters().contains(move.to()) && !conf.voters().contains(move.from());
      if (!swapped && servers.size() == 1 && conf.voters().contains(move.to())) {
        moveOnlyReplica(shard, move, groupId, servers.getFirst(), target, true);
      } else if (!swapped) {
        try {
          RaftPeerId listenerAddedBy = shard.getLeaderId();
          if (!conf.voters().contains(move.to()) && !conf.listeners().contains(move.to())) {
            addEmptyGroup(toTarget, target, groupId);
            IngesterNode.check("add " + move.to() + " as a listener",
                setConfiguration(shard, servers, List.of(target)));
            listenerAddedBy = shard.getLeaderId();
            stepListener.accept(move, "listener added");
          }
          if (!conf.voters().contains(move.to())) {
            awaitCaughtUp(toTarget, target, groupId, catchUpTimeout);
            stepListener.accept(move, "caught up");
          }
          if (servers.size() == 1) {
            moveOnlyReplica(shard, move, groupId, servers.getFirst(), target, false);
          } else {
            startAddedReplica(shard, move, listenerAddedBy, servers);
          }
        } catch (IOException | RuntimeException e) {
          abandon(move, term, shard, toTarget, servers, target, e);
          throw e;
        }
        RaftClientReply promoted = servers.size() == 1 ? null : setConfiguration(shard, next, List.of());
        if (promoted != null && !promoted.isSuccess()) {
          // Should Ratis refuse to turn a listener into a follower, drop the listener, then add the caught-up
          // replica as a follower: the leader stages it, which takes only the entries since.
          log.warn("promoting {} in shard {} failed, adding it again as a follower: {}", move.to(), move.shard(),
              promoted.getException());
          IngesterNode.check("remove the listener " + move.to(), setConfiguration(shard, servers, List.of()));
          IngesterNode.check("put " + move.to() + " in " + move.from() + "'s place",
              setConfiguration(shard, next, List.of()));
        }
        stepListener.accept(move, "swapped");
      }
    }
    org.apache.ratis.protocol.RaftPeer source = peer(map, move.from());
    try (RaftClient toSource = RaftGroups.client(RaftGroup.valueOf(groupId, source), options)) {
      RaftClientReply removed = toSource.getGroupManagementApi(source.getId()).remove(groupId, true, false);
      if (!removed.isSuccess() && !isGroupGone(removed.getException())) {
        IngesterNode.check("remove the group from " + move.from(), removed);
      }
    } catch (IOException e) {
      // The source is down (a dead node being replaced), or removed it already: its directory goes when it comes
      // back and finds the group is not its own any more; the shard does not need it.
      if (!isGroupGone(e)) {
        log.warn("shard {} moved off {}, which did not remove its replica: {}", move.shard(), move.from(),
            e.toString());
      }
    }
    JsonNode done = node.ringCommand(new RingCommand.Planned(new RingCommand.MoveDone(move), term));
    if (!done.path("applied").asBoolean()) {
      throw new IOException("the ring group refused " + new RingCommand.MoveDone(move) + ": "
          + done.path("error").asText());
    }
    log.info("replica moved shard={} from={} to={} seconds={}", move.shard(), move.from(), move.to(),
        String.format("%.3f", (System.nanoTime() - startNanos) / 1e9));
  }

  /** A shard group's voters and listeners, by node id, as its leader has them. */
  private record ShardConf(java.util.Set<String> voters, java.util.Set<String> listeners) {}

  /**
   * Asks the shard's replicas and the move's target for the group's configuration and takes the leader's, once no
   * configuration change is under way; for up to 20 election timeouts (an election, a change committing).
   */
  private ShardConf shardConf(RaftClient shard, List<org.apache.ratis.protocol.RaftPeer> servers,
      org.apache.ratis.protocol.RaftPeer target, RaftGroupId groupId) throws IOException {
    List<org.apache.ratis.protocol.RaftPeer> asked = new ArrayList<>(servers);
    asked.add(target);
    long deadlineNanos = System.nanoTime() + electionTimeout.toNanos() * 20;
    while (true) {
      for (org.apache.ratis.protocol.RaftPeer peer : asked) {
        try {
          var info = shard.getGroupManagementApi(peer.getId()).info(groupId);
          var conf = info.getConf();
          if (info.getRoleInfoProto().getRole() == org.apache.ratis.proto.RaftProtos.RaftPeerRole.LEADER
              && conf.isPresent() && conf.get().getOldPeersCount() == 0) {
            java.util.Set<String> voters = new java.util.HashSet<>();
            conf.get().getPeersList().forEach(p -> voters.add(p.getId().toStringUtf8()));
            java.util.Set<String> listeners = new java.util.HashSet<>();
            conf.get().getListenersList().forEach(p -> listeners.add(p.getId().toStringUtf8()));
            return new ShardConf(voters, listeners);
          }
        } catch (IOException | RuntimeException e) {
          // Down, or not holding the group (the target before step 2): ask the next.
        }
      }
      if (System.nanoTime() > deadlineNanos) {
        throw new IOException("no leader of shard group " + groupId + " answered with its configuration");
      }
      sleep(electionTimeout.toMillis() / 2);
    }
  }

  private static org.apache.ratis.protocol.RaftPeer peer(ShardMap map, String nodeId) {
    return RaftGroups.ringGroup(List.of(map.node(nodeId))).getPeers().iterator().next();
  }

  private static boolean isGroupGone(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof org.apache.ratis.protocol.exceptions.GroupMismatchException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Has a leader other than the one that added the move's target lead the shard. Ratis 3.3 sends a replica that a
   * configuration change added "initializing" appends for as long as the leader that added it leads: the replica
   * stays STARTING, refuses to vote and to take the leadership, and the shard, with one of its other replicas down,
   * could elect no leader once the target replaces the source (a dead source: the shard's quorum then needs the
   * target). The appends of any later leader start it, so before the swap the leadership goes from the leader that
   * added the listener to another voting replica: a transfer, not an election timeout. Nothing to do when the
   * leadership changed since the listener was added. A failed transfer is logged: the replica starts at the shard's
   * next leader change.
   */
  private void startAddedReplica(RaftClient shard, RingState.Move move, RaftPeerId listenerAddedBy,
      List<org.apache.ratis.protocol.RaftPeer> replicas) {
    RaftPeerId leader = shard.getLeaderId();
    if (listenerAddedBy == null || !listenerAddedBy.equals(leader)) {
      return;
    }
    java.util.Set<String> live = liveFollowers(shard, leader, RaftGroups.groupId(move.shard()));
    for (org.apache.ratis.protocol.RaftPeer peer : replicas) {
      String id = peer.getId().toString();
      // Not the source, which leaves, nor a replica the leader has not heard from: a transfer to a dead replica
      // keeps the leader stepping down, refusing the swap, until it times out.
      if (id.equals(move.to()) || id.equals(move.from()) || peer.getId().equals(leader) || !live.contains(id)) {
        continue;
      }
      try {
        if (shard.admin().transferLeadership(peer.getId(), electionTimeout.toMillis() * 2).isSuccess()) {
          log.info("shard {} handed from {} to {} so that the new replica {} starts", move.shard(), leader, id,
              move.to());
          return;
        }
      } catch (IOException | RuntimeException e) {
        log.debug("handing shard {} to {} failed: {}", move.shard(), id, e.toString());
      }
    }
    log.warn("shard {}: could not hand the leadership away from {}; the new replica {} starts at the shard's next"
        + " leader change", move.shard(), leader, move.to());
  }

  /** The followers {@code leader} heard from within the last election timeout, by id; empty when it cannot tell. */
  private java.util.Set<String> liveFollowers(RaftClient shard, RaftPeerId leader, RaftGroupId groupId) {
    java.util.Set<String> live = new java.util.HashSet<>();
    try {
      var role = shard.getGroupManagementApi(leader).info(groupId).getRoleInfoProto();
      if (role.hasLeaderInfo()) {
        for (var follower : role.getLeaderInfo().getFollowerInfoList()) {
          if (follower.getLastRpcElapsedTimeMs() < electionTimeout.toMillis()) {
            live.add(follower.getId().getId().toStringUtf8());
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      log.debug("reading the followers of {} from {} failed: {}", groupId, leader, e.toString());
    }
    return live;
  }

  /**
   * Puts a caught-up listener in the place of a shard's only replica (replication factor 1). There is no other voting
   * replica to take the leadership from the leader that added the listener ({@link #startAddedReplica}), and a
   * listener turned follower stays "initializing" under that leader. A replica added as a follower, though, is staged
   * by the leader, which starts it once it caught up. So: the listener is dropped, added again as a follower beside
   * the source (it holds the log already: staging takes only the entries since), the source hands it the
   * leadership, and the new leader removes the source. Writes pause for the transfer only.
   */
  private void moveOnlyReplica(RaftClient shard, RingState.Move move, RaftGroupId groupId,
      org.apache.ratis.protocol.RaftPeer source, org.apache.ratis.protocol.RaftPeer target, boolean followerAlready)
      throws IOException {
    if (!followerAlready) {
      IngesterNode.check("turn the listener " + move.to() + " back into a non-member",
          setConfiguration(shard, List.of(source), List.of()));
      IngesterNode.check("add " + move.to() + " as a follower beside " + move.from(),
          setConfiguration(shard, List.of(source, target), List.of()));
    }
    try (RaftClient both = RaftGroups.client(RaftGroup.valueOf(groupId, source, target), options)) {
      long deadlineNanos = System.nanoTime() + electionTimeout.toNanos() * 20;
      while (true) {
        Throwable failure;
        try {
          RaftClientReply reply = both.admin().transferLeadership(target.getId(), electionTimeout.toMillis() * 2);
          if (reply.isSuccess()) {
            break;
          }
          failure = reply.getException();
        } catch (IOException e) {
          failure = e;
        }
        if (System.nanoTime() > deadlineNanos) {
          throw new IOException("shard " + move.shard() + ": " + move.to() + " did not take the leadership: "
              + failure, failure);
        }
        sleep(electionTimeout.toMillis() / 2);
      }
      log.info("shard {} handed from its only replica {} to the new one {}", move.shard(), move.from(), move.to());
      IngesterNode.check("remove " + move.from() + " from shard " + move.shard(),
          setConfiguration(both, List.of(target), List.of()));
    }
  }

  /**
   * Adds the shard's group, without peers, on the move's target. A directory left there by an earlier replica of the
   * shard (whose removal had not finished, or whose group Ratis closed before the move removed it) is recovered
   * instead of formatted: it is an old member's state, a prefix of the shard's log, which the leader brings up to
   * date like any lagging replica's.
   */
  private static void addEmptyGroup(RaftClient toTarget, org.apache.ratis.protocol.RaftPeer target,
      RaftGroupId groupId) throws IOException {
    RaftClientReply added;
    try {
      added = toTarget.getGroupManagementApi(target.getId()).add(RaftGroup.valueOf(groupId), true);
    } catch (IOException e) {
      boolean existing = false;
      for (Throwable t = e; t != null && !existing; t = t.getCause()) {
        if (isAlreadyAdded(t)) {
          return; // added by a ring leader that stopped before the next step
        }
        existing = String.valueOf(t.getMessage()).contains("existing directories");
      }
      if (!existing) {
        throw e;
      }
      log.info("{} holds a directory of group {} already: recovering it", target.getId(), groupId);
      added = toTarget.getGroupManagementApi(target.getId()).add(RaftGroup.valueOf(groupId), false);
    }
    if (!added.isSuccess() && isAlreadyAdded(added.getException())) {
      // Added by a ring leader that stopped before the next step.
      return;
    }
    IngesterNode.check("add the group on " + target.getId(), added);
  }

  private static boolean isAlreadyAdded(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof org.apache.ratis.protocol.exceptions.AlreadyExistsException) {
        return true;
      }
    }
    return false;
  }

  /** Waits until the target's commit index reaches the one the leader had when the wait began. */
  private void awaitCaughtUp(RaftClient toTarget, org.apache.ratis.protocol.RaftPeer target, RaftGroupId groupId,
      java.time.Duration timeout) throws IOException {
    long deadlineNanos = System.nanoTime() + timeout.toNanos();
    long goal = -1;
    while (System.nanoTime() < deadlineNanos) {
      var info = toTarget.getGroupManagementApi(target.getId()).info(groupId);
      long targetCommit = -1;
      long highest = -1;
      for (var commit : info.getCommitInfos()) {
        highest = Math.max(highest, commit.getCommitIndex());
        if (commit.getServer().getId().toStringUtf8().equals(target.getId().toString())) {
          targetCommit = commit.getCommitIndex();
        }
      }
      if (goal < 0 && highest > 0) {
        goal = highest;
      }
      if (goal > 0 && targetCommit >= goal) {
        return;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while " + target.getId() + " caught up", e);
      }
    }
    throw new IOException(target.getId() + " did not catch up with shard group " + groupId + " within " + timeout);
  }

  private void abandon(RingState.Move move, long term, RaftClient shard, RaftClient toTarget,
      List<org.apache.ratis.protocol.RaftPeer> servers, org.apache.ratis.protocol.RaftPeer target, Exception why) {
    if (node.stopping()) {
      // A ring leader that stops leaves the move pending as it is: the next leader takes it up from there.
      log.info("{} left pending for the next ring leader: this node is stopping", move);
      return;
    }
    log.warn("abandoning {}: {}", move, why.toString());
    try {
      setConfiguration(shard, servers, List.of());
      toTarget.getGroupManagementApi(target.getId()).remove(RaftGroups.groupId(move.shard()), true, false);
    } catch (IOException | RuntimeException e) {
      log.warn("cleaning up after {} failed: {}", move, e.toString());
    }
    try {
      node.ringCommand(new RingCommand.Planned(new RingCommand.MoveAbandoned(move, why.getMessage()), term));
    } catch (IOException | RuntimeException e) {
      log.warn("recording {} as abandoned failed: {}", move, e.toString());
    }
  }

  /**
   * Asks the ring group for this node's share of the replicas (a {@code join}: the node enters the ring, or a
   * member holding none asks for its share), then waits while the ring group's leader moves them
   * ({@link RingLeaderDuties}).
   *
   * @param progressTimeout how long the ring may stay unchanged while the join is under way
   * @return the moves the join made
   * @throws IOException when the ring group refused or a move failed (the ring leader retries it), or the ring
   *     did not change within {@code progressTimeout}; moves done so far stay done
   */
  List<RingState.Move> join(java.time.Duration progressTimeout) throws IOException {
    RingState ring = node.queryRing();
    if (!ring.joining().contains(self.id())) {
      JsonNode joined = node.ringCommand(new RingCommand.Join(self));
      if (!joined.path("applied").asBoolean()) {
        throw new IOException("the ring group refused the join of " + self.id() + ": " + joined.path("error").asText());
      }
      ring = RingState.fromJson(JSON.writeValueAsBytes(joined.get("state")));
    }
    return awaitChange(ring, after -> !after.joining().contains(self.id()), progressTimeout);
  }

  /**
   * Asks the ring group for {@code leavingId} to leave, then waits while the ring group's leader moves every replica
   * off it ({@link RingPlanner#forLeave}) and removes it from the ring. Asked of the leaving node itself, or of a
   * live node for a dead one (Mimir's "forget"): the remaining replicas of each shard are its quorum.
   *
   * @return the moves the leave made
   * @throws IllegalArgumentException when the node is not in the ring or a shard would have nowhere to go
   * @throws IOException as {@link #join}
   */
  List<RingState.Move> leave(String leavingId, java.time.Duration progressTimeout) throws IOException {
    RingState ring = node.queryRing();
    if (!ring.hasNode(leavingId)) {
      throw new IllegalArgumentException("ingester node " + leavingId + " is not in the ring");
    }
    if (!ring.leaving().contains(leavingId)) {
      JsonNode asked = node.ringCommand(new RingCommand.LeaveAsked(leavingId));
      if (!asked.path("applied").asBoolean()) {
        throw new IllegalArgumentException(asked.path("error").asText());
      }
      ring = RingState.fromJson(JSON.writeValueAsBytes(asked.get("state")));
    }
    return awaitChange(ring, after -> !after.hasNode(leavingId), progressTimeout);
  }

  /**
   * Records a move in the ring group for its leader to run, and waits for it.
   *
   * @throws IOException when the ring group refused it, it was abandoned, or the ring did not change within
   *     {@code progressTimeout}
   */
  void move(RingState.Move move, java.time.Duration progressTimeout) throws IOException {
    JsonNode started = node.ringCommand(new RingCommand.MoveStarted(move));
    if (!started.path("applied").asBoolean()) {
      throw new IOException("the ring group refused " + move + ": " + started.path("error").asText());
    }
    RingState ring = RingState.fromJson(JSON.writeValueAsBytes(started.get("state")));
    awaitChange(ring, after -> !after.pendingMoves().contains(move), progressTimeout);
    if (!node.ringView().state().shards().get(move.shard()).contains(move.to())) {
      throw new IOException(move + " was abandoned: " + node.ringView().state().lastError());
    }
  }

  /**
   * Waits until {@code done} holds for the ring as this process learns it (its replica of the ring group, or its
   * poller), failing when a move is abandoned meanwhile or nothing changes for {@code progressTimeout}.
   *
   * @return the replicas that changed from {@code before}, each as the move that changed it
   */
  private List<RingState.Move> awaitChange(RingState before, java.util.function.Predicate<RingState> done,
      java.time.Duration progressTimeout) throws IOException {
    long version = before.version();
    String error = before.lastError();
    long progressNanos = System.nanoTime();
    while (true) {
      RingState ring = node.ringView().state();
      if (ring.version() >= before.version() && done.test(ring)) {
        return changes(before, ring);
      }
      if (ring.version() > version) {
        if (!ring.lastError().isEmpty() && !ring.lastError().equals(error)) {
          throw new IOException("a move failed: " + ring.lastError() + "; the ring group's leader tries it again"
              + " (GET /ingester/ring shows the progress)");
        }
        version = ring.version();
        error = ring.lastError();
        progressNanos = System.nanoTime();
      } else if (System.nanoTime() - progressNanos > progressTimeout.toNanos()) {
        throw new IOException("the ring did not change for " + progressTimeout + " (version " + ring.version()
            + ", pending moves " + ring.pendingMoves() + "); the ring group's leader runs the moves");
      }
      sleep(50);
    }
  }

  /** Each replica that differs between {@code before} and {@code after}, as a move: moves replace in place. */
  private static List<RingState.Move> changes(RingState before, RingState after) {
    List<RingState.Move> moves = new ArrayList<>();
    for (int shard = 0; shard < Math.min(before.shards().size(), after.shards().size()); shard++) {
      List<String> was = before.shards().get(shard);
      List<String> is = after.shards().get(shard);
      for (int i = 0; i < Math.min(was.size(), is.size()); i++) {
        if (!was.get(i).equals(is.get(i))) {
          moves.add(new RingState.Move(shard, was.get(i), is.get(i)));
        }
      }
    }
    return moves;
  }

  /**
   * Sets a shard group's configuration, again while its leadership moves (a leader stepping down, a transfer to the
   * preferred replica): for up to 20 election timeouts.
   */
  private RaftClientReply setConfiguration(RaftClient shard, List<org.apache.ratis.protocol.RaftPeer> servers,
      List<org.apache.ratis.protocol.RaftPeer> listeners) throws IOException {
    long deadlineNanos = System.nanoTime() + electionTimeout.toNanos() * 20;
    var arguments = org.apache.ratis.protocol.SetConfigurationRequest.Arguments.newBuilder()
        .setServersInNewConf(servers).setListenersInNewConf(listeners).build();
    while (true) {
      Throwable failure;
      try {
        RaftClientReply reply = shard.admin().setConfiguration(arguments);
        if (reply.isSuccess() || !isLeadershipChange(reply.getException())) {
          return reply;
        }
        failure = reply.getException();
      } catch (IOException e) {
        if (!isLeadershipChange(e)) {
          throw e;
        }
        failure = e;
      }
      if (System.nanoTime() > deadlineNanos) {
        throw new IOException("the shard's leadership kept moving: " + failure, failure);
      }
      sleep(electionTimeout.toMillis() / 2);
    }
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private static boolean isLeadershipChange(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof org.apache.ratis.protocol.exceptions.LeaderSteppingDownException
          || t instanceof org.apache.ratis.protocol.exceptions.NotLeaderException
          || t instanceof org.apache.ratis.protocol.exceptions.LeaderNotReadyException
          || t instanceof org.apache.ratis.protocol.exceptions.TransferLeadershipException) {
        return true;
      }
    }
    return false;
  }
}
