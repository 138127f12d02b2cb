package io.narthex.alertmanager.dispatch;

import io.narthex.alertmanager.AlertmanagerConfig;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Inhibition, as Alertmanager's {@code inhibit.Inhibitor}: an alert matching a rule's target matchers is muted while
 * a firing alert matches the rule's source matchers and has the same values for the {@code equal} labels (a missing
 * label equals an empty one). An alert matching both sides of a rule is not muted by source alerts that also match
 * both sides, so that such alerts cannot inhibit each other.
 */
public final class Inhibitor {
  private final List<AlertmanagerConfig.InhibitRule> rules;
  private final Supplier<List<Alert>> alerts;

  /** @param alerts the tenant's current alerts (the source side is looked up among them) */
  public Inhibitor(List<AlertmanagerConfig.InhibitRule> rules, Supplier<List<Alert>> alerts) {
    this.rules = List.copyOf(rules);
    this.alerts = alerts;
  }

  /** The fingerprint (hex) of the alert inhibiting these labels, or null when none does. */
  public String inhibitedBy(Map<String, String> labels, Instant now) {
    List<Alert> current = null;
    for (AlertmanagerConfig.InhibitRule rule : rules) {
      if (!DispatchRoute.matches(rule.targetMatchers(), labels)) {
        continue;
      }
      boolean excludeTwoSided = DispatchRoute.matches(rule.sourceMatchers(), labels);
      if (current == null) {
        current = alerts.get();
      }
      for (Alert source : current) {
        if (source.resolvedAt(now) || !DispatchRoute.matches(rule.sourceMatchers(), source.labels())
            || !equalLabels(rule.equal(), source.labels(), labels)) {
          continue;
        }
        if (excludeTwoSided && DispatchRoute.matches(rule.targetMatchers(), source.labels())) {
          continue;
        }
        return source.fingerprintHex();
      }
    }
    return null;
  }

  private static boolean equalLabels(List<String> names, Map<String, String> a, Map<String, String> b) {
    if (names == null) {
      return true;
    }
    for (String name : names) {
      if (!a.getOrDefault(name, "").equals(b.getOrDefault(name, ""))) {
        return false;
      }
    }
    return true;
  }
}
