package io.narthex.ingester.raft;

import io.narthex.ingester.ring.ShardMap;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.netty.client.NettyClientRpc;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/** Raft groups of a {@link ShardMap} and the Ratis settings shared by servers and clients. */
public final class RaftGroups {
  /**
   * Largest gRPC message between Raft peers, less 2 MiB: a batch of log entries, or a snapshot chunk (Ratis's
   * {@code raft.server.log.appender.snapshot.chunk.size.max}, 16 MB by default).
   */
  static final SizeInBytes MAX_MESSAGE_SIZE = SizeInBytes.valueOf("16MB");

  /**
   * Largest batch of log entries a leader sends a follower in one request, so the largest entry: the distributor
   * cuts entries at {@link io.narthex.ingester.client.ShardWriter#MAX_ENTRY_BYTES} (4 MiB), and the 1 MiB above it
   * is room for Ratis's own fields. Ratis sizes each group's log write buffer above it: a direct buffer allocated
   * zeroed, so resident, per group (17 MiB each at a 16 MB batch, 34 MiB of an idle all-in-one process).
   */
  static final SizeInBytes MAX_APPEND_BATCH_SIZE =
      SizeInBytes.valueOf(io.narthex.ingester.client.ShardWriter.MAX_ENTRY_BYTES + (1 << 20));

  private RaftGroups() {}

  /** The group id of a shard: a name-based UUID, the same in every process and across restarts. */
  public static RaftGroupId groupId(int shard) {
    return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(("narthex-shard-" + shard).getBytes(StandardCharsets.UTF_8)));
  }

  /** The ring group's id ({@link io.narthex.ingester.ring.RingStateMachine}): a name-based UUID like the shards'. */
  public static final RaftGroupId RING_GROUP_ID =
      RaftGroupId.valueOf(UUID.nameUUIDFromBytes("narthex-ring".getBytes(StandardCharsets.UTF_8)));

  /** The ring group on {@code nodes}. */
  public static RaftGroup ringGroup(List<ShardMap.Node> nodes) {
    return RaftGroup.valueOf(RING_GROUP_ID, peers(nodes));
  }

  public static RaftGroup group(ShardMap map, int shard) {
    return RaftGroup.valueOf(groupId(shard), peers(map.replicas(shard)));
  }

  private static List<RaftPeer> peers(List<ShardMap.Node> nodes) {
    List<RaftPeer> peers = new ArrayList<>();
    for (ShardMap.Node node : nodes) {
      peers.add(RaftPeer.newBuilder().setId(RaftPeerId.valueOf(node.id())).setAddress(node.raftAddress()).build());
    }
    return peers;
  }

  /**
   * A client of {@code group} for reads, queries and administration (not the distributor's writes): requests time
   * out after 3 s, and redirects and lost connections are retried for about two election timeouts.
   */
  public static RaftClient client(RaftGroup group, RaftOptions options) {
    RaftProperties properties = properties(options.electionTimeout(), options.transport());
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    long sleepMs = Math.max(10, options.electionTimeout().toMillis() / 5);
    return clientBuilder(properties, options.transport())
        .setParameters(TlsFiles.ratisParameters(options.clientTls()))
        .setRaftGroup(group)
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(10,
            TimeDuration.valueOf(sleepMs, TimeUnit.MILLISECONDS)))
        .build();
  }

  /**
   * A client builder with {@code properties} on {@code transport}. On Netty its calls may also be unordered
   * asynchronous ones ({@link org.apache.ratis.client.impl.UnorderedAsync}, the distributor's writes): Ratis's
   * Netty client sends each as an asynchronous request of its own, which its server answers as it answers any.
   */
  static RaftClient.Builder clientBuilder(RaftProperties properties, RaftOptions.Transport transport) {
    RaftClient.Builder builder = RaftClient.newBuilder().setProperties(properties);
    if (transport == RaftOptions.Transport.NETTY) {
      ClientId id = ClientId.randomId();
      builder.setClientId(id).setClientRpc(new NettyClientRpc(id, properties) {
        @Override
        public CompletableFuture<RaftClientReply> sendRequestAsyncUnordered(RaftClientRequest request) {
          return sendRequestAsync(request);
        }
      });
    }
    return builder;
  }

  /**
   * Settings both sides agree on.
   *
   * @param electionTimeout the lower bound of the randomized election timeout; the upper bound is twice it
   * @param transport Ratis's RPC type
   */
  static RaftProperties properties(Duration electionTimeout, RaftOptions.Transport transport) {
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties,
        transport == RaftOptions.Transport.NETTY ? SupportedRpcType.NETTY : SupportedRpcType.GRPC);
    // Ratis wants the gRPC message limit at least 1 MiB above the appender's batch limit.
    GrpcConfigKeys.setMessageSizeMax(properties, SizeInBytes.valueOf(MAX_MESSAGE_SIZE.getSize() + (2 << 20)));
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(properties, MAX_APPEND_BATCH_SIZE);
    // gRPC's 1 MiB default HTTP/2 window holds two or three of our entries: a leader sending a batch to a follower
    // would wait for window updates, a round trip each. A batch's worth keeps the stream flowing.
    GrpcConfigKeys.setFlowControlWindow(properties, MAX_MESSAGE_SIZE);
    long minMs = electionTimeout.toMillis();
    RaftServerConfigKeys.Rpc.setTimeoutMin(properties, TimeDuration.valueOf(minMs, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(properties, TimeDuration.valueOf(2 * minMs, TimeUnit.MILLISECONDS));
    return properties;
  }
}
