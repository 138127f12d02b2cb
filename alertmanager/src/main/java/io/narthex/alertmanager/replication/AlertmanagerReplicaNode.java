package io.narthex.alertmanager.replication;

import io.narthex.common.service.StartFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.ExitUtils;
import org.apache.ratis.util.NetUtils;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One alertmanager process's Ratis server, holding a replica of every tenant-state group the placement gives this
 * node. Replicas recover from their latest snapshot and log under {@code <dataDir>/raft} at start, then catch up from
 * the leader. Plaintext only for now (the ingesters' TLS settings are to be shared).
 */
public final class AlertmanagerReplicaNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AlertmanagerReplicaNode.class);

  static {
    // Ratis calls System.exit when its gRPC server cannot bind. One process holds many shards, and tests share a JVM:
    // start() throws instead (see the ExitException catch there).
    ExitUtils.disableSystemExit();
  }

  private final AlertmanagerPlacement placement;
  private final String nodeId;
  private final RaftServer server;
  private final Map<Integer, RaftGroupId> localGroups = new LinkedHashMap<>();
  private final List<LeadershipListener> listeners = new CopyOnWriteArrayList<>();
  private final List<StateListener> stateListeners = new CopyOnWriteArrayList<>();
  private final AtomicLong callId = new AtomicLong();
  private final ReplicationOptions options;

  private AlertmanagerReplicaNode(AlertmanagerPlacement placement, String nodeId, Path dataDir,
      ReplicationOptions options, Clock clock) throws IOException {
    this.placement = placement;
    this.nodeId = nodeId;
    Path raftDir = dataDir.resolve("raft");
    Files.createDirectories(raftDir);
    this.options = options;
    RaftProperties properties = properties(options);
    RaftServerConfigKeys.setStorageDir(properties, List.of(raftDir.toFile()));
    GrpcConfigKeys.Server.setPort(properties,
        NetUtils.createSocketAddr(placement.node(nodeId).raftAddress()).getPort());
    if (!options.listenAddress().isEmpty()) {
      GrpcConfigKeys.Server.setHost(properties, options.listenAddress());
    }
    // Any replica answers reads: a follower asks the leader for its commit index and answers once it applied it.
    RaftServerConfigKeys.Read.setOption(properties, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, options.snapshotEveryEntries());
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(properties, 2);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
    RaftServerConfigKeys.Log.setPurgeGap(properties, (int) Math.clamp(options.snapshotEveryEntries(), 1, 1024));
    RaftServerConfigKeys.Log.setWriteBufferSize(properties,
        SizeInBytes.valueOf(bufferBytes(options) + (1 << 20)));
    Map<RaftGroupId, Integer> groupOfId = new LinkedHashMap<>();
    for (int g : placement.groupsOf(nodeId)) {
      groupOfId.put(AlertmanagerPlacement.groupId(g), g);
      localGroups.put(g, AlertmanagerPlacement.groupId(g));
    }
    LeadershipListener fanOut = (group, ready) -> {
      for (LeadershipListener l : listeners) {
        l.leadershipChanged(group, ready);
      }
    };
    server = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(nodeId))
        .setProperties(properties)
        .setStateMachineRegistry(groupId -> {
          Integer g = groupOfId.get(groupId);
          if (g == null) {
            throw new IllegalStateException("alertmanager node " + nodeId + " found Raft group " + groupId
                + " on disk that the placement does not give it");
          }
          return new TenantStateMachine(g, options.retention(), clock, options.maxEntryBytes(), fanOut,
              new StateFanOut(stateListeners));
        })
        .build();
  }

  private static long bufferBytes(ReplicationOptions options) {
    return Math.max(options.maxEntryBytes() + (1L << 20), 8L << 20);
  }

  /** Settings servers and clients agree on: gRPC, message sizes above the largest entry, election timeouts. */
  static RaftProperties properties(ReplicationOptions options) {
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.GRPC);
    long buffer = bufferBytes(options);
    // Ratis wants the gRPC message limit at least 1 MiB above the appender's batch limit.
    GrpcConfigKeys.setMessageSizeMax(properties, SizeInBytes.valueOf(buffer + (2 << 20)));
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(properties, SizeInBytes.valueOf(buffer));
    long minMs = options.electionTimeout().toMillis();
    RaftServerConfigKeys.Rpc.setTimeoutMin(properties, TimeDuration.valueOf(minMs, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(properties, TimeDuration.valueOf(2 * minMs, TimeUnit.MILLISECONDS));
    return properties;
  }

  /**
   * Starts the node and joins its groups; a group already on disk is recovered from there.
   *
   * @param clock the clock the node stamps into the entries it takes as a leader
   * @throws IOException when the Raft port or data directory cannot be used
   */
  public static AlertmanagerReplicaNode start(AlertmanagerPlacement placement, String nodeId, Path dataDir,
      ReplicationOptions options, Clock clock) throws IOException {
    AlertmanagerReplicaNode node = new AlertmanagerReplicaNode(placement, nodeId, dataDir, options, clock);
    try {
      node.server.start();
      node.joinGroups();
    } catch (ExitUtils.ExitException e) {
      // Ratis's gRPC server could not start, mostly because its port is taken.
      throw StartFailure.closing(node.server,
          "alertmanager replica node " + nodeId + " cannot start its Raft server", e);
    } catch (IOException | RuntimeException e) {
      node.server.close();
      throw e;
    }
    log.info("alertmanager replica node started node={} groups={}", nodeId, node.localGroups.keySet());
    return node;
  }

  private void joinGroups() throws IOException {
    Set<RaftGroupId> existing = new HashSet<>();
    server.getGroupIds().forEach(existing::add);
    for (Map.Entry<Integer, RaftGroupId> entry : localGroups.entrySet()) {
      int group = entry.getKey();
      if (!existing.contains(entry.getValue())) {
        groupManagement(group, GroupManagementRequest.newAdd(ClientId.randomId(), server.getId(),
            callId.incrementAndGet(), placement.raftGroup(group)));
      } else if (server.getDivision(entry.getValue()).getRaftConf().getAllPeers().isEmpty()) {
        // Stopped before the group's first election, so before Ratis stored its configuration: Ratis 3.3 would
        // start it without peers, never to elect nor learn of a leader. Removed with its directory kept, then added
        // with its peers and without formatting, it recovers term, vote and log as at any restart (as the
        // ingesters' IngesterNode.addReplicasToUnconfiguredGroup, which explains why no vote is lost).
        groupManagement(group, GroupManagementRequest.newRemove(ClientId.randomId(), server.getId(),
            callId.incrementAndGet(), entry.getValue(), false, false));
        groupManagement(group, GroupManagementRequest.newAdd(ClientId.randomId(), server.getId(),
            callId.incrementAndGet(), placement.raftGroup(group), false));
        log.warn("alertmanager group {} was stopped before its first election: recovered with the placement's"
            + " replicas {}", group, placement.groups().get(group));
      }
    }
  }

  private void groupManagement(int group, GroupManagementRequest request) throws IOException {
    RaftClientReply reply = server.groupManagement(request);
    if (!reply.isSuccess()) {
      throw new IOException("alertmanager node " + nodeId + " could not join group " + group + ": "
          + reply.getException());
    }
  }

  /**
   * Hands the leadership of every group this node leads to another of its replicas, so that a restart does not wait
   * for an election timeout. Each group goes to the replica this leader heard from within the last election timeout
   * whose log matches the most of its own (its match index), and to the next such replica when that transfer fails;
   * the groups are handed over at once, each within one election timeout in total ({@link
   * ReplicationOptions#electionTimeout()}), past which the followers of a stopped leader elect one anyway. A group
   * whose transfers all fail in that time keeps its leader until this node stops.
   *
   * @return the replica that took each group over, by group; a group not handed over is absent
   */
  public Map<Integer, String> transferLeadership() {
    return io.narthex.common.LeadershipHandOver.all("alertmanager group", localGroups.keySet(), this::isLeaderReady,
        this::transferTargets, options.electionTimeout(), (group, target, timeoutMs) -> {
          RaftProperties properties = properties(options);
          RaftClientConfigKeys.Rpc.setRequestTimeout(properties,
              TimeDuration.valueOf(timeoutMs, TimeUnit.MILLISECONDS));
          // Sent to this node, the leader, and not retried: the budget bounds the whole hand-over.
          try (RaftClient client = RaftClient.newBuilder().setProperties(properties)
              .setRaftGroup(placement.raftGroup(group)).setLeaderId(server.getId())
              .setRetryPolicy(RetryPolicies.noRetry()).build()) {
            return client.admin().transferLeadership(target, timeoutMs).isSuccess();
          }
        });
  }

  /**
   * The group's other replicas as this leader sees them: first those it heard from within the election timeout,
   * each part by match index, highest first. Empty when this node no longer leads the group.
   */
  List<RaftPeerId> transferTargets(int group) {
    DivisionInfo info = info(group);
    if (info == null || !info.isLeader()) {
      return List.of();
    }
    RoleInfoProto role = info.getRoleInfoProto();
    if (!role.hasLeaderInfo()) {
      return List.of();
    }
    // Both list the leader's log appenders in the same order; they differ only across a configuration change.
    List<ServerRpcProto> followers = role.getLeaderInfo().getFollowerInfoList();
    long[] matchIndices = info.getFollowerMatchIndices();
    if (followers.size() != matchIndices.length) {
      return List.of();
    }
    long liveMs = options.electionTimeout().toMillis();
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < followers.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparing((Integer i) -> followers.get(i).getLastRpcElapsedTimeMs() >= liveMs)
        .thenComparing(i -> -matchIndices[i]));
    List<RaftPeerId> targets = new ArrayList<>();
    for (int i : order) {
      targets.add(RaftPeerId.valueOf(followers.get(i).getId().getId()));
    }
    return targets;
  }

  public String nodeId() {
    return nodeId;
  }

  /** The groups this node holds a replica of. */
  public Set<Integer> groups() {
    return localGroups.keySet();
  }

  /** Adds a listener of this node's leaderships. */
  public void addLeadershipListener(LeadershipListener listener) {
    listeners.add(listener);
  }

  /** Adds a listener of the changes applied on this node's replicas (see {@link StateListener}). */
  public void addStateListener(StateListener listener) {
    stateListeners.add(listener);
  }

  /**
   * Copies every tenant's state of {@code group} as applied here and hands it to {@code atomically}, under the
   * group's state lock: a {@link StateListener} is told of every change applied after the copy and of none before
   * it, so a new leader that builds its dispatch from the copy and then follows the listener misses nothing.
   *
   * @throws IllegalArgumentException when this node holds no replica of the group
   * @throws StateUnavailableException when the group is not open here
   */
  public void attach(int group, java.util.function.Consumer<List<TenantCopy>> atomically) {
    readLocal(group, state -> {
      atomically.accept(state.copy());
      return null;
    });
  }

  /** Runs {@code call} under the group's state lock, serialized with the applies and their {@link StateListener}s. */
  public void withStateLock(int group, Runnable call) {
    readLocal(group, state -> {
      call.run();
      return null;
    });
  }

  /** Whether this node leads {@code group} and has applied every entry its term inherited (false if no replica). */
  public boolean isLeaderReady(int group) {
    DivisionInfo info = info(group);
    return info != null && info.isLeader() && info.isLeaderReady();
  }

  /**
   * The Raft term in which this node leads the group, or -1 when it does not: what a dispatch built now fences its
   * notify intents with ({@link ReplicatedAlertmanagerState#notifyIntent(String, NotifyIntent, long)}).
   */
  public long leaderTerm(int group) {
    DivisionInfo info = info(group);
    if (info == null) {
      return -1;
    }
    // The term read on both sides of the role: the leader of that term, not a candidate of the next one.
    long term = info.getCurrentTerm();
    boolean leader = info.isLeader();
    return leader && info.getCurrentTerm() == term ? term : -1;
  }

  /** The id of the group's leader as this replica knows it; null when unknown or no local replica. */
  public String leaderId(int group) {
    DivisionInfo info = info(group);
    RaftPeerId leader = info == null ? null : info.getLeaderId();
    return leader == null ? null : leader.toString();
  }

  /** The last log index this replica applied of {@code group}; -1 when it holds none. */
  public long appliedIndex(int group) {
    DivisionInfo info = info(group);
    return info == null ? -1 : info.getLastAppliedIndex();
  }

  /** Whether every local replica knows a leader and has applied all it knows committed. */
  public boolean ready() {
    for (RaftGroupId groupId : localGroups.values()) {
      try {
        RaftServer.Division division = server.getDivision(groupId);
        if (division.getInfo().getLeaderId() == null
            || division.getInfo().getLastAppliedIndex() < division.getRaftLog().getLastCommittedIndex()) {
          return false;
        }
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }

  private DivisionInfo info(int group) {
    RaftGroupId groupId = localGroups.get(group);
    if (groupId == null) {
      return null;
    }
    try {
      return server.getDivision(groupId).getInfo();
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Runs {@code read} on this replica's state of {@code group} as applied, without asking the leader: for the
   * leader's own dispatch, which reads what it applied.
   *
   * @throws IllegalArgumentException when this node holds no replica of the group
   */
  <T> T readLocal(int group, Function<GroupState, T> read) {
    RaftGroupId groupId = localGroups.get(group);
    if (groupId == null) {
      throw new IllegalArgumentException("alertmanager node " + nodeId + " holds no replica of group " + group);
    }
    try {
      return ((TenantStateMachine) server.getDivision(groupId).getStateMachine()).readLocal(read);
    } catch (IOException e) {
      throw new StateUnavailableException("alertmanager group " + group + " is not open on " + nodeId, e);
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      log.warn("closing the alertmanager Raft server failed: {}", e.getMessage());
    }
  }
}
