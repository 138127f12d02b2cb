package io.narthex.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HashRingTest {
  private static final List<String> FOUR = List.of("gw-0", "gw-1", "gw-2", "gw-3");

  private static List<String> ulids(int count) {
    List<String> ulids = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ulids.add(Ulid.generate());
    }
    return ulids;
  }

  @Test
  void givesEachBlockReplicationFactorDistinctOwners() {
    HashRing ring = new HashRing(FOUR, 3);
    for (String ulid : ulids(500)) {
      List<String> owners = ring.owners(ulid);
      assertThat(owners).hasSize(3).doesNotHaveDuplicates().isSubsetOf(FOUR);
      assertThat(ring.owns(owners.getFirst(), ulid)).isTrue();
    }
  }

  @Test
  void spreadsBlocksEvenlyAcrossGateways() {
    HashRing ring = new HashRing(FOUR, 1);
    Map<String, Integer> blocksPerGateway = new HashMap<>();
    for (String ulid : ulids(4000)) {
      blocksPerGateway.merge(ring.owners(ulid).getFirst(), 1, Integer::sum);
    }
    assertThat(blocksPerGateway).hasSize(4);
    assertThat(blocksPerGateway.values()).allSatisfy(count -> assertThat(count).isBetween(850, 1150));
  }

  @Test
  void addingAGatewayMovesOnlyTheBlocksItNowOwns() {
    HashRing before = new HashRing(FOUR, 2);
    List<String> five = new ArrayList<>(FOUR);
    five.add("gw-4");
    HashRing after = new HashRing(five, 2);
    int moved = 0;
    List<String> ulids = ulids(2000);
    for (String ulid : ulids) {
      List<String> old = before.owners(ulid);
      List<String> now = after.owners(ulid);
      if (!now.equals(old)) {
        moved++;
        // The new gateway took one place; the other owner is still one of the old owners.
        assertThat(now).contains("gw-4");
        assertThat(old).containsAll(now.stream().filter(id -> !id.equals("gw-4")).toList());
      }
    }
    // The new gateway owns about 2/5 of the block replicas.
    assertThat(moved).isBetween(ulids.size() * 3 / 10, ulids.size() / 2);
  }

  @Test
  void removingAGatewayMovesOnlyItsOwnBlocks() {
    HashRing before = new HashRing(FOUR, 1);
    HashRing after = new HashRing(List.of("gw-0", "gw-1", "gw-3"), 1);
    for (String ulid : ulids(1000)) {
      String old = before.owners(ulid).getFirst();
      if (!old.equals("gw-2")) {
        assertThat(after.owners(ulid)).containsExactly(old);
      }
    }
  }

  @Test
  void ownersDoNotDependOnTheOrderOfTheGatewayIds() {
    HashRing ring = new HashRing(FOUR, 2);
    HashRing reversed = new HashRing(FOUR.reversed(), 2);
    for (String ulid : ulids(200)) {
      assertThat(reversed.owners(ulid)).isEqualTo(ring.owners(ulid));
    }
  }

  @Test
  void rejectsAReplicationFactorAboveTheNumberOfGateways() {
    assertThatThrownBy(() -> new HashRing(List.of("a", "b"), 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("replication factor");
    assertThatThrownBy(() -> new HashRing(List.of("a", "a"), 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
