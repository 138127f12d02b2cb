package io.narthex.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differential test against promtool 2.42 over random templates (a fixed seed, so a failure replays): strings of
 * template tokens, most of which do not parse, and well-formed statements over nested function calls, most of which
 * fail as they run. {@code promtool check rules} and {@link PrometheusTemplates#checkSyntax} must reject the same
 * ones with the same message, and those both accept must expand to the same text (or the same error) under
 * {@code promtool test rules}.
 */
class RandomTemplatesOracleTest {
  private static final int TEMPLATES = 300;

  private static final String[] ACTION_TOKENS = {
    "if", "else", "end", "range", "with", "define", "template", "block", "break", "continue", "$x", "$", ":=", "=",
    ".", ".Labels", ".Value", "$labels.job", "$labels.nope", "$value", "|", "(", ")", "\"s\"", "`r`", "'c'", "1",
    "1.5", "-2", "0x10", "true", "nil", "printf \"%v-%d\"", "len", "humanize", "humanizeDuration", "index", "not",
    "and", "or", "eq", "lt", "print", "toUpper", "title", "foo", ",", "$i, $v :=", "/* c */", "\"a\\nb\"", "1e3",
    "$x :=", "$x =", "slice", "html", "urlquery", "js", "\"%5.2f\"", "reReplaceAll \"a\" \"b\"", "\"x\" \"y\"",
  };

  private static final String[] LEAVES = {"$value", "$labels.job", "$labels.nope", ".Value", ".Labels", "1", "2.5",
    "-3", "\"s\"", "\"api\"", "true", "0", "\"\"", "$labels", "(first (query \"m\"))", "1e6", "0.001", "\"12.5\"",
    "nil", "'x'", "(value (first (query \"m\")))", "$externalURL", "$externalLabels", ".ExternalURL", "$", "(args)",
    "\"host-1.a.b:9090\"", "\"[::1]:80\"", "\"1h30m\"", "-0.0", "1e-320", "\"\\u00e9\\t\"", "`raw`", "0x1F"};
  private static final String[] UNARY = {"printf \"%v\"", "len", "humanize", "not", "toUpper", "html", "js",
    "urlquery", "title", "humanizeDuration", "humanizePercentage", "humanize1024", "printf \"%.2f\"",
    "printf \"%d\"", "printf \"%5.1f|%s\"", "printf \"%q\"", "print", "first", "value", "reReplaceAll \"a\" \"b\"",
    "match \"a\"", "index $labels", "slice", "println", "printf \"%x %X %o\"", "printf \"%e %g\"",
    "humanizeTimestamp", "stripPort", "printf \"%.3x|%X|%x\"", "stripDomain", "graphLink", "tableLink", "safeHtml",
    "parseDuration", "strvalue", "args", "match \"(\"", "reReplaceAll \"(a)|(b)\" \"$2${1}x$$\"",
    "printf \"%08.3f|%+d|%-6s|\"", "printf \"%[2]v %[1]v\" 1", "toLower", "printf \"%T\"", "printf \"%c|%U\""};
  private static final String[] BINARY = {"eq", "ne", "lt", "le", "gt", "ge", "and", "or", "print", "index",
    "printf \"%v %v\"", "slice", "label", "args", "printf \"%s=%s\"", "match", "reReplaceAll \"a\""};
  /** What ranges iterate over: no integers, which Go 1.22 (Prometheus 3) ranges over and promtool 2.42 cannot. */
  private static final String[] RANGED = {"$labels", "(query \"m\")", "$labels.nope", "\"s\"", ".Value", "2.5",
    "(args 1 \"a\")", "(query \"none\")", "nil", ".Labels.job", "(printf \"%d\" 1)"};

  private static String operand(Random random, int depth) {
    if (depth <= 0 || random.nextInt(3) == 0) {
      return LEAVES[random.nextInt(LEAVES.length)];
    }
    return switch (random.nextInt(3)) {
      case 0 -> "(" + UNARY[random.nextInt(UNARY.length)] + " " + operand(random, depth - 1) + ")";
      case 1 -> "(" + BINARY[random.nextInt(BINARY.length)] + " " + operand(random, depth - 1) + " "
          + operand(random, depth - 1) + ")";
      default -> "(" + operand(random, depth - 1) + " | " + UNARY[random.nextInt(UNARY.length)] + ")";
    };
  }

  private static String pipeline(Random random) {
    String operand = operand(random, 3);
    return operand.startsWith("(") ? operand.substring(1, operand.length() - 1) : operand;
  }

  private static String statement(Random random, int depth) {
    if (depth <= 0) {
      return "{{ " + pipeline(random) + " }}";
    }
    return switch (random.nextInt(11)) {
      case 7 -> "{{ define \"d" + depth + "\" }}<{{ " + pipeline(random) + " }}>{{ end }}{{ template \"d" + depth + "\" "
          + pipeline(random) + " }}";
      case 8 -> "{{ range $i, $e := $labels }}{{ if eq $e \"api\" }}{{ break }}{{ end }}{{ if eq $i \"__name__\" }}"
          + "{{ continue }}{{ end }}" + statement(random, depth - 1) + "{{ end }}";
      case 9 -> "{{ block \"b" + depth + "\" " + pipeline(random) + " }}[{{ . }}]{{ end }}";
      case 10 -> "{{ $y := 1 }}{{ with " + pipeline(random) + " }}{{ $y = . }}{{ end }}{{ $y }}{{- \" \" -}} x";
      case 0 -> "{{ if " + pipeline(random) + " }}" + statement(random, depth - 1) + "{{ else }}"
          + statement(random, depth - 1) + "{{ end }}";
      case 1 -> "{{ with " + pipeline(random) + " }}{{ . }}{{ end }}";
      case 2 -> "{{ range $k, $v := " + RANGED[random.nextInt(RANGED.length)]
          + " }}{{ $k }}={{ $v }};{{ else }}none{{ end }}";
      case 3 -> "{{ $x := " + pipeline(random) + " }}[{{ $x }}]";
      case 4 -> "a " + statement(random, depth - 1) + " b";
      default -> "{{ " + pipeline(random) + " }}";
    };
  }

  /**
   * A template that parses (unless it defines a name twice): statements over nested calls of builtins and
   * Prometheus functions, most of them ill-typed.
   */
  private static String structuredTemplate(Random random) {
    return statement(random, 2) + (random.nextBoolean() ? statement(random, 2) : "");
  }

  @BeforeAll
  static void needsPromtool() {
    Promtool.assumeInstalled();
  }

  /** A template of text and 1 to 4 actions, each of 0 to 5 random tokens, sometimes with trim markers. */
  private static String randomTemplate(Random random) {
    StringBuilder out = new StringBuilder();
    int actions = 1 + random.nextInt(4);
    for (int a = 0; a < actions; a++) {
      out.append(random.nextInt(3) == 0 ? " x " : "");
      out.append(random.nextInt(5) == 0 ? "{{- " : "{{ ");
      int tokens = random.nextInt(6);
      for (int t = 0; t < tokens; t++) {
        out.append(ACTION_TOKENS[random.nextInt(ACTION_TOKENS.length)]);
        out.append(random.nextInt(6) == 0 ? "" : " ");
      }
      int close = random.nextInt(12);
      out.append(close == 0 ? "" : close == 1 ? " -}}" : close == 2 ? "}" : "}}");
    }
    return out.toString();
  }

  @Test
  void randomTemplatesParseAndExpandAsPromtool(@TempDir Path dir) throws Exception {
    Random random = new Random(20261206L);
    List<String> templates = new ArrayList<>();
    for (int i = 0; i < TEMPLATES; i++) {
      templates.add(randomTemplate(random));
    }
    for (int i = 0; i < TEMPLATES; i++) {
      templates.add(structuredTemplate(random));
    }

    StringBuilder rules = new StringBuilder("groups:\n- name: g\n  rules:\n");
    for (int i = 0; i < templates.size(); i++) {
      rules.append("  - alert: T").append(i).append("\n    expr: vector(1)\n    annotations:\n      a: ")
          .append(Promtool.yaml(templates.get(i))).append('\n');
    }
    Files.writeString(dir.resolve("check.yml"), rules);
    String checked = Promtool.run(dir, "check", "rules", "check.yml").output();
    Map<String, String> promtoolErrors = new TreeMap<>();
    Matcher m = Pattern.compile("rule \\d+, \"(T\\d+)\": annotation \"a\": (.*)").matcher(checked);
    while (m.find()) {
      promtoolErrors.put(m.group(1), m.group(2));
    }
    Map<String, String> ours = new TreeMap<>();
    List<Integer> accepted = new ArrayList<>();
    for (int i = 0; i < templates.size(); i++) {
      try {
        PrometheusTemplates.checkSyntax("__alert_T" + i, templates.get(i));
        accepted.add(i);
      } catch (TemplateException e) {
        ours.put("T" + i, e.getMessage());
      }
    }
    Map<String, String> differences = new LinkedHashMap<>();
    for (int i = 0; i < templates.size(); i++) {
      String key = "T" + i;
      if (!String.valueOf(ours.get(key)).equals(String.valueOf(promtoolErrors.get(key)))) {
        differences.put(templates.get(i), "ours: " + ours.get(key) + "\npromtool: " + promtoolErrors.get(key));
      }
    }
    assertThat(differences).as("templates whose check differs").isEmpty();
    assertThat(accepted).as("accepted templates").hasSizeGreaterThan(TEMPLATES * 8 / 10);

    // Expand the accepted ones in one alert whose value and labels promtool also sees.
    StringBuilder expandRules = new StringBuilder("groups:\n- name: g\n  rules:\n  - alert: R\n    expr: m\n"
        + "    annotations:\n");
    StringBuilder expected = new StringBuilder();
    for (int i : accepted) {
      String key = String.format("a%04d", i);
      expandRules.append("      ").append(key).append(": ").append(Promtool.yaml(templates.get(i))).append('\n');
      String value;
      try {
        value = PrometheusTemplates.expand("__alert_R", templates.get(i), Map.of("__name__", "m", "job", "api"),
            2.5, Map.of(), "", 60_000, (expr, ts) -> expr.equals("m")
                ? List.of(new Sample(Map.of("__name__", "m", "job", "api"), 2.5)) : List.of());
      } catch (TemplateException e) {
        value = "<error expanding template: " + e.getMessage() + ">";
      }
      expected.append("        ").append(key).append(": ").append(Promtool.yaml(value)).append('\n');
    }
    Files.writeString(dir.resolve("rules.yml"), expandRules);
    Files.writeString(dir.resolve("test.yml"), "rule_files: [rules.yml]\nevaluation_interval: 1m\ntests:\n"
        + "- interval: 1m\n  input_series:\n  - series: 'm{job=\"api\"}'\n    values: '2.5+0x5'\n"
        + "  alert_rule_test:\n  - eval_time: 1m\n    alertname: R\n    exp_alerts:\n    - exp_labels:\n"
        + "        job: api\n      exp_annotations:\n" + expected);
    String tested = Promtool.run(dir, "test", "rules", "test.yml").output();
    assertThat(tested).as("promtool test rules over the accepted templates (exp: ours, got: promtool's)")
        .contains("SUCCESS");
  }
}
