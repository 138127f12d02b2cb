package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.alertmanager.AlertmanagerLimits;
import io.narthex.alertmanager.notify.NotifyLimits;
import io.narthex.ruler.RulerLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ruler's and the Alertmanager's limits default to the flags and are overridden per tenant with Mimir's
 * runtime-config keys; a key Narthex does not know rejects the file.
 */
class RuntimeConfigLimitsTest {
  @TempDir Path dir;

  @Test
  void overridesEitherRulerLimitPerTenantAndKeepsTheFlagForTheOther() throws Exception {
    NarthexOptions options = NarthexOptions.parse("-ruler.max-rules-per-rule-group=7");
    RulerLimits defaults = new RulerLimits(options.limits.rulerMaxRulesPerRuleGroup,
        options.limits.rulerMaxRuleGroupsPerTenant);
    Path file = dir.resolve("runtime.yaml");
    Files.writeString(file, """
        overrides:
          big:
            ruler_max_rules_per_rule_group: 100
          few:
            ruler_max_rule_groups_per_tenant: 0
        """);

    try (RuntimeConfig config = new RuntimeConfig(file, Duration.ofHours(1))) {
      assertThat(defaults).isEqualTo(new RulerLimits(7, 70));
      assertThat(config.rulerLimits("other", defaults)).isEqualTo(defaults);
      assertThat(config.rulerLimits("big", defaults)).isEqualTo(new RulerLimits(100, 70));
      assertThat(config.rulerLimits("few", defaults)).isEqualTo(new RulerLimits(7, 0));
    }
  }

  @Test
  void overridesTheRuleEvaluationDelayPerTenantAndRejectsOneThatIsNotADuration() throws Exception {
    NarthexOptions options = NarthexOptions.parse("-ruler.evaluation-delay-duration=45s");
    Path file = dir.resolve("runtime.yaml");
    Files.writeString(file, """
        overrides:
          late:
            ruler_evaluation_delay_duration: 5m
          prompt:
            ruler_evaluation_delay_duration: 0s
        """);

    try (RuntimeConfig config = new RuntimeConfig(file, Duration.ofHours(1))) {
      assertThat(config.rulerEvaluationDelay("other", options.ruler.evaluationDelay)).isEqualTo(Duration.ofSeconds(45));
      assertThat(config.rulerEvaluationDelay("late", options.ruler.evaluationDelay)).isEqualTo(Duration.ofMinutes(5));
      assertThat(config.rulerEvaluationDelay("prompt", options.ruler.evaluationDelay)).isZero();
    }
    Files.writeString(file, "overrides:\n  t:\n    ruler_evaluation_delay_duration: -1m\n");
    assertThatThrownBy(() -> new RuntimeConfig(file, Duration.ofHours(1)))
        .hasMessageContaining("overrides.t.ruler_evaluation_delay_duration must be a Prometheus duration");
  }

  @Test
  void overridesTheAlertmanagerConfigLimitsPerTenant() throws Exception {
    AlertmanagerLimits defaults = new AlertmanagerLimits(1000, 10, 100);
    Path file = dir.resolve("runtime.yaml");
    Files.writeString(file, """
        overrides:
          big:
            alertmanager_max_config_size_bytes: 0
            alertmanager_max_template_size_bytes: 5000
        """);

    try (RuntimeConfig config = new RuntimeConfig(file, Duration.ofHours(1))) {
      assertThat(config.alertmanagerLimits("other", defaults)).isEqualTo(defaults);
      assertThat(config.alertmanagerLimits("big", defaults)).isEqualTo(new AlertmanagerLimits(0, 10, 5000));
    }
  }

  @Test
  void overridesTheAlertSilenceAndAggregationGroupLimitsPerTenant() throws Exception {
    var defaults = new io.narthex.alertmanager.dispatch.TenantAlertmanager.Settings(
        new io.narthex.alertmanager.dispatch.AlertStore.Limits(100, 1000),
        new io.narthex.alertmanager.dispatch.Silences.Limits(10, 500), 50, Duration.ofHours(120));
    Path file = dir.resolve("runtime.yaml");
    Files.writeString(file, """
        overrides:
          big:
            alertmanager_max_alerts_count: 0
            alertmanager_max_silences_count: 1000
            alertmanager_max_dispatcher_aggregation_groups: 7
        """);

    try (RuntimeConfig config = new RuntimeConfig(file, Duration.ofHours(1))) {
      assertThat(config.alertmanagerTenantSettings("other", defaults)).isEqualTo(defaults);
      var big = config.alertmanagerTenantSettings("big", defaults);
      assertThat(big.alertLimits()).isEqualTo(new io.narthex.alertmanager.dispatch.AlertStore.Limits(0, 1000));
      assertThat(big.silenceLimits()).isEqualTo(new io.narthex.alertmanager.dispatch.Silences.Limits(1000, 500));
      assertThat(big.maxAggregationGroups()).isEqualTo(7);
      assertThat(big.retention()).isEqualTo(Duration.ofHours(120));
    }
  }

  @Test
  void overridesTheReceiverRateLimitAndFirewallPerTenant() throws Exception {
    NarthexOptions options = NarthexOptions.parse("-alertmanager.notification-rate-limit=2",
        "-alertmanager.receivers-firewall-block-cidr-networks=10.0.0.0/8, 192.168.0.0/16");
    NotifyLimits defaults = options.limits.alertmanagerNotifyLimits();
    Path file = dir.resolve("runtime.yaml");
    Files.writeString(file, """
        overrides:
          strict:
            alertmanager_notification_rate_limit: 0.5
            alertmanager_notification_rate_limit_per_integration: {webhook: 0, email: 1}
            alertmanager_receivers_firewall_block_cidr_networks: 127.0.0.0/8
            alertmanager_receivers_firewall_block_private_addresses: true
        """);

    try (RuntimeConfig config = new RuntimeConfig(file, Duration.ofHours(1))) {
      assertThat(config.notifyLimits("other", defaults)).isEqualTo(defaults);
      assertThat(defaults.rateLimit()).isEqualTo(2);
      assertThat(defaults.firewall().blockCidrs()).map(Object::toString)
          .containsExactly("10.0.0.0/8", "192.168.0.0/16");
      assertThat(defaults.firewall().blockPrivateAddresses()).isFalse();
      NotifyLimits strict = config.notifyLimits("strict", defaults);
      assertThat(strict.rateLimit()).isEqualTo(0.5);
      assertThat(strict.rateLimitPerIntegration()).isEqualTo(Map.of("webhook", 0.0, "email", 1.0));
      assertThat(strict.firewall().blockCidrs()).map(Object::toString).containsExactly("127.0.0.0/8");
      assertThat(strict.firewall().blockPrivateAddresses()).isTrue();
    }
  }

  @Test
  void rejectsAnUnknownIntegrationAndABadNetworkNamingTheKey() throws Exception {
    Path file = dir.resolve("runtime.yaml");
    Files.writeString(file, "overrides:\n  t:\n    alertmanager_notification_rate_limit_per_integration: {fax: 1}\n");
    assertThatThrownBy(() -> new RuntimeConfig(file, Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("overrides.t.alertmanager_notification_rate_limit_per_integration: unknown "
            + "integration name fax");
    Files.writeString(file, "overrides:\n  t:\n    alertmanager_receivers_firewall_block_cidr_networks: 10.0.0/33\n");
    assertThatThrownBy(() -> new RuntimeConfig(file, Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("overrides.t.alertmanager_receivers_firewall_block_cidr_networks: invalid CIDR "
            + "address: 10.0.0/33");
  }

  @Test
  void rejectsAKeyNarthexDoesNotKnowNamingItAndTheKnownOnes() throws Exception {
    Path file = dir.resolve("runtime.yaml");
    Files.writeString(file, "overrides:\n  t:\n    ingestion_rat: 5\n");

    assertThatThrownBy(() -> new RuntimeConfig(file, Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("overrides.t.ingestion_rat is not a limit Narthex knows")
        .hasMessageContaining("ingestion_rate");
  }

  @Test
  void rejectsANegativeRulerLimitNamingTheTenantAndKey() throws Exception {
    Path file = dir.resolve("runtime.yaml");
    Files.writeString(file, "overrides:\n  t:\n    ruler_max_rules_per_rule_group: -1\n");

    assertThatThrownBy(() -> new RuntimeConfig(file, Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("overrides.t.ruler_max_rules_per_rule_group must be a whole number");
  }
}
