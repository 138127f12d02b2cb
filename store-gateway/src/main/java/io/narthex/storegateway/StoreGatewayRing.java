package io.narthex.storegateway;

import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.hashing.Hashing;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * A static ring of store-gateways that shards blocks by rendezvous (highest random weight) hashing: each block goes
 * to the {@code replicationFactor} gateways with the highest XXH3 of (gateway id, block ULID). Adding a gateway
 * moves only the blocks it now wins; removing one moves only its own blocks. Mimir uses a token ring with
 * heartbeats for the same purpose; the membership here is fixed by configuration.
 */
public final class StoreGatewayRing {
  private static final Hasher64 HASHER = Hashing.xxh3_64();

  private final List<String> gatewayIds;
  private final int replicationFactor;

  /**
   * @param gatewayIds every gateway, unique ids, any order
   * @param replicationFactor gateways per block, between 1 and the number of gateways
   */
  public StoreGatewayRing(List<String> gatewayIds, int replicationFactor) {
    this.gatewayIds = List.copyOf(gatewayIds);
    if (this.gatewayIds.isEmpty() || new HashSet<>(this.gatewayIds).size() != this.gatewayIds.size()) {
      throw new IllegalArgumentException("store-gateway ids must be unique and not empty, got " + gatewayIds);
    }
    if (replicationFactor < 1 || replicationFactor > this.gatewayIds.size()) {
      throw new IllegalArgumentException("replication factor must be between 1 and " + this.gatewayIds.size()
          + ", got " + replicationFactor);
    }
    this.replicationFactor = replicationFactor;
  }

  public List<String> gatewayIds() {
    return gatewayIds;
  }

  public int replicationFactor() {
    return replicationFactor;
  }

  /** The gateways holding the block, best first: {@code replicationFactor} distinct ids. */
  public List<String> owners(String blockUlid) {
    int n = gatewayIds.size();
    long[] weights = new long[n];
    List<Integer> order = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      weights[i] = weight(gatewayIds.get(i), blockUlid);
      order.add(i);
    }
    order.sort((a, b) -> {
      int byWeight = Long.compareUnsigned(weights[b], weights[a]);
      return byWeight != 0 ? byWeight : gatewayIds.get(a).compareTo(gatewayIds.get(b));
    });
    List<String> owners = new ArrayList<>(replicationFactor);
    for (int i = 0; i < replicationFactor; i++) {
      owners.add(gatewayIds.get(order.get(i)));
    }
    return owners;
  }

  /** Whether {@code gatewayId} is one of the block's owners. */
  public boolean owns(String gatewayId, String blockUlid) {
    return owners(blockUlid).contains(gatewayId);
  }

  private static long weight(String gatewayId, String blockUlid) {
    // putString writes the length too, so ("ab", "c") and ("a", "bc") hash apart.
    return HASHER.hashStream().putString(gatewayId).putString(blockUlid).getAsLong();
  }
}
