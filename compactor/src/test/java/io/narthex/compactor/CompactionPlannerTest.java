package io.narthex.compactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.blocks.BucketIndex;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CompactionPlannerTest {
  private static final long H = 3_600_000L;
  private static final long R2 = 2 * H;
  private static final long R12 = 12 * H;
  private static final Instant NOW = Instant.parse("2025-01-10T00:00:00Z");
  private static final long OLD_UPLOAD = NOW.minus(Duration.ofHours(1)).getEpochSecond();

  private final CompactionPlanner planner = new CompactionPlanner(Duration.ofMinutes(25));

  private static BucketIndex.Block block(String id, long minT, long maxT, int level, long uploadedAtSeconds) {
    return new BucketIndex.Block(id, minT, maxT, "", 0, uploadedAtSeconds, "", level, Map.of());
  }

  private static BucketIndex.Block block(String id, long minT, long maxT, int level) {
    return block(id, minT, maxT, level, OLD_UPLOAD);
  }

  private static List<List<String>> ids(CompactionPlanner.Plan plan) {
    return plan.ready().stream().map(g -> g.blocks().stream().map(BucketIndex.Block::blockId).toList()).toList();
  }

  @Test
  void compactsCompleteWindowsAlignedToTheRange() {
    // Six 2h blocks [0,12h) then two of the next 12h window: only the first window is complete.
    List<BucketIndex.Block> blocks = List.of(
        block("A0", 0, R2, 1), block("A1", R2, 2 * R2, 1), block("A2", 2 * R2, 3 * R2, 1),
        block("A3", 3 * R2, 4 * R2, 1), block("A4", 4 * R2, 5 * R2, 1), block("A5", 5 * R2, R12, 1),
        block("B0", R12, R12 + R2, 1), block("B1", R12 + R2, R12 + 2 * R2, 1));

    CompactionPlanner.Plan plan = planner.plan(blocks, Set.of(), R12, NOW);

    assertThat(ids(plan)).containsExactly(List.of("A0", "A1", "A2", "A3", "A4", "A5"));
    assertThat(plan.ready().getFirst().windowStartMs()).isZero();
    assertThat(plan.ready().getFirst().minTimeMs()).isZero();
    assertThat(plan.ready().getFirst().maxTimeMs()).isEqualTo(R12);
    assertThat(plan.waiting()).isEqualTo(1);
    // At 2h every window holds one block: nothing to do.
    assertThat(planner.plan(blocks, Set.of(), R2, NOW).ready()).isEmpty();
  }

  @Test
  void windowIsCompleteOnceTheNewestBlockReachesItsEnd() {
    List<BucketIndex.Block> blocks = List.of(block("A0", 0, R2, 1), block("A1", R2, 2 * R2, 1));
    assertThat(planner.plan(blocks, Set.of(), 2 * R2, NOW).ready()).hasSize(1);
    assertThat(planner.plan(blocks, Set.of(), 3 * R2, NOW).ready()).isEmpty();
  }

  @Test
  void overlappingShardBlocksOfOneWindowAreCompactedAtTheFirstRange() {
    List<BucketIndex.Block> blocks = List.of(
        block("S1", R12, R12 + R2, 1), block("S0", R12, R12 + R2, 1), block("S2", R12 + 60_000, R12 + R2, 1),
        block("LONE", R12 + R2, R12 + 2 * R2, 1));

    CompactionPlanner.Plan plan = planner.plan(blocks, Set.of(), R2, NOW);

    assertThat(ids(plan)).containsExactly(List.of("S0", "S1", "S2")); // sorted by ULID
  }

  @Test
  void blockCrossingAWindowEdgeWaitsForALargerRange() {
    List<BucketIndex.Block> blocks = List.of(
        block("CROSS", H, 3 * H, 1), block("A0", 0, R2, 1), block("A1", R2, 2 * R2, 1));

    assertThat(ids(planner.plan(blocks, Set.of(), R2, NOW))).isEmpty();
    assertThat(ids(planner.plan(blocks, Set.of(), 2 * R2, NOW))).containsExactly(List.of("A0", "A1", "CROSS"));
  }

  @Test
  void recentLevelOneBlockHoldsBackItsWindowButNotOthers() {
    long fresh = NOW.minus(Duration.ofMinutes(10)).getEpochSecond();
    List<BucketIndex.Block> blocks = List.of(
        block("A0", 0, R2, 1), block("A1", 0, R2, 1),
        block("B0", R2, 2 * R2, 1), block("B1", R2, 2 * R2, 1, fresh));

    CompactionPlanner.Plan plan = planner.plan(blocks, Set.of(), R2, NOW);
    assertThat(ids(plan)).containsExactly(List.of("A0", "A1"));
    assertThat(plan.waiting()).isEqualTo(1);

    assertThat(ids(planner.plan(blocks, Set.of(), R2, NOW.plus(Duration.ofMinutes(16)))))
        .containsExactly(List.of("A0", "A1"), List.of("B0", "B1"));
  }

  @Test
  void recentlyUploadedCompactedBlocksDoNotWait() {
    long fresh = NOW.getEpochSecond();
    List<BucketIndex.Block> blocks = List.of(block("C0", 0, R2, 2, fresh), block("C1", R2, 2 * R2, 2, fresh));
    assertThat(ids(planner.plan(blocks, Set.of(), 2 * R2, NOW))).containsExactly(List.of("C0", "C1"));
  }

  @Test
  void noCompactBlocksAreLeftOutButStillMarkTheNewestEnd() {
    List<BucketIndex.Block> blocks = List.of(
        block("A0", 0, R2, 1), block("A1", R2, 2 * R2, 1), block("A2", 2 * R2, 3 * R2, 1),
        block("BAD", 3 * R2, 4 * R2, 1));

    assertThat(ids(planner.plan(blocks, Set.of("A1"), 4 * R2, NOW))).containsExactly(List.of("A0", "A2", "BAD"));
    assertThat(ids(planner.plan(blocks, Set.of("BAD"), 2 * R2, NOW))).containsExactly(List.of("A0", "A1"));
  }
}
