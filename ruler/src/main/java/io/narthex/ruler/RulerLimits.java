package io.narthex.ruler;

/**
 * The ruler's per-tenant limits checked when a group is set, as Mimir's: {@code ruler_max_rules_per_rule_group}
 * (default 20) and {@code ruler_max_rule_groups_per_tenant} (default 70, over all namespaces). 0 means no limit.
 */
public record RulerLimits(int maxRulesPerRuleGroup, int maxRuleGroupsPerTenant) {
  /** Mimir's defaults. */
  public static final RulerLimits DEFAULT = new RulerLimits(20, 70);

  public RulerLimits {
    if (maxRulesPerRuleGroup < 0 || maxRuleGroupsPerTenant < 0) {
      throw new IllegalArgumentException("ruler limits must not be negative: " + maxRulesPerRuleGroup + ", "
          + maxRuleGroupsPerTenant);
    }
  }
}
