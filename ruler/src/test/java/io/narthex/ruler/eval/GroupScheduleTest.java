package io.narthex.ruler.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.ruler.RuleGroup;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class GroupScheduleTest {
  private static final long MINUTE = Duration.ofMinutes(1).toNanos();

  @Test
  void xxHash64MatchesTheReferenceVectors() {
    assertThat(XxHash64.hash(new byte[0])).isEqualTo(0xEF46DB3751D8E999L);
    assertThat(XxHash64.hash("a".getBytes(StandardCharsets.UTF_8))).isEqualTo(0xD24EC4F1A98C6E5BL);
    assertThat(XxHash64.hash("abc".getBytes(StandardCharsets.UTF_8))).isEqualTo(0x44BC2CF5AD770999L);
    // 39 bytes: the 32-byte stripe loop, then 8-, 4- and 1-byte tails.
    assertThat(XxHash64.hash("Nobody inspects the spammish repetition".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(0xFBCEA83C8A378BF1L);
  }

  @Test
  void instantsAreTheGroupOffsetPastEveryMultipleOfTheInterval() {
    long offset = GroupSchedule.offsetNanos("g", "rules.yml", MINUTE);
    assertThat(offset).isBetween(0L, MINUTE - 1);
    long base = 1_700_000_040L * 1_000_000_000L; // a multiple of a minute
    assertThat(base % MINUTE).isZero();

    assertThat(GroupSchedule.previousInstantNanos(base + offset, MINUTE, offset)).isEqualTo(base + offset);
    assertThat(GroupSchedule.previousInstantNanos(base + offset - 1, MINUTE, offset)).isEqualTo(base - MINUTE + offset);
    assertThat(GroupSchedule.previousInstantNanos(base + offset + MINUTE - 1, MINUTE, offset))
        .isEqualTo(base + offset);
  }

  @Test
  void hashIsPrometheusLabelsHashOfFileThenNameEachFollowedBy0xff() {
    byte[] encoded = {'f', 'i', 'l', 'e', (byte) 0xff, 'f', (byte) 0xff, 'n', 'a', 'm', 'e', (byte) 0xff, 'g',
        (byte) 0xff};
    assertThat(GroupSchedule.hash("g", "f")).isEqualTo(XxHash64.hash(encoded));
    // An offset is that hash read unsigned: a hash with the top bit set still gives an offset within the interval.
    long offset = GroupSchedule.offsetNanos("g", "f", MINUTE);
    assertThat(offset).isBetween(0L, MINUTE - 1);
  }

  @Test
  void missedCountsTheWholeIntervalsPassedBeyondTheNextInstant() {
    assertThat(GroupSchedule.missed(0, MINUTE, MINUTE)).isZero();
    assertThat(GroupSchedule.missed(0, MINUTE + MINUTE / 2, MINUTE)).isZero();
    assertThat(GroupSchedule.missed(0, 2 * MINUTE + 1, MINUTE)).isEqualTo(1);
    assertThat(GroupSchedule.missed(0, 5 * MINUTE, MINUTE)).isEqualTo(4);
  }

  @Test
  void groupAlignedOnItsIntervalHasNoOffset() {
    TestRuler ruler = new TestRuler();
    RuleGroup aligned = new RuleGroup("g", "1m", null, null, null, null, true, null,
        List.of(TestRuler.record("r", "up")));
    RuleGroup spread = new RuleGroup("g", "1m", null, null, null, null, null, null,
        List.of(TestRuler.record("r", "up")));

    assertThat(GroupSchedule.offsetNanos(ruler.group(aligned))).isZero();
    assertThat(GroupSchedule.offsetNanos(ruler.group(spread)))
        .isEqualTo(GroupSchedule.offsetNanos("g", GroupSchedule.file(TestRuler.TENANT, "ns"), MINUTE)).isNotZero();
  }

  @Test
  void fileIsMimirsRuleFileOfTheTenantsNamespace() {
    assertThat(GroupSchedule.file("team-a", "infra/kube rules;v1"))
        .isEqualTo("data-ruler/team-a/infra%2Fkube%20rules%3Bv1");
    assertThat(GroupSchedule.pathEscape("a-b_c.d~e$f&g+h:i=j@k,l?m\u00e9"))
        .isEqualTo("a-b_c.d~e$f&g+h:i=j@k%2Cl%3Fm%C3%A9");
  }
}
