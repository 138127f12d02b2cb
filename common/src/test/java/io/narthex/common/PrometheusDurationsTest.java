package io.narthex.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PrometheusDurationsTest {
  @Test
  void readsEachUnitOnceInOrder() {
    assertThat(PrometheusDurations.parseMs("0")).isZero();
    assertThat(PrometheusDurations.parseMs("500ms")).isEqualTo(500);
    assertThat(PrometheusDurations.parseMs("1h30m")).isEqualTo(5_400_000);
    assertThat(PrometheusDurations.parseMs("1y1w1d1h1m1s1ms"))
        .isEqualTo(365L * 86_400_000 + 7L * 86_400_000 + 86_400_000 + 3_600_000 + 60_000 + 1_000 + 1);
    assertThat(PrometheusDurations.parseMs("90m")).isEqualTo(5_400_000);
  }

  @Test
  void refusesWhatModelParseDurationRefusesWithItsMessages() {
    assertThatThrownBy(() -> PrometheusDurations.parseMs("")).hasMessage("empty duration string");
    for (String bad : new String[] {"1", "m", "1m1h", "1h1h", "-1m", "1.5h", "1 m", "5 minutes", "0s1"}) {
      assertThatThrownBy(() -> PrometheusDurations.parseMs(bad)).as(bad)
          .hasMessage("not a valid duration string: \"" + bad + "\"");
    }
    // Go's int64 nanoseconds end at about 292 years.
    assertThat(PrometheusDurations.parseMs("292y")).isEqualTo(292 * 365L * 86_400_000);
    assertThatThrownBy(() -> PrometheusDurations.parseMs("293y")).hasMessage("duration out of range");
    assertThatThrownBy(() -> PrometheusDurations.parseMs("99999999999999999999s"))
        .hasMessage("duration out of range");
  }
}
