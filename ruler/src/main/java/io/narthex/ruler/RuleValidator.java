package io.narthex.ruler;

import io.narthex.promql.PromQLException;
import io.narthex.promql.parser.Durations;
import io.narthex.promql.parser.Parser;
import io.narthex.template.PrometheusTemplates;
import io.narthex.template.TemplateException;
import io.narthex.tsdb.labels.Labels;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Checks rule groups as Prometheus's {@code rulefmt} does ({@code RuleGroups.Validate} and {@code Rule.Validate},
 * with the messages of Prometheus 2.42), parsing each {@code expr} with Narthex's PromQL parser. A rule's errors are
 * named {@code group "<g>", rule <n>, "<alert or record>": <what>}, {@code n} counting from 1 as Prometheus does.
 * The labels and annotations of alerting rules must parse as Go templates, checked with the shared template engine
 * as Prometheus's {@code testTemplateParsing} does ({@code label "<name>": template: __alert_<alert>:1: ...}).
 */
public final class RuleValidator {
  private RuleValidator() {}

  /** The errors of one group, in order; empty when the group is valid. */
  public static List<String> validate(RuleGroup group) {
    List<String> errors = new ArrayList<>();
    String groupName = group.name() == null ? "" : group.name();
    if (groupName.isEmpty()) {
      errors.add("Groupname must not be empty");
    }
    checkDuration(groupName, "interval", group.interval(), errors);
    checkDuration(groupName, "query_offset", group.queryOffset(), errors);
    checkDuration(groupName, "evaluation_delay", group.evaluationDelay(), errors);
    if (group.limit() != null && group.limit() < 0) {
      errors.add("group \"" + groupName + "\": limit must not be negative: " + group.limit());
    }
    forEachLabel(group.labels(), (name, value) -> {
      if (!Labels.isValidLabelName(name) || name.equals("__name__")) {
        errors.add("group \"" + groupName + "\": invalid label name: " + name);
      }
    });
    List<Rule> rules = group.rulesOrEmpty();
    for (int i = 0; i < rules.size(); i++) {
      // A null entry ("- " alone) is an empty rule, as Go's YAML decoder makes it.
      Rule rule = rules.get(i) == null ? new Rule(null, null, null, null, null, null, null) : rules.get(i);
      String prefix = "group \"" + groupName + "\", rule " + (i + 1) + ", \"" + rule.name() + "\": ";
      for (String error : validate(rule)) {
        errors.add(prefix + error);
      }
    }
    return errors;
  }

  /** The errors of a rule file's groups, and of group names repeated in it; empty when the file is valid. */
  public static List<String> validateFile(List<RuleGroup> groups) {
    List<String> errors = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (RuleGroup group : groups) {
      if (group == null) {
        errors.add("Groupname must not be empty");
        continue;
      }
      if (group.name() != null && !group.name().isEmpty() && !names.add(group.name())) {
        errors.add("groupname: \"" + group.name() + "\" is repeated in the same file");
      }
      errors.addAll(validate(group));
    }
    return errors;
  }

  private static List<String> validate(Rule rule) {
    List<String> errors = new ArrayList<>();
    boolean recording = !isEmpty(rule.record());
    boolean alerting = !isEmpty(rule.alert());
    if (recording && alerting) {
      errors.add("only one of 'record' and 'alert' must be set");
    } else if (!recording && !alerting) {
      errors.add("one of 'record' or 'alert' must be set");
    }
    if (isEmpty(rule.expr())) {
      errors.add("field 'expr' must be set in rule");
    } else {
      try {
        Parser.parse(rule.expr());
      } catch (PromQLException e) {
        errors.add("could not parse expression: " + e.getMessage());
      }
    }
    long forMs = durationMs("for", rule.forDuration(), errors);
    long keepFiringForMs = durationMs("keep_firing_for", rule.keepFiringFor(), errors);
    if (recording) {
      if (rule.annotations() != null && !rule.annotations().isEmpty()) {
        errors.add("invalid field 'annotations' in recording rule");
      }
      if (forMs != 0) {
        errors.add("invalid field 'for' in recording rule");
      }
      if (keepFiringForMs != 0) {
        errors.add("invalid field 'keep_firing_for' in recording rule");
      }
      if (!Labels.isValidMetricName(rule.record())) {
        errors.add("invalid recording rule name: " + rule.record());
      }
    }
    forEachLabel(rule.labels(), (name, value) -> {
      if (!Labels.isValidLabelName(name) || name.equals("__name__")) {
        errors.add("invalid label name: " + name);
      }
    });
    forEachLabel(rule.annotations(), (name, value) -> {
      if (!Labels.isValidLabelName(name)) {
        errors.add("invalid annotation name: " + name);
      }
    });
    if (!isEmpty(rule.alert())) {
      checkTemplates("label", rule.alert(), rule.labels(), errors);
      checkTemplates("annotation", rule.alert(), rule.annotations(), errors);
    }
    return errors;
  }

  /** Each value of {@code texts} must parse as a template; sorted by name, where Prometheus's map order is random. */
  private static void checkTemplates(String kind, String alert, Map<String, String> texts, List<String> errors) {
    if (texts == null) {
      return;
    }
    new java.util.TreeMap<>(texts).forEach((name, text) -> {
      try {
        PrometheusTemplates.checkSyntax("__alert_" + alert, text == null ? "" : text);
      } catch (TemplateException e) {
        errors.add(kind + " \"" + name + "\": " + e.getMessage());
      }
    });
  }

  /** The duration in milliseconds, 0 when absent; a bad one is reported and counts as 0. */
  private static long durationMs(String field, String value, List<String> errors) {
    if (isEmpty(value)) {
      return 0;
    }
    try {
      return Durations.parseMs(value);
    } catch (IllegalArgumentException e) {
      errors.add(field + ": " + e.getMessage());
      return 0;
    }
  }

  private static void checkDuration(String groupName, String field, String value, List<String> errors) {
    List<String> bad = new ArrayList<>();
    durationMs(field, value, bad);
    for (String error : bad) {
      errors.add("group \"" + groupName + "\": " + error);
    }
  }

  private static void forEachLabel(Map<String, String> labels, BiConsumer<String, String> check) {
    if (labels != null) {
      labels.forEach(check);
    }
  }

  private static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }
}
