package io.narthex.ruler;

import java.util.ArrayList;
import java.util.List;

/**
 * Rule groups the tests set through the API: the valid ones must be accepted by Narthex and by promtool alike, the
 * invalid ones rejected by both.
 */
final class RuleGroupFixtures {
  private RuleGroupFixtures() {}

  /** A group Narthex must reject, and the part of its 400 message naming what is wrong. */
  record Invalid(String yaml, String message) {}

  static final List<String> VALID = List.of("""
      name: recording
      interval: 30s
      rules:
        - record: job:up:sum
          expr: sum by (job) (up)
        - record: instance:node_cpu:rate5m
          expr: rate(node_cpu_seconds_total{mode!="idle"}[5m])
          labels:
            team: infra
      """, """
      name: alerting
      rules:
        - alert: InstanceDown
          expr: up == 0
          for: 5m
          keep_firing_for: 1m
          labels:
            severity: page
          annotations:
            summary: "Instance {{ $labels.instance }} down"
            description: "{{ $value | humanize }} for more than 5 minutes."
      """, """
      name: federated
      interval: 1m
      limit: 10
      query_offset: 1m
      source_tenants: [team-a, team-b]
      labels:
        origin: narthex
      rules:
        - record: tenant:up:count
          expr: count(up)
      """, """
      name: delayed
      evaluation_delay: 30s
      align_evaluation_time_on_interval: true
      rules:
        - record: one
          expr: vector(1)
          for: 0s
      """);

  static final List<Invalid> INVALID = List.of(
      new Invalid("""
          name: bad-expr
          rules:
            - record: job:up:sum
              expr: sum(rate(up[5m])
          """, "group \"bad-expr\", rule 1, \"job:up:sum\": could not parse expression: "),
      new Invalid("""
          name: both
          rules:
            - record: a
              expr: up
            - record: b
              alert: B
              expr: up
          """, "group \"both\", rule 2, \"B\": only one of 'record' and 'alert' must be set"),
      new Invalid("""
          name: neither
          rules:
            - expr: up
          """, "group \"neither\", rule 1, \"\": one of 'record' or 'alert' must be set"),
      new Invalid("""
          name: bad-record
          rules:
            - record: 1bad
              expr: up
          """, "group \"bad-record\", rule 1, \"1bad\": invalid recording rule name: 1bad"),
      new Invalid("""
          name: for-on-record
          rules:
            - record: a
              expr: up
              for: 5m
          """, "group \"for-on-record\", rule 1, \"a\": invalid field 'for' in recording rule"),
      new Invalid("""
          name: bad-label
          rules:
            - alert: A
              expr: up
              labels:
                bad-label: x
          """, "group \"bad-label\", rule 1, \"A\": invalid label name: bad-label"),
      new Invalid("""
          name: bad-annotation
          rules:
            - alert: A
              expr: up
              annotations:
                1st: x
          """, "group \"bad-annotation\", rule 1, \"A\": invalid annotation name: 1st"),
      new Invalid("""
          name: bad-duration
          rules:
            - alert: A
              expr: up
              for: 5 minutes
          """, "group \"bad-duration\", rule 1, \"A\": for: not a valid duration string: \"5 minutes\""),
      new Invalid("""
          name: bad-annotation-template
          rules:
            - alert: A
              expr: up
              annotations:
                summary: "{{ $labels.job | nosuch }}"
          """, "group \"bad-annotation-template\", rule 1, \"A\": annotation \"summary\": template: __alert_A:1: "
          + "function \"nosuch\" not defined"),
      new Invalid("""
          name: bad-label-template
          rules:
            - alert: A
              expr: up
              labels:
                severity: "{{ if }}"
          """, "group \"bad-label-template\", rule 1, \"A\": label \"severity\": template: __alert_A:1: "),
      new Invalid("""
          name: unknown-field
          rulez:
            - record: a
              expr: up
          """, "unable to decode rule group: field rulez not found, at rulez"));

  /** A group of {@code rules} recording rules. */
  static String recordingGroup(String name, int rules) {
    StringBuilder yaml = new StringBuilder("name: " + name + "\nrules:\n");
    for (int i = 0; i < rules; i++) {
      yaml.append("  - record: r").append(i).append("\n    expr: up\n");
    }
    return yaml.toString();
  }

  /** Every valid group the tests set, as parsed. */
  static List<RuleGroup> allValid() {
    List<RuleGroup> groups = new ArrayList<>();
    for (String yaml : VALID) {
      groups.add(RuleYaml.group(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
    groups.add(RuleYaml.group(recordingGroup("limited", 3).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    return groups;
  }

  /** The group without the fields Debian's promtool 2.42 does not know (Mimir's, and newer Prometheus's). */
  static RuleGroup withoutFieldsPromtool242Lacks(RuleGroup g) {
    return new RuleGroup(g.name(), g.interval(), g.limit(), null, null, null, null, null, g.rules());
  }

}
