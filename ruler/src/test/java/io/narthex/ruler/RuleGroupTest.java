package io.narthex.ruler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RuleGroupTest {
  private static RuleGroup withInterval(String interval) {
    return new RuleGroup("g", interval, null, null, null, null, null, null, List.of());
  }

  @Test
  void unsetEmptyAndZeroIntervalsAllMeanTheDefault() {
    Duration defaultInterval = Duration.ofMinutes(5);
    assertThat(withInterval(null).intervalOr(defaultInterval)).isEqualTo(defaultInterval);
    assertThat(withInterval("").intervalOr(defaultInterval)).isEqualTo(defaultInterval);
    // Prometheus's LoadGroups: interval 0 is the global evaluation interval (alerts' validUntil uses it too).
    assertThat(withInterval("0s").intervalOr(defaultInterval)).isEqualTo(defaultInterval);
    assertThat(withInterval("1m30s").intervalOr(defaultInterval)).isEqualTo(Duration.ofSeconds(90));
  }
}
