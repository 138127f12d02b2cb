package io.narthex.alertmanager.dispatch;

import static io.narthex.alertmanager.dispatch.Fixtures.at;
import static io.narthex.alertmanager.dispatch.Fixtures.firing;
import static io.narthex.alertmanager.dispatch.Fixtures.labels;
import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.alertmanager.AlertmanagerConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InhibitorTest {
  private final List<Alert> alerts = new ArrayList<>();

  private Inhibitor inhibitor(String rules) {
    AlertmanagerConfig config = AlertmanagerConfig.parse("route: {receiver: r}\nreceivers: [{name: r}]\n" + rules);
    return new Inhibitor(config.inhibitRules(), () -> alerts);
  }

  @Test
  void firingSourceWithEqualLabelsInhibitsTargetAndMissingEqualsEmpty() {
    Inhibitor inhibitor = inhibitor("""
        inhibit_rules:
          - source_matchers: [severity="critical"]
            target_matchers: [severity="warning"]
            equal: [cluster, zone]
        """);
    Alert source = firing(at(0), "alertname", "down", "severity", "critical", "cluster", "c1", "zone", "");
    alerts.add(source);
    assertThat(inhibitor.inhibitedBy(labels("alertname", "slow", "severity", "warning", "cluster", "c1"), at(1)))
        .isEqualTo(source.fingerprintHex());
    assertThat(inhibitor.inhibitedBy(labels("severity", "warning", "cluster", "c2"), at(1))).isNull();
    assertThat(inhibitor.inhibitedBy(labels("severity", "info", "cluster", "c1"), at(1))).isNull();
    assertThat(inhibitor.inhibitedBy(labels("severity", "warning", "cluster", "c1"), at(301)))
        .as("a resolved source inhibits nothing").isNull();
  }

  @Test
  void alertMatchingBothSidesIsNotInhibitedByAlertsThatAlsoMatchBoth() {
    Inhibitor inhibitor = inhibitor("""
        inhibit_rules:
          - source_matchers: [kind="a"]
            target_matchers: [role="t"]
        """);
    Alert both1 = firing(at(0), "alertname", "one", "kind", "a", "role", "t");
    Alert both2 = firing(at(0), "alertname", "two", "kind", "a", "role", "t");
    alerts.addAll(List.of(both1, both2));
    assertThat(inhibitor.inhibitedBy(both1.labels(), at(1))).isNull();
    Alert sourceOnly = firing(at(0), "alertname", "three", "kind", "a");
    alerts.add(sourceOnly);
    assertThat(inhibitor.inhibitedBy(both1.labels(), at(1))).isEqualTo(sourceOnly.fingerprintHex());
  }
}
