package io.narthex.ingester.raft;

import io.narthex.ingester.ring.RingView;
import io.narthex.ingester.ring.ShardMap;
import java.time.Duration;

/**
 * Which replica should lead each shard, and when a leader hands its shard to it: each shard prefers the first replica
 * the ring lists as it is now ({@link RingView}; shard i's node i with {@link ShardMap#roundRobin}), so with as many
 * shards as nodes each node leads one and the leaders' work is spread over the nodes. Ratis elects whichever replica's timer fires first,
 * which left one node leading two or all three shards in six of seven cluster starts.
 *
 * <p>Not Ratis's peer priorities: a Ratis leader refuses to transfer its leadership to a peer that does not have the
 * highest priority ({@code RaftServerImpl.transferLeadershipAsync} in 3.3), so the preferred replica, stopping, could
 * not hand its shards over ({@link IngesterNode#transferLeadership}) without a configuration change; and a group's
 * priorities live in its Raft configuration, so groups already on disk would keep the old ones. With every priority
 * equal, a leader that is not the preferred replica transfers its shard to it instead.
 *
 * <p>A leader yields only after it has led for {@link #settle} (10 election timeouts): a preferred replica that has
 * just handed its shards over because it is stopping would otherwise be given them back before it is gone.
 */
final class PreferredLeaders {
  /** Leaderships held for less than this many election timeouts are not moved. */
  static final int SETTLE_ELECTION_TIMEOUTS = 10;

  private final RingView ring;
  private final Duration electionTimeout;

  PreferredLeaders(RingView ring, Duration electionTimeout) {
    this.ring = ring;
    this.electionTimeout = electionTimeout;
  }

  /** The node that should lead {@code shard}: its first replica. */
  String preferred(int shard) {
    return ring.state().shards().get(shard).getFirst();
  }

  /** How long a leader leads before it yields its shard to the preferred replica. */
  Duration settle() {
    return electionTimeout.multipliedBy(SETTLE_ELECTION_TIMEOUTS);
  }

  /**
   * Whether the leader of a shard should hand it to its preferred replica now.
   *
   * @param leaderElapsedMs how long this leader has led, in milliseconds
   * @param preferredLastRpcElapsedMs how long ago the leader last heard from the preferred replica, in milliseconds
   * @param preferredMatchIndex the last log index the leader knows the preferred replica holds
   * @param commitIndex the leader's commit index: a replica behind it would hold up the transfer, and Ratis refuses
   *     writes while a transfer is under way
   */
  boolean shouldYield(long leaderElapsedMs, long preferredLastRpcElapsedMs, long preferredMatchIndex,
      long commitIndex) {
    return leaderElapsedMs >= settle().toMillis()
        && preferredLastRpcElapsedMs < electionTimeout.toMillis()
        && preferredMatchIndex >= commitIndex;
  }
}
