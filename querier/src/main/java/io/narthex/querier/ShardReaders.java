package io.narthex.querier;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.narthex.ingester.client.IngesterClient;
import io.narthex.proto.ingester.ReplicaState;
import io.narthex.tsdb.storage.QueryDeadline;
import io.narthex.tsdb.storage.StorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.Function;

/**
 * Reads each shard from one healthy replica, the leader by preference: it asks the replica that last answered as
 * leader, then the others in turn. When no replica answers as leader but a follower answers, the follower's
 * answer is used and a warning says so, since it may lag the latest writes. When no replica answers, the read
 * fails: never a silently partial answer.
 */
public final class ShardReaders implements AutoCloseable {
  private final List<List<IngesterClient>> replicasPerShard;
  private final AtomicIntegerArray preferredReplica;

  /**
   * @param replicasPerShard for each shard, a client per replica
   */
  public ShardReaders(List<List<IngesterClient>> replicasPerShard) {
    this.replicasPerShard = replicasPerShard.stream().map(List::copyOf).toList();
    this.preferredReplica = new AtomicIntegerArray(replicasPerShard.size());
  }

  public int shardCount() {
    return replicasPerShard.size();
  }

  /** An answer and the state of the replica that gave it. */
  record Answer<T>(T value, ReplicaState replica) {}

  /**
   * Runs {@code call} against one replica of {@code shard}.
   *
   * @param stateOf extracts the answering replica's state from an answer
   * @param warnings receives a warning when a follower answered
   * @throws StorageException when no replica answered
   * @throws QueryDeadline.QueryTimeoutException when a replica's call ran out of the query's deadline
   */
  <T> T read(int shard, Function<IngesterClient, T> call, Function<T, ReplicaState> stateOf, List<String> warnings) {
    List<IngesterClient> replicas = replicasPerShard.get(shard);
    int preferred = preferredReplica.get(shard);
    Answer<T> fromFollower = null;
    List<String> errors = new ArrayList<>();
    for (int attempt = 0; attempt < replicas.size(); attempt++) {
      int index = (preferred + attempt) % replicas.size();
      IngesterClient replica = replicas.get(index);
      T value;
      try {
        value = call.apply(replica);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED && QueryDeadline.passed()) {
          // The call had the query's remaining time: no other replica would answer sooner.
          throw new QueryDeadline.QueryTimeoutException("expanding series");
        }
        errors.add(replica.address() + ": " + e.getStatus());
        continue;
      }
      ReplicaState state = stateOf.apply(value);
      if (state != null && state.getLeader()) {
        preferredReplica.set(shard, index);
        return value;
      }
      if (fromFollower == null) {
        fromFollower = new Answer<>(value, state);
      }
    }
    if (fromFollower != null) {
      String node = fromFollower.replica() == null ? "?" : fromFollower.replica().getNodeId();
      synchronized (warnings) {
        warnings.add("shard " + shard + " has no reachable leader: read from follower " + node
            + ", which may lag the latest writes" + (errors.isEmpty() ? "" : " (" + String.join("; ", errors) + ")"));
      }
      return fromFollower.value();
    }
    throw new StorageException("no replica of shard " + shard + " answered: " + String.join("; ", errors));
  }

  @Override
  public void close() {
    for (List<IngesterClient> replicas : replicasPerShard) {
      replicas.forEach(IngesterClient::close);
    }
  }
}
