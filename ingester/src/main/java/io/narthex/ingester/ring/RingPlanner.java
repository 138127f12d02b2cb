package io.narthex.ingester.ring;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which replica moves rebalance the ring: after a join, every node should hold about
 * {@code shards * replicationFactor / nodes} replicas; before a leave (or to replace a dead node), every replica of
 * the node goes to the live node holding the fewest. Moves change replicas only, never the shard count; they are
 * planned on a copy of the ring, each after the previous, so that they can run one at a time.
 */
public final class RingPlanner {
  private RingPlanner() {}

  /**
   * Moves that give {@code joined} (a node of the ring holding no replica) its share: each takes a replica of a shard
   * it does not hold from the node holding the most, while that node holds more than {@code joined} would after
   * the move plus one.
   */
  public static List<RingState.Move> forJoin(RingState ring, String joined) {
    List<List<String>> shards = mutable(ring.shards());
    List<RingState.Move> moves = new ArrayList<>();
    while (true) {
      Map<String, Integer> load = load(ring.nodes(), shards);
      int mine = load.get(joined);
      RingState.Move best = null;
      int bestLoad = mine + 1;
      for (int shard = 0; shard < shards.size(); shard++) {
        List<String> replicas = shards.get(shard);
        if (replicas.contains(joined)) {
          continue;
        }
        for (String replica : replicas) {
          if (load.get(replica) > bestLoad) {
            bestLoad = load.get(replica);
            best = new RingState.Move(shard, replica, joined);
          }
        }
      }
      if (best == null) {
        return moves;
      }
      moves.add(best);
      List<String> replicas = shards.get(best.shard());
      replicas.set(replicas.indexOf(best.from()), joined);
    }
  }

  /**
   * Moves that take every replica off {@code leaving}, each to the node (not leaving itself) that holds the fewest
   * replicas and none of that shard.
   *
   * @throws IllegalArgumentException when a shard has no node to go to (as many replicas as other nodes)
   */
  public static List<RingState.Move> forLeave(RingState ring, String leaving) {
    List<List<String>> shards = mutable(ring.shards());
    List<RingState.Move> moves = new ArrayList<>();
    for (int shard = 0; shard < shards.size(); shard++) {
      List<String> replicas = shards.get(shard);
      if (!replicas.contains(leaving)) {
        continue;
      }
      Map<String, Integer> load = load(ring.nodes(), shards);
      String target = null;
      for (ShardMap.Node node : ring.nodes()) {
        String id = node.id();
        if (!id.equals(leaving) && !ring.leaving().contains(id) && !replicas.contains(id)
            && (target == null || load.get(id) < load.get(target))) {
          target = id;
        }
      }
      if (target == null) {
        throw new IllegalArgumentException("shard " + shard + " has no node to move its replica on " + leaving
            + " to: every other node holds one; add a node first");
      }
      moves.add(new RingState.Move(shard, leaving, target));
      replicas.set(replicas.indexOf(leaving), target);
    }
    return moves;
  }

  private static Map<String, Integer> load(List<ShardMap.Node> nodes, List<List<String>> shards) {
    Map<String, Integer> load = new HashMap<>();
    nodes.forEach(node -> load.put(node.id(), 0));
    for (List<String> replicas : shards) {
      replicas.forEach(replica -> load.merge(replica, 1, Integer::sum));
    }
    return load;
  }

  private static List<List<String>> mutable(List<List<String>> shards) {
    List<List<String>> out = new ArrayList<>();
    shards.forEach(replicas -> out.add(new ArrayList<>(replicas)));
    return out;
  }
}
