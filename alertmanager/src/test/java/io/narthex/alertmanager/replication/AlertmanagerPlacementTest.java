package io.narthex.alertmanager.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AlertmanagerPlacementTest {
  private static final List<AlertmanagerPlacement.Node> NODES = List.of(
      new AlertmanagerPlacement.Node("am-0", "127.0.0.1:9001"),
      new AlertmanagerPlacement.Node("am-1", "127.0.0.1:9002"),
      new AlertmanagerPlacement.Node("am-2", "127.0.0.1:9003"),
      new AlertmanagerPlacement.Node("am-3", "127.0.0.1:9004"));

  @Test
  void hashesTenantsWithGoFnv32a() {
    // Test vectors of the FNV reference (and Go's hash/fnv tests).
    assertThat(AlertmanagerPlacement.fnv32a("")).isEqualTo(0x811c9dc5);
    assertThat(AlertmanagerPlacement.fnv32a("a")).isEqualTo(0xe40c292c);
    assertThat(AlertmanagerPlacement.fnv32a("foobar")).isEqualTo(0xbf9cf968);
  }

  @Test
  void placesATenantInItsHashModuloTheGroupCountReadUnsigned() {
    AlertmanagerPlacement placement = AlertmanagerPlacement.roundRobin(NODES, 7, 3);
    // 0xbf9cf968 is negative as an int: a signed remainder would give a negative group.
    assertThat(placement.groupOf("foobar")).isEqualTo((int) (0xbf9cf968L % 7));
    assertThat(placement.groupOf("a")).isEqualTo((int) (0xe40c292cL % 7));
  }

  @Test
  void givesEachGroupDistinctReplicasRoundRobin() {
    AlertmanagerPlacement placement = AlertmanagerPlacement.roundRobin(NODES, 8, 3);
    assertThat(placement.groups().get(0)).containsExactly("am-0", "am-1", "am-2");
    assertThat(placement.groups().get(3)).containsExactly("am-3", "am-0", "am-1");
    for (List<String> replicas : placement.groups()) {
      assertThat(new HashSet<>(replicas)).hasSize(3);
    }
    // Every node holds the same share: 8 groups x 3 replicas over 4 nodes.
    for (AlertmanagerPlacement.Node node : NODES) {
      assertThat(placement.groupsOf(node.id())).hasSize(6);
    }
    assertThat(placement.raftGroup(3).getPeers()).extracting(p -> p.getAddress())
        .containsExactlyInAnyOrder("127.0.0.1:9004", "127.0.0.1:9001", "127.0.0.1:9002");
  }

  @Test
  void groupIdsAreNameBasedUuidsStableAcrossProcesses() {
    assertThat(AlertmanagerPlacement.groupId(5).getUuid())
        .isEqualTo(UUID.nameUUIDFromBytes("narthex-alertmanager-5".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertThat(AlertmanagerPlacement.groupId(5)).isNotEqualTo(AlertmanagerPlacement.groupId(6));
  }

  @Test
  void refusesPlacementsThatCannotHoldTheReplicas() {
    assertThatThrownBy(() -> AlertmanagerPlacement.roundRobin(NODES.subList(0, 2), 4, 3))
        .hasMessage("replication factor 3 needs between 1 and 2 replicas, the number of alertmanager nodes");
    assertThatThrownBy(() -> new AlertmanagerPlacement(NODES, List.of(List.of("am-0", "am-0", "am-1"))))
        .hasMessageContaining("group 0 needs distinct replicas");
    assertThatThrownBy(() -> new AlertmanagerPlacement(NODES, List.of(List.of("am-0", "am-9"))))
        .hasMessage("alertmanager group 0 names unknown node am-9");
  }
}
