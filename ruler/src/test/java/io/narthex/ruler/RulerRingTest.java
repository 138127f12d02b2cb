package io.narthex.ruler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RulerRingTest {
  private static final List<String> GROUPS = java.util.stream.IntStream.range(0, 3000)
      .mapToObj(i -> "tenant-" + (i % 7) + "/ns-" + (i % 13) + "/group-" + i).toList();

  private static Map<String, String> rulers(int count) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 1; i <= count; i++) {
      out.put("ruler-" + i, "127.0.0.1:" + (7000 + i));
    }
    return out;
  }

  private static String owner(RulerRing ring, String group) {
    String[] parts = group.split("/");
    return ring.owner(parts[0], parts[1], parts[2]);
  }

  @Test
  void everyGroupHasExactlyOneOwnerAndEveryRulerAgreesWhichAndGetsAShare() {
    Map<String, String> rulers = rulers(3);
    Map<String, Integer> owned = new HashMap<>();
    for (String group : GROUPS) {
      String[] parts = group.split("/");
      List<String> owners = rulers.keySet().stream()
          .filter(self -> new RulerRing(rulers, self).owns(parts[0], parts[1], parts[2])).toList();
      assertThat(owners).as(group).hasSize(1);
      owned.merge(owners.getFirst(), 1, Integer::sum);
    }
    // 1000 each on average; rendezvous hashing keeps every share well away from 0 or all.
    assertThat(owned).hasSize(3).allSatisfy((ruler, count) -> assertThat(count).isBetween(800, 1200));
  }

  @Test
  void aNewRulerTakesOnlyGroupsFromOthersAndLeavesTheRestWhereTheyWere() {
    RulerRing three = new RulerRing(rulers(3), "ruler-1");
    RulerRing four = new RulerRing(rulers(4), "ruler-1");
    int moved = 0;
    for (String group : GROUPS) {
      String before = owner(three, group);
      String after = owner(four, group);
      if (!before.equals(after)) {
        assertThat(after).as(group).isEqualTo("ruler-4");
        moved++;
      }
    }
    assertThat(moved).isBetween(600, 900);
  }

  @Test
  void aSingleRulerOwnsEverythingAndAnUnknownSelfIsRefused() {
    RulerRing single = RulerRing.single("r", "127.0.0.1:9009");
    assertThat(GROUPS).allSatisfy(group -> assertThat(owner(single, group)).isEqualTo("r"));
    assertThat(single.otherAddresses()).isEmpty();
    assertThatThrownBy(() -> new RulerRing(rulers(2), "ruler-9"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ruler id ruler-9 is not in the ruler ring [ruler-1, ruler-2]");
  }
}
