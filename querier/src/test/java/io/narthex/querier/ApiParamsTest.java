package io.narthex.querier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.promql.PromQLException;
import org.junit.jupiter.api.Test;

class ApiParamsTest {
  @Test
  void parsesUnixSecondsAndRfc3339Times() {
    assertThat(ApiParams.parseTime("time", "1700000000.123")).isEqualTo(1_700_000_000_123L);
    assertThat(ApiParams.parseTime("time", "1700000000")).isEqualTo(1_700_000_000_000L);
    assertThat(ApiParams.parseTime("time", "2023-11-14T22:13:20.5Z")).isEqualTo(1_700_000_000_500L);
    assertThat(ApiParams.parseTime("time", "2023-11-14T23:13:20+01:00")).isEqualTo(1_700_000_000_000L);
  }

  @Test
  void badTimeNamesTheParameterAsPrometheusDoes() {
    assertThatThrownBy(() -> ApiParams.parseTime("start", "yesterday"))
        .isInstanceOf(PromQLException.class)
        .hasMessage("invalid parameter \"start\": cannot parse \"yesterday\" to a valid timestamp");
  }

  @Test
  void parsesSecondsAndPrometheusDurations() {
    assertThat(ApiParams.parseDuration("step", "15")).isEqualTo(15_000);
    assertThat(ApiParams.parseDuration("step", "0.5")).isEqualTo(500);
    assertThat(ApiParams.parseDuration("step", "1m30s")).isEqualTo(90_000);
    assertThat(ApiParams.parseDuration("step", "1h")).isEqualTo(3_600_000);
    assertThat(ApiParams.parseDuration("step", "250ms")).isEqualTo(250);
    assertThatThrownBy(() -> ApiParams.parseDuration("step", "1x"))
        .hasMessage("invalid parameter \"step\": cannot parse \"1x\" to a valid duration");
  }
}
