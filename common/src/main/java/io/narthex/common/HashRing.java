package io.narthex.common;

import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.hashing.Hashing;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * A static ring of instances that shards keys (block ULIDs, compaction groups) by rendezvous (highest random
 * weight) hashing: each key goes to the {@code replicationFactor} instances with the highest XXH3 of (instance id,
 * key). Adding an instance moves only the keys it now wins; removing one moves only its own keys. Store-gateways
 * shard blocks with it, compactors their work. Mimir uses a token ring with heartbeats for the same purpose; the
 * membership here is fixed by configuration.
 */
public final class HashRing {
  private static final Hasher64 HASHER = Hashing.xxh3_64();

  private final List<String> instanceIds;
  private final int replicationFactor;

  /**
   * @param instanceIds every instance, unique ids, any order
   * @param replicationFactor instances per key, between 1 and the number of instances
   */
  public HashRing(List<String> instanceIds, int replicationFactor) {
    this.instanceIds = List.copyOf(instanceIds);
    if (this.instanceIds.isEmpty() || new HashSet<>(this.instanceIds).size() != this.instanceIds.size()) {
      throw new IllegalArgumentException("ring instance ids must be unique and not empty, got " + instanceIds);
    }
    if (replicationFactor < 1 || replicationFactor > this.instanceIds.size()) {
      throw new IllegalArgumentException("replication factor must be between 1 and " + this.instanceIds.size()
          + ", got " + replicationFactor);
    }
    this.replicationFactor = replicationFactor;
  }

  /** Every instance, in the order given. */
  public List<String> instanceIds() {
    return instanceIds;
  }

  /** Owners per key. */
  public int replicationFactor() {
    return replicationFactor;
  }

  /** The instances owning the key, best first: {@code replicationFactor} distinct ids. */
  public List<String> owners(String key) {
    int n = instanceIds.size();
    long[] weights = new long[n];
    List<Integer> order = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      weights[i] = weight(instanceIds.get(i), key);
      order.add(i);
    }
    order.sort((a, b) -> {
      int byWeight = Long.compareUnsigned(weights[b], weights[a]);
      return byWeight != 0 ? byWeight : instanceIds.get(a).compareTo(instanceIds.get(b));
    });
    List<String> owners = new ArrayList<>(replicationFactor);
    for (int i = 0; i < replicationFactor; i++) {
      owners.add(instanceIds.get(order.get(i)));
    }
    return owners;
  }

  /** Whether {@code instanceId} is one of the key's owners. */
  public boolean owns(String instanceId, String key) {
    return owners(key).contains(instanceId);
  }

  private static long weight(String instanceId, String key) {
    // putString writes the length too, so ("ab", "c") and ("a", "bc") hash apart.
    return HASHER.hashStream().putString(instanceId).putString(key).getAsLong();
  }
}
