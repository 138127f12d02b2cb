package io.narthex.ingester.raft;

import io.narthex.ingester.ring.ShardMap;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerRpcWithProxy;
import org.apache.ratis.util.PeerProxyMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Points a running Raft server's connections to the other ingester nodes at the addresses the ring gives them.
 *
 * <p>Ratis 3.3 keeps one connection entry per peer id for a server's life, shared by all its groups, at the address
 * it first learned (from a group's stored configuration, or the first configuration naming the peer): a later
 * configuration listing the peer elsewhere leaves the entry ({@code PeerProxyMap.addRaftPeers} adds only absent
 * ids), a reconnect goes to the same address ({@code resetProxy}), and {@code setConfiguration} takes the same ids at
 * other addresses as no change at all ({@code RaftConfigurationImpl.hasNoChange} compares ids and priorities). So
 * after a node restarted at other addresses, the servers that ran meanwhile would send its appends and votes to an
 * address nothing listens on for good, and its replicas would never catch up. The ring is where addresses live
 * ({@link io.narthex.ingester.ring.RingCommand.Addresses}); each node replaces the entries that differ from it, at
 * start and at every ring change, in Ratis's private map by reflection: 3.3 has no API for it.
 */
final class PeerAddresses {
  private static final Logger log = LoggerFactory.getLogger(PeerAddresses.class);

  private PeerAddresses() {}

  /**
   * Replaces the connection entry of each node of {@code nodes} but {@code self} whose address differs from the
   * node's Raft address, closing the old connection; adds an entry for a node the server has none of yet, so that a
   * stored configuration loaded later cannot put an older address in first.
   *
   * @return the ids whose entry was replaced
   */
  static List<String> follow(RaftServer server, String self, List<ShardMap.Node> nodes) {
    if (!(server.getServerRpc() instanceof RaftServerRpcWithProxy<?, ?> rpc)) {
      return List.of();
    }
    PeerProxyMap<?> proxies = rpc.getProxies();
    List<String> replaced = new java.util.ArrayList<>();
    try {
      Map<RaftPeerId, ?> entries = entries(proxies);
      for (ShardMap.Node node : nodes) {
        if (node.id().equals(self)) {
          continue;
        }
        RaftPeer wanted = RaftGroups.ringGroup(List.of(node)).getPeers().iterator().next();
        Object entry = entries.get(wanted.getId());
        if (entry == null) {
          proxies.computeIfAbsent(wanted);
          continue;
        }
        RaftPeer current = peerOf(entry);
        if (wanted.getAddress().equals(current.getAddress())) {
          continue;
        }
        // resetProxy closes the connection and puts the entry back at the old address; it is then replaced. An
        // append racing in between reconnects to the old address once more, and fails as it did before.
        proxies.resetProxy(wanted.getId());
        entries.remove(wanted.getId());
        proxies.computeIfAbsent(wanted);
        replaced.add(node.id());
        log.info("Raft peer {} moved from {} to {}: connections follow", node.id(), current.getAddress(),
            wanted.getAddress());
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn("could not point the Raft server's connections at the ring's addresses (Ratis's PeerProxyMap"
          + " changed?): a node restarted at other addresses gets no Raft messages from this one until it restarts:"
          + " {}", e.toString());
    }
    return replaced;
  }

  @SuppressWarnings("unchecked")
  private static Map<RaftPeerId, ?> entries(PeerProxyMap<?> proxies) throws ReflectiveOperationException {
    Field peers = PeerProxyMap.class.getDeclaredField("peers");
    peers.setAccessible(true);
    return (Map<RaftPeerId, ?>) peers.get(proxies);
  }

  private static RaftPeer peerOf(Object entry) throws ReflectiveOperationException {
    Method getPeer = entry.getClass().getDeclaredMethod("getPeer");
    getPeer.setAccessible(true);
    return (RaftPeer) getPeer.invoke(entry);
  }
}
