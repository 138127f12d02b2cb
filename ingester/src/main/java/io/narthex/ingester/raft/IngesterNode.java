package io.narthex.ingester.raft;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.common.service.StartFailure;
import io.narthex.ingester.IngesterMetrics;
import io.narthex.ingester.ShardHeads;
import io.narthex.ingester.ShardReplicas;
import io.narthex.ingester.ring.RingCommand;
import io.narthex.ingester.ring.RingPoller;
import io.narthex.ingester.ring.RingState;
import io.narthex.ingester.ring.RingStateMachine;
import io.narthex.ingester.ring.RingView;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.proto.ingester.ReplicaState;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.ExitUtils;
import org.apache.ratis.util.NetUtils;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ingester process: a Ratis server holding a replica of every shard the {@link ShardMap} gives this node
 * (multi-raft). Replicas recover from their latest snapshot and log on start, then catch up from the leader.
 * Raft data lives under {@code <dataDir>/raft}. The Raft server binds {@link RaftOptions#listenAddress()} and,
 * with {@link RaftOptions#serverTls()}, accepts only peers and clients that present a certificate of its CA.
 *
 * <p>The same server holds a replica of the ring group ({@link RingStateMachine}), whose peers are the shard map's
 * nodes: it keeps the ring (nodes, shards' replicas, moves under way) and publishes it to {@link #ringView()}. The
 * first start of a cluster seeds it with the shard map given here (every node tries; the ring group takes the first
 * seed and refuses every later one, so a node started against a running ring joins it, never re-seeds it). A node
 * the ring lists at other addresses (restarted on other ports or another host) sends its own
 * ({@link RingGroupClient#seed}); this process's view lists it at them from the start, and the Raft server's
 * connections to the other nodes follow the ring's addresses ({@link PeerAddresses}). The replicas this node
 * starts are those {@link HeldShards#FILE} names (the ring as this node last applied it), or the given shard map's
 * before any runtime change of the ring; the directory of any other shard is set aside
 * ({@link #STALE_REPLICAS_DIR}), so that a replica moved off this node never runs again.
 */
public final class IngesterNode implements ShardReplicas, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IngesterNode.class);

  static {
    // Ratis calls System.exit when its gRPC server cannot bind. One process holds many shards, and tests share a JVM:
    // start() throws instead (see the ExitException catch there).
    ExitUtils.disableSystemExit();
  }

  private final ShardMap shardMap;
  private final String nodeId;
  /** This node as its config gives it now: its addresses may differ from those the ring kept from its last start. */
  private final ShardMap.Node self;
  private final RaftServer server;
  private final Path raftDir;
  private final RaftMetrics raftMetrics;
  private final TlsFiles clientTls;
  private final java.time.Duration electionTimeout;
  /** The shards this node holds a replica of, by shard; changed by replica moves. */
  private final Map<Integer, RaftGroupId> localShards = new java.util.concurrent.ConcurrentSkipListMap<>();
  private final AtomicLong callId = new AtomicLong();
  private final ScheduledExecutorService gauges = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("raft-gauges").factory());
  private final PreferredLeaders preferredLeaders;
  private final RingView ringView;
  private final RaftOptions options;
  private final ReplicaMoves moves;
  private final RingGroupClient ringClient;
  private volatile RingPoller ringPoller;
  private volatile RingLeaderDuties ringLeaderDuties;
  /** Set by {@link #close}: no ring command is sent, and a move under way is left pending as it is. */
  private volatile boolean closing;
  /** Set once this node hands its leaderships over to stop: no move to a preferred leader runs alongside. */
  private volatile boolean stopping;
  /**
   * The ring version {@link HeldShards#FILE} was written at: ring states up to it, which the ring group's replica
   * replays at start, are older news than the file and change nothing.
   */
  private volatile long heldVersion;

  private IngesterNode(RingView ringView, String nodeId, Path dataDir, RaftOptions options, ApplyOptions apply,
      PrometheusRegistry registry) throws IOException {
    this.ringView = ringView;
    this.shardMap = ringView.shardMap();
    this.options = options;
    this.raftMetrics = new RaftMetrics(registry);
    IngesterMetrics ingesterMetrics = new IngesterMetrics(registry);
    this.nodeId = nodeId;
    this.raftDir = dataDir.resolve("raft");
    Files.createDirectories(raftDir);
    this.self = shardMap.node(nodeId);
    ringView.keepOwnAddresses(self);
    RaftProperties properties = RaftGroups.properties(options.electionTimeout(), options.transport());
    RaftServerConfigKeys.setStorageDir(properties, List.of(raftDir.toFile()));
    int raftPort = NetUtils.createSocketAddr(self.raftAddress()).getPort();
    GrpcConfigKeys.Server.setPort(properties, raftPort);
    NettyConfigKeys.Server.setPort(properties, raftPort);
    if (!options.listenAddress().isEmpty()) {
      GrpcConfigKeys.Server.setHost(properties, options.listenAddress());
      NettyConfigKeys.Server.setHost(properties, options.listenAddress());
    }
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, options.snapshotEveryEntries());
    // Ratis keeps every old snapshot file by default (retention -1), each a full copy of the heads: keep two.
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(properties, 2);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
    // Purge at every snapshot (Ratis waits for 1,024 entries by default): the snapshot has all they held.
    RaftServerConfigKeys.Log.setPurgeGap(properties, (int) Math.clamp(options.snapshotEveryEntries(), 1, 1024));
    RaftServerConfigKeys.Log.setSegmentSizeMax(properties, SizeInBytes.valueOf(options.logSegmentBytes()));
    GrpcConfigKeys.Server.setInstallSnapshotRequestTimeout(properties,
        TimeDuration.valueOf(options.installSnapshotRequestTimeout().toMillis(), TimeUnit.MILLISECONDS));
    // Ratis keeps up to 6 closed segments (200 MB) of entries in the heap per group by default; they are applied
    // already, and a lagging follower is served from disk. Two per group keep the heap to what the series need.
    RaftServerConfigKeys.Log.setSegmentCacheNumMax(properties, 2);
    RaftServerConfigKeys.Log.setSegmentCacheSizeMax(properties, SizeInBytes.valueOf("64MB"));
    RaftServerConfigKeys.Log.setWriteBufferSize(
        properties, SizeInBytes.valueOf(RaftGroups.MAX_APPEND_BATCH_SIZE.getSize() + (1 << 20)));
    Map<RaftGroupId, Integer> shardOfGroup = new LinkedHashMap<>();
    for (int shard = 0; shard < shardMap.shardCount(); shard++) {
      shardOfGroup.put(RaftGroups.groupId(shard), shard);
    }
    HeldShards held = HeldShards.read(raftDir, shardMap.shardsOf(nodeId));
    this.heldVersion = held.version();
    for (int shard : held.shards()) {
      localShards.put(shard, RaftGroups.groupId(shard));
    }
    setAsideStaleReplicas(shardOfGroup);
    this.clientTls = options.clientTls();
    this.electionTimeout = options.electionTimeout();
    this.ringClient = new RingGroupClient(self, shardMap, ringView, options);
    this.moves = new ReplicaMoves(this, self, options);
    this.preferredLeaders = new PreferredLeaders(ringView, options.electionTimeout());
    server = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(nodeId))
        .setProperties(properties)
        .setParameters(TlsFiles.ratisParameters(options.serverTls()))
        .setStateMachineRegistry(groupId -> {
          if (groupId.equals(RaftGroups.RING_GROUP_ID)) {
            return new RingStateMachine(ringView);
          }
          Integer shard = shardOfGroup.get(groupId);
          if (shard == null) {
            throw new IllegalStateException("node " + nodeId + " found Raft group " + groupId
                + " on disk that is no shard of the ring's " + shardMap.shardCount());
          }
          // A replica moved here ({@link #moveReplica}) is held from its creation on.
          localShards.put(shard, groupId);
          return new ShardStateMachine(shard, apply, shardMap.shardCount(), raftMetrics, ingesterMetrics);
        })
        .build();
  }

  /**
   * Starts the node and joins the groups of its shards; a group already on disk is recovered from there.
   *
   * @throws IOException when the Raft port or data directory cannot be used
   */
  public static IngesterNode start(ShardMap shardMap, String nodeId, Path dataDir, RaftOptions options)
      throws IOException {
    return start(shardMap, nodeId, dataDir, options, ApplyOptions.DEFAULT);
  }

  /**
   * Starts the node, its shards applying entries with {@code apply}.
   *
   * @throws IOException when the Raft port or data directory cannot be used
   */
  public static IngesterNode start(ShardMap shardMap, String nodeId, Path dataDir, RaftOptions options,
      ApplyOptions apply) throws IOException {
    return start(shardMap, nodeId, dataDir, options, apply, new PrometheusRegistry());
  }

  /**
   * Starts the node, its shards applying entries with {@code apply} and counting into {@code registry}, the
   * process's.
   *
   * @throws IOException when the Raft port or data directory cannot be used
   * @throws IllegalStateException when {@code registry} holds the ingester's metrics already
   */
  public static IngesterNode start(ShardMap shardMap, String nodeId, Path dataDir, RaftOptions options,
      ApplyOptions apply, PrometheusRegistry registry) throws IOException {
    return start(RingView.of(shardMap), nodeId, dataDir, options, apply, registry);
  }

  /**
   * Starts the node on the ring {@code ringView} holds, the process's: its replica of the ring group updates it.
   *
   * @throws IOException when the Raft port or data directory cannot be used
   * @throws IllegalStateException when {@code registry} holds the ingester's metrics already
   */
  public static IngesterNode start(RingView ringView, String nodeId, Path dataDir, RaftOptions options,
      ApplyOptions apply, PrometheusRegistry registry) throws IOException {
    IngesterNode node = new IngesterNode(ringView, nodeId, dataDir, options, apply, registry);
    try {
      node.server.start();
      node.joinGroups();
    } catch (ExitUtils.ExitException e) {
      // Ratis's gRPC server could not start, mostly because its port is taken.
      throw StartFailure.closing(node.server, "ingester node " + nodeId + " cannot start its Raft server", e);
    } catch (IOException | RuntimeException e) {
      node.server.close();
      throw e;
    }
    Thread.ofVirtual().name("ring-seed-" + nodeId).start(node.ringClient::seed);
    node.ringView.addListener(node::dropMovedReplicas);
    node.ringView.addListener(node::followAddresses);
    // The ring group's replica may have applied newer states before the listeners were added.
    node.dropMovedReplicas(node.ringView.state());
    node.followAddresses(node.ringView.state());
    // A node that joined at runtime holds no voting replica of the ring group: it learns the ring as others do.
    node.ringPoller = new RingPoller(node.ringView, options).start(RingPoller.DEFAULT_INTERVAL);
    node.ringLeaderDuties = new RingLeaderDuties(node, node.moves, MOVE_CATCH_UP_TIMEOUT,
        options.electionTimeout().multipliedBy(10)).start();
    node.gauges.scheduleWithFixedDelay(node::updateGauges, 15, 15, TimeUnit.SECONDS);
    long balanceMs = options.electionTimeout().toMillis();
    node.gauges.scheduleWithFixedDelay(node::yieldToPreferredLeaders, balanceMs, balanceMs, TimeUnit.MILLISECONDS);
    log.info("ingester node started node={} shards={}", nodeId, node.localShards.keySet());
    return node;
  }

  private void joinGroups() throws IOException {
    Set<RaftGroupId> existing = new HashSet<>();
    server.getGroupIds().forEach(existing::add);
    joinGroup(existing, "the ring group", RaftGroups.ringGroup(shardMap.nodes()));
    for (int shard : localShards.keySet()) {
      joinGroup(existing, "shard " + shard, RaftGroups.group(shardMap, shard));
    }
  }

  private void joinGroup(Set<RaftGroupId> existing, String what, RaftGroup group) throws IOException {
    if (!existing.contains(group.getGroupId())) {
      groupManagement("join " + what, GroupManagementRequest.newAdd(ClientId.randomId(), server.getId(),
          callId.incrementAndGet(), group));
    } else if (server.getDivision(group.getGroupId()).getRaftConf().getAllPeers().isEmpty()) {
      addReplicasToUnconfiguredGroup(what, group);
    }
  }

  /**
   * Commits {@code command} through the ring group.
   *
   * @return the ring group's reply: whether it applied the command, and the state after it or why not
   * @throws IOException when no quorum of the ring group answered
   */
  public JsonNode ringCommand(RingCommand command) throws IOException {
    return ringClient.command(command);
  }

  private List<String> replicasInRing(int shard) {
    return ringView.state().shards().get(shard);
  }

  /**
   * Follows a ring change: records the shards this node holds by it in {@link HeldShards#FILE}, and retires the
   * local replicas the ring has moved off this node. A move removes its source's group itself; a source that was down
   * then (a node replaced while dead, back afterwards) still runs the replica, which is removed here and its
   * directory set aside. States no newer than the file (replayed at start) are skipped.
   */
  private synchronized void dropMovedReplicas(RingState state) {
    if (!state.changedSinceSeed() || state.version() <= heldVersion) {
      return;
    }
    List<Integer> held = new ArrayList<>();
    for (int shard = 0; shard < state.shards().size(); shard++) {
      if (HeldShards.holds(state, nodeId, shard)) {
        held.add(shard);
      } else if (localShards.remove(shard) != null) {
        int retired = shard;
        Thread.ofVirtual().name("retire-replica-" + shard).start(() -> retireReplica(retired, state.version()));
      }
    }
    try {
      new HeldShards(state.version(), held).write(raftDir);
      heldVersion = state.version();
    } catch (IOException e) {
      log.warn("could not record the shards this node holds in {}: {}", raftDir, e.toString());
    }
  }

  /** Points the Raft server's connections to the other nodes at the ring's addresses ({@link PeerAddresses}). */
  private void followAddresses(RingState state) {
    PeerAddresses.follow(server, nodeId, state.nodes());
  }

  /**
   * Removes a replica the ring no longer gives this node from the Raft server, when it still runs there, and sets
   * its directory aside ({@link HeldShards#setAside}).
   */
  private void retireReplica(int shard, long ringVersion) {
    RaftGroupId groupId = RaftGroups.groupId(shard);
    try {
      if (!contains(server.getGroupIds(), groupId)) {
        return;
      }
      groupManagement("remove shard " + shard + "'s replica, moved off this node",
          GroupManagementRequest.newRemove(ClientId.randomId(), server.getId(), callId.incrementAndGet(), groupId,
              false, false));
      log.warn("shard {}: the ring (version {}) moved its replica off this node while it was down; removed the"
          + " replica it still ran", shard, ringVersion);
      HeldShards.setAside(raftDir, shard);
    } catch (IOException | RuntimeException e) {
      log.warn("shard {}: could not remove the replica the ring moved off this node: {}", shard, e.toString());
    }
  }

  private static boolean contains(Iterable<RaftGroupId> groups, RaftGroupId groupId) {
    for (RaftGroupId group : groups) {
      if (group.equals(groupId)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Before the Raft server loads the groups on disk (it starts every one it finds): sets aside the directory of each
   * shard this node does not hold ({@link #localShards}, from {@link HeldShards#FILE}).
   */
  private void setAsideStaleReplicas(Map<RaftGroupId, Integer> shardOfGroup) throws IOException {
    for (Map.Entry<RaftGroupId, Integer> group : shardOfGroup.entrySet()) {
      int shard = group.getValue();
      if (!localShards.containsKey(shard)
          && Files.isDirectory(raftDir.resolve(group.getKey().getUuid().toString()))) {
        Path aside = HeldShards.setAside(raftDir, shard);
        log.warn("shard {}: this node does not hold a replica by {} (a move took it off this node); its directory"
            + " was set aside to {} instead of starting it", shard, HeldShards.FILE, aside);
      }
    }
  }

  /** How long a replica moving here may take to catch up with its shard, a snapshot install included. */
  static final java.time.Duration MOVE_CATCH_UP_TIMEOUT = java.time.Duration.ofMinutes(10);

  /**
   * Records a move of one replica of a shard in the ring group and waits while the ring group's leader runs it by
   * Raft membership changes, quorum kept ({@link ReplicaMoves#start}).
   *
   * @param progressTimeout how long the ring may stay unchanged meanwhile
   * @throws IOException when the ring group refused the move, it was abandoned, or it made no progress
   */
  public void moveReplica(RingState.Move move, java.time.Duration progressTimeout) throws IOException {
    moves.move(move, progressTimeout);
  }

  /**
   * Asks the ring group for this node's share of the replicas and waits while the ring group's leader moves them
   * ({@link ReplicaMoves#join}).
   *
   * @param progressTimeout how long the ring may stay unchanged meanwhile
   * @return the moves run
   * @throws IOException when the ring group refused, a move failed (the leader retries it), or no progress was made;
   *     moves done so far stay done
   */
  public List<RingState.Move> join(java.time.Duration progressTimeout) throws IOException {
    return moves.join(progressTimeout);
  }

  /**
   * Asks the ring group for {@code leavingId} to leave, and waits while the ring group's leader moves every replica
   * off it and removes it from the ring ({@link ReplicaMoves#leave}).
   *
   * @return the moves run
   * @throws IllegalArgumentException when the node is not in the ring or a shard would have nowhere to go
   * @throws IOException as {@link #join}
   */
  public List<RingState.Move> leave(String leavingId, java.time.Duration progressTimeout) throws IOException {
    return moves.leave(leavingId, progressTimeout);
  }

  /**
   * Whether this node leads the ring group and has applied every ring change committed: the ring it holds is the
   * ring, and its {@link RingLeaderDuties} run the ring's changes.
   */
  boolean leadsRingGroup() {
    return ringLeaderTerm() > 0;
  }

  /**
   * The ring group's term while this node leads it ({@link #leadsRingGroup}), or 0: the term the ring-leader duties
   * plan their commands in ({@link RingCommand.Planned}).
   */
  long ringLeaderTerm() {
    try {
      RaftServer.Division division = server.getDivision(RaftGroups.RING_GROUP_ID);
      DivisionInfo info = division.getInfo();
      // The term first: should it change before the checks, the commands planned in it are refused.
      long term = info.getCurrentTerm();
      return info.isLeader() && info.isLeaderReady()
          && info.getLastAppliedIndex() >= division.getRaftLog().getLastCommittedIndex() ? term : 0;
    } catch (IOException | IllegalStateException e) {
      return 0;
    }
  }

  /** Whether the ring group answered this node's seed ({@link RingGroupClient#seed}). */
  boolean seedAnswered() {
    return ringClient.seedAnswered();
  }

  /** Whether this node is handing its leaderships over or closing. */
  boolean stopping() {
    return stopping || closing;
  }

  /** The ring-leader duties' moves, for tests that watch a move's steps. */
  ReplicaMoves moves() {
    return moves;
  }

  /**
   * The ring as the ring group's leader has it (a read-only query).
   *
   * @throws IOException when no replica of the ring group answered
   */
  public RingState queryRing() throws IOException {
    return ringClient.query();
  }

  static void check(String what, RaftClientReply reply) throws IOException {
    if (!reply.isSuccess()) {
      throw new IOException("could not " + what + ": " + reply.getException());
    }
  }

  /** The ring as this node's replica of the ring group has applied it; {@link RingState#EMPTY} before that. */
  public RingState ringState() {
    try {
      return ((RingStateMachine) server.getDivision(RaftGroups.RING_GROUP_ID).getStateMachine()).state();
    } catch (IOException e) {
      return RingState.EMPTY;
    }
  }

  /** The ring as this process knows it: the ring group's once applied here, the configured shard map before. */
  public RingView ringView() {
    return ringView;
  }

  /** This node's view of the ring group's leader, or null when it knows none. */
  public String ringLeader() {
    try {
      RaftPeerId leader = server.getDivision(RaftGroups.RING_GROUP_ID).getInfo().getLeaderId();
      return leader == null ? null : leader.toString();
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Gives a group recovered from disk without a configuration the shard map's replicas.
   *
   * <p>Ratis 3.3 loads a group directory with no peers, then takes its configuration from the directory's
   * {@code current/raft-meta.conf}, written only when a committed configuration entry is applied (the first entry of
   * the group's first leader), or from such entries in its log. A replica stopped before that has neither: Ratis
   * starts it "initializing", and it never stands for election nor learns of a leader, for good.
   *
   * <p>Ratis 3.3 cannot set the peers of a loaded group, so the group is removed, its directory kept, and added
   * again with its peers and without formatting: Ratis then recovers the directory as at a restart (the term and
   * vote in {@code raft-meta}, the log, the snapshots) and starts from the given peers, as a new group does. No vote
   * is lost, so the replica cannot vote twice in a term: every vote Ratis casts is in {@code raft-meta} before it
   * answers, recovery reads it back, and a formatting add would refuse the existing directory rather than clear it.
   */
  private void addReplicasToUnconfiguredGroup(String group, RaftGroup peers) throws IOException {
    RaftGroupId groupId = peers.getGroupId();
    Path dir = raftDir.resolve(groupId.getUuid().toString());
    String what = "give " + group + "'s Raft group in " + dir + " the replicas of the shard map";
    groupManagement(what, GroupManagementRequest.newRemove(ClientId.randomId(), server.getId(),
        callId.incrementAndGet(), groupId, false, false));
    groupManagement(what, GroupManagementRequest.newAdd(ClientId.randomId(), server.getId(),
        callId.incrementAndGet(), peers, false));
    log.warn("{} was stopped before its first election and had no stored Raft configuration: recovered {}"
        + " with the shard map's replicas {}", group, dir, peers.getPeers());
  }

  private void groupManagement(String what, GroupManagementRequest request) throws IOException {
    RaftClientReply reply = server.groupManagement(request);
    if (!reply.isSuccess()) {
      throw new IOException("node " + nodeId + " could not " + what + ": " + reply.getException());
    }
  }

  public String nodeId() {
    return nodeId;
  }

  /** Shards this node holds a replica of. */
  public Set<Integer> shards() {
    return localShards.keySet();
  }

  /** The heads of a local shard as applied so far, or null when this node holds no replica of it. */
  @Override
  public ShardHeads heads(int shard) {
    ShardStateMachine stateMachine = stateMachine(shard);
    return stateMachine == null ? null : stateMachine.heads();
  }

  /** This replica's view of a shard, or null when it holds none. */
  @Override
  public ReplicaState replicaState(int shard) {
    RaftGroupId groupId = localShards.get(shard);
    if (groupId == null) {
      return null;
    }
    try {
      RaftServer.Division division = server.getDivision(groupId);
      DivisionInfo info = division.getInfo();
      RaftPeerId leader = info.getLeaderId();
      return ReplicaState.newBuilder()
          .setNodeId(nodeId)
          .setLeader(info.isLeader() && info.isLeaderReady())
          .setLeaderId(leader == null ? "" : leader.toString())
          .setAppliedIndex(info.getLastAppliedIndex())
          .build();
    } catch (IOException e) {
      return ReplicaState.newBuilder().setNodeId(nodeId).build();
    }
  }

  /** Whether this node can take traffic: {@link #notReady()} is empty. */
  public boolean ready() {
    return notReady().isEmpty();
  }

  /**
   * Why this node is not ready, one line per shard; empty when it is. A replica that knows no leader would fail
   * writes, and one that has not applied all it knows committed (replaying its log at start) would miss data in
   * reads. A replica moving here is not ready until the move is done, that is until it caught up with the shard's
   * leader and replaced the move's source, as Mimir's ingesters are not ready while JOINING.
   */
  public List<String> notReady() {
    List<String> reasons = new ArrayList<>();
    Set<Integer> arriving = new HashSet<>();
    for (RingState.Move move : ringView.state().pendingMoves()) {
      if (move.to().equals(nodeId)) {
        arriving.add(move.shard());
        reasons.add(catchingUp(move));
      }
    }
    for (Map.Entry<Integer, RaftGroupId> entry : localShards.entrySet()) {
      if (arriving.contains(entry.getKey())) {
        continue;
      }
      try {
        RaftServer.Division division = server.getDivision(entry.getValue());
        DivisionInfo info = division.getInfo();
        long committed = division.getRaftLog().getLastCommittedIndex();
        if (info.getLeaderId() == null) {
          reasons.add("shard " + entry.getKey() + " has no leader yet");
        } else if (info.getLastAppliedIndex() < committed) {
          reasons.add("shard " + entry.getKey() + " is replaying its log (applied " + info.getLastAppliedIndex()
              + " of " + committed + ")");
        }
      } catch (IOException e) {
        reasons.add("shard " + entry.getKey() + " is not running: " + e.getMessage());
      } catch (IllegalStateException e) {
        // Ratis throws while the replica's log is still being opened.
        reasons.add("shard " + entry.getKey() + " is starting");
      }
    }
    return reasons;
  }

  /** "shard 3 is catching up as a new replica, moving from n0 (applied 120 of the leader's 5000)". */
  private String catchingUp(RingState.Move move) {
    String progress = "not started";
    RaftGroupId groupId = localShards.get(move.shard());
    if (groupId != null) {
      try {
        RaftServer.Division division = server.getDivision(groupId);
        long leaderCommit = 0;
        for (var commit : division.getCommitInfos()) {
          leaderCommit = Math.max(leaderCommit, commit.getCommitIndex());
        }
        progress = "applied " + division.getInfo().getLastAppliedIndex() + " of the leader's " + leaderCommit;
      } catch (IOException e) {
        progress = "not started";
      } catch (IllegalStateException e) {
        // Ratis throws while the new replica's log is still being opened.
        progress = "starting";
      }
    }
    return "shard " + move.shard() + " is catching up as a new replica, moving from " + move.from() + " ("
        + progress + ")";
  }

  /**
   * One local replica's state for status pages.
   *
   * @param role LEADER, FOLLOWER, CANDIDATE or LISTENER
   */
  public record ReplicaStatus(int shard, String role, String leaderId, List<String> replicas, long term,
      long commitIndex, long appliedIndex, long logBytes, Map<String, Long> seriesPerTenant) {}

  /** The state of every local replica. */
  public List<ReplicaStatus> status() {
    List<ReplicaStatus> out = new ArrayList<>();
    for (Map.Entry<Integer, RaftGroupId> entry : localShards.entrySet()) {
      int shard = entry.getKey();
      try {
        RaftServer.Division division = server.getDivision(entry.getValue());
        DivisionInfo info = division.getInfo();
        RaftPeerId leader = info.getLeaderId();
        ShardHeads ingester = heads(shard);
        out.add(new ReplicaStatus(shard, info.getCurrentRole().name(), leader == null ? "" : leader.toString(),
            replicasInRing(shard), info.getCurrentTerm(), division.getRaftLog().getLastCommittedIndex(),
            info.getLastAppliedIndex(), directorySize(raftDir.resolve(entry.getValue().getUuid().toString())),
            ingester == null ? Map.of() : ingester.seriesPerTenant()));
      } catch (IOException e) {
        out.add(new ReplicaStatus(shard, "UNAVAILABLE", "", replicasInRing(shard), 0, 0, 0, 0, Map.of()));
      }
    }
    return out;
  }

  /** The state machine of a local shard, or null when this node holds no replica of it. */
  ShardStateMachine stateMachine(int shard) {
    RaftGroupId groupId = localShards.get(shard);
    if (groupId == null) {
      return null;
    }
    try {
      return (ShardStateMachine) server.getDivision(groupId).getStateMachine();
    } catch (IOException e) {
      return null;
    }
  }

  private static long directorySize(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * Hands the leadership of every shard this node leads to another replica, so that a rolling restart loses no
   * writes to an election timeout. Each shard goes to the replica this leader heard from within the last election
   * timeout whose log matches the most of its own, and to the next one when that transfer fails; the shards are
   * handed over at once, each within one election timeout ({@link RaftOptions#electionTimeout()}), past which the
   * followers of a stopped leader elect one anyway. A shard whose transfers all fail keeps its leader until this
   * node stops.
   *
   * @return the replica that took each shard over, by shard; a shard not handed over is absent
   */
  public Map<Integer, String> transferLeadership() {
    stopping = true;
    return io.narthex.common.LeadershipHandOver.all("shard", localShards.keySet(), shard -> {
      ReplicaState state = replicaState(shard);
      return state != null && state.getLeader();
    }, this::transferTargets, electionTimeout, this::transfer);
  }

  /**
   * Asks this node, the shard's leader, once to hand the shard to {@code target}.
   *
   * @return whether {@code target} took the leadership within {@code timeoutMs}
   * @throws IOException when the request failed
   */
  boolean transfer(int shard, RaftPeerId target, long timeoutMs) throws IOException {
    RaftProperties properties = RaftGroups.properties(electionTimeout, options.transport());
    org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(properties,
        TimeDuration.valueOf(timeoutMs, TimeUnit.MILLISECONDS));
    try (RaftClient client = RaftGroups.clientBuilder(properties, options.transport())
        .setParameters(TlsFiles.ratisParameters(clientTls))
        .setRaftGroup(RaftGroups.group(ringView.shardMap(), shard)).setLeaderId(server.getId())
        .setRetryPolicy(RetryPolicies.noRetry())
        .build()) {
      return client.admin().transferLeadership(target, timeoutMs).isSuccess();
    }
  }

  /**
   * Hands each shard this node has led for a while, and should not ({@link PreferredLeaders}), to its preferred
   * replica once that one is up and holds every committed entry.
   */
  private void yieldToPreferredLeaders() {
    for (Map.Entry<Integer, RaftGroupId> entry : localShards.entrySet()) {
      int shard = entry.getKey();
      String preferred = preferredLeaders.preferred(shard);
      if (stopping || preferred.equals(nodeId)) {
        continue;
      }
      try {
        RaftServer.Division division = server.getDivision(entry.getValue());
        DivisionInfo info = division.getInfo();
        if (!info.isLeader() || !info.isLeaderReady()) {
          continue;
        }
        // Built anew by each call, from the leader's state: take it once per check.
        var role = info.getRoleInfoProto();
        if (!role.hasLeaderInfo()) {
          continue;
        }
        var followers = role.getLeaderInfo().getFollowerInfoList();
        long[] matchIndex = info.getFollowerMatchIndices();
        if (followers.size() != matchIndex.length) {
          continue; // a configuration change
        }
        for (int i = 0; i < followers.size(); i++) {
          if (followers.get(i).getId().getId().toStringUtf8().equals(preferred)
              && preferredLeaders.shouldYield(role.getRoleElapsedTimeMs(),
                  followers.get(i).getLastRpcElapsedTimeMs(), matchIndex[i],
                  division.getRaftLog().getLastCommittedIndex())) {
            boolean done = !stopping && transfer(shard, RaftPeerId.valueOf(preferred), electionTimeout.toMillis());
            log.info("shard {} handed to its preferred leader {}: {}", shard, preferred, done);
          }
        }
      } catch (IOException | RuntimeException e) {
        log.warn("handing shard {} to its preferred leader {} failed: {}", shard, preferred, e.toString());
      }
    }
  }

  /**
   * The shard's other replicas in the order to try them: those this leader heard from within the election timeout
   * before the rest, each part by match index, highest first. Empty when this node does not lead the shard.
   */
  List<RaftPeerId> transferTargets(int shard) {
    DivisionInfo info;
    try {
      info = server.getDivision(localShards.get(shard)).getInfo();
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
    if (!info.isLeader() || !info.getRoleInfoProto().hasLeaderInfo()) {
      return List.of();
    }
    // The leader lists its appenders in the same order in both; they differ only during a configuration change.
    var followers = info.getRoleInfoProto().getLeaderInfo().getFollowerInfoList();
    long[] matchIndex = info.getFollowerMatchIndices();
    if (followers.size() != matchIndex.length) {
      return List.of();
    }
    long liveMs = electionTimeout.toMillis();
    return java.util.stream.IntStream.range(0, followers.size()).boxed()
        .sorted(java.util.Comparator.<Integer, Boolean>comparing(
                i -> followers.get(i).getLastRpcElapsedTimeMs() >= liveMs)
            .thenComparingLong(i -> -matchIndex[i]))
        .map(i -> RaftPeerId.valueOf(followers.get(i).getId().getId()))
        .toList();
  }

  @Override
  public void close() {
    closing = true;
    ringClient.close();
    if (ringLeaderDuties != null) {
      ringLeaderDuties.close();
    }
    gauges.shutdownNow();
    if (ringPoller != null) {
      ringPoller.close();
    }
    try {
      server.close();
    } catch (IOException e) {
      log.warn("closing the Raft server failed: {}", e.getMessage());
    }
  }

  /** Refreshes the apply-lag and log-size gauges; off the read path, since sizing the log walks the disk. */
  private void updateGauges() {
    for (ReplicaStatus status : status()) {
      String shard = Integer.toString(status.shard());
      raftMetrics.applyLag.labelValues(shard).set(Math.max(0, status.commitIndex() - status.appliedIndex()));
      raftMetrics.logSize.labelValues(shard).set(status.logBytes());
    }
  }
}
