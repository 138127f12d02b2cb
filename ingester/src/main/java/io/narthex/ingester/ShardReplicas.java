package io.narthex.ingester;

import io.narthex.proto.ingester.ReplicaState;

/** The shard replicas one process holds, as the read service sees them. */
public interface ShardReplicas {
  /** The heads of a local shard, or null when this process holds no replica of it. */
  ShardHeads heads(int shard);

  /** This replica's view of the shard (leader or not), or null when it holds none. */
  ReplicaState replicaState(int shard);
}
