package io.narthex.ruler;

import io.narthex.common.HashRing;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which ruler evaluates which rule group. Every group belongs to exactly one ruler: the winner of the key
 * {@code <tenant>/<namespace>/<group>} (Mimir's {@code tokenForGroup} key) by rendezvous hashing over the rulers'
 * ids. Mimir places the same key on a token ring with heartbeats; here the membership is fixed by configuration,
 * as for store-gateways and compactors, and adding a ruler moves only the groups it now wins. A moved group's alerts
 * restore their state from {@code ALERTS_FOR_STATE} on the new ruler.
 *
 * @param rulers every ruler's id and HTTP address ({@code host:port}), in configuration order
 * @param selfId this process's ruler id, one of {@code rulers}
 */
public record RulerRing(Map<String, String> rulers, String selfId) {
  /**
   * @throws IllegalArgumentException when there is no ruler or {@code selfId} is not one of them
   */
  public RulerRing {
    rulers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rulers));
    if (!rulers.containsKey(selfId)) {
      throw new IllegalArgumentException("ruler id " + selfId + " is not in the ruler ring " + rulers.keySet());
    }
  }

  /** A ring of this one ruler, which owns every group. */
  public static RulerRing single(String selfId, String httpAddress) {
    return new RulerRing(Map.of(selfId, httpAddress), selfId);
  }

  private HashRing ring() {
    return new HashRing(List.copyOf(rulers.keySet()), 1);
  }

  /** The id of the ruler that evaluates the group. */
  public String owner(String tenant, String namespace, String group) {
    return rulers.size() == 1 ? selfId : ring().owners(key(tenant, namespace, group)).getFirst();
  }

  /** Whether this ruler evaluates the group. */
  public boolean owns(String tenant, String namespace, String group) {
    return owner(tenant, namespace, group).equals(selfId);
  }

  /** The HTTP addresses of the other rulers, which a listing of a tenant's rules asks for their groups. */
  public List<String> otherAddresses() {
    return rulers.entrySet().stream().filter(e -> !e.getKey().equals(selfId)).map(Map.Entry::getValue).toList();
  }

  private static String key(String tenant, String namespace, String group) {
    return tenant + "/" + namespace + "/" + group;
  }
}
