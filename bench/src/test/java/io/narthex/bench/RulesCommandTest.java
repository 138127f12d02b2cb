package io.narthex.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.ruler.RuleGroup;
import io.narthex.ruler.RuleValidator;
import io.narthex.ruler.RuleYaml;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RulesCommandTest {
  @Test
  void generatedGroupsParseAndPassTheRulersValidation() {
    RulesCommand command = new RulesCommand();
    command.series = 100_000;
    command.rulesPerGroup = 20;
    command.interval = Duration.ofSeconds(15);
    for (int g : new int[] {0, 1, 499}) {
      RuleGroup group = RuleYaml.group(command.groupYaml(g).getBytes(StandardCharsets.UTF_8));
      assertThat(group.rules()).hasSize(20);
      assertThat(RuleValidator.validate(group)).isEmpty();
    }
  }

  @Test
  void sumsEverySampleOfOneMetricName() {
    String exposition = """
        # TYPE process_cpu_seconds_total counter
        process_cpu_seconds_total 12.5
        cortex_prometheus_rule_evaluations_total{rule_group="a",user="t"} 3.0
        cortex_prometheus_rule_evaluations_total{rule_group="b",user="t"} 4.0
        cortex_prometheus_rule_evaluations_total_created{rule_group="b",user="t"} 9.0
        """;
    assertThat(RulesCommand.sum(exposition, "process_cpu_seconds_total")).isEqualTo(12.5);
    assertThat(RulesCommand.sum(exposition, "cortex_prometheus_rule_evaluations_total")).isEqualTo(7.0);
  }
}
