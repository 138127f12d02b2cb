package io.narthex.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * The answers of {@code GET /store-gateway/ring} and {@code GET /compactor/ring}: the members of the ring as this
 * process uses it now. Mimir serves an HTML page at these paths; Narthex answers JSON, as at
 * {@code /ingester/ring}:
 *
 * <pre>
 * {"follows_ingester_ring": true, "replication_factor": 1, "self": "ingester-1",
 *  "members": [{"id": "ingester-1", "grpc_address": "host:9095"}, ...]}
 * </pre>
 *
 * ({@code grpc_address} for store-gateways only; a compactor owns each tenant alone, so its replication factor is 1.)
 */
final class RingPages {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RingPages() {}

  /**
   * @param members the ring's ids in ring order
   * @param addresses gRPC addresses by id; null for a ring without addresses (compactors)
   */
  static byte[] ring(List<String> members, Map<String, String> addresses, int replicationFactor, String self,
      boolean followsIngesterRing) {
    ObjectNode root = JSON.createObjectNode()
        .put("follows_ingester_ring", followsIngesterRing)
        .put("replication_factor", Math.min(replicationFactor, Math.max(1, members.size())))
        .put("self", self);
    ArrayNode out = root.putArray("members");
    for (String id : members) {
      ObjectNode member = out.addObject().put("id", id);
      if (addresses != null) {
        member.put("grpc_address", addresses.getOrDefault(id, ""));
      }
    }
    return root.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
