package io.narthex.ruler.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.common.XxHash64;
import io.narthex.ruler.RuleGroup;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class GroupScheduleTest {
  private static final long MINUTE = Duration.ofMinutes(1).toNanos();

  @Test
  void groupHashAndOffsetArePinned() {
    // Seed-0 XXH64 of "file\xfff\xffname\xffg\xff", as computed before the ruler's own XXH64 copy gave way to
    // common's: a change of hash would move every group's instants (PrometheusInstantsTest checks them against
    // Prometheus itself).
    assertThat(GroupSchedule.hash("g", "f")).isEqualTo(0x2845D88273C72DDDL);
    assertThat(GroupSchedule.offsetNanos("g", "f", MINUTE)).isEqualTo(49_709_934_045L);
    assertThat(GroupSchedule.offsetNanos("recording-rules", GroupSchedule.file("team-a", "infra"), MINUTE))
        .isEqualTo(25_470_828_977L);
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
