package io.narthex.template;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.template.AlertmanagerTemplates.Alert;
import io.narthex.template.AlertmanagerTemplates.Alerts;
import io.narthex.template.AlertmanagerTemplates.Data;
import io.narthex.template.AlertmanagerTemplates.KV;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Alertmanager (Debian's amtool 0.25, {@code amtool template render}) as the oracle for notification
 * templates: it renders texts over its built-in example data, which {@link #EXAMPLE} rebuilds (but for the times,
 * which amtool takes from its clock, so no text here prints them).
 */
class AmtoolOracleTest {
  private static final Path AMTOOL = Path.of("/usr/bin/amtool");
  private static final Instant SOME_TIME = Instant.parse("2026-01-02T03:04:05Z");

  /** amtool 0.25's example data (cli/template_render.go). */
  private static final Data EXAMPLE = new Data("receiver", "alertstatus", new Alerts(List.of(
      new Alert("alertstatus", new KV(Map.of("commonlabelkey1", "commonlabelvalue1", "commonlabelkey2",
          "commonlabelvalue2", "instance", "foo.bar:1234", "label1", "value1", "label2", "value2")),
          new KV(Map.of("annotation1", "value1", "annotation2", "value2", "commonannotationkey1",
              "commonannotationvalue1", "commonannotationkey2", "commonannotationvalue2")),
          new GoTime(SOME_TIME), new GoTime(SOME_TIME), "https://generatorurl.com", "fingerprint1"),
      new Alert("alertstatus", new KV(Map.of("baz", "qux", "commonlabelkey1", "commonlabelvalue1",
          "commonlabelkey2", "commonlabelvalue2", "foo", "bar")),
          new KV(Map.of("aaa", "bbb", "ccc", "ddd", "commonannotationkey1", "commonannotationvalue1",
              "commonannotationkey2", "commonannotationvalue2")),
          new GoTime(SOME_TIME), new GoTime(SOME_TIME), "https://generatorurl.com", "fingerprint2"))),
      new KV(Map.of("grouplabelkey1", "grouplabelvalue1", "grouplabelkey2", "grouplabelvalue2")),
      new KV(Map.of("commonlabelkey1", "commonlabelvalue1", "commonlabelkey2", "commonlabelvalue2")),
      new KV(Map.of("commonannotationkey1", "commonannotationvalue1", "commonannotationkey2",
          "commonannotationvalue2")),
      "https://example.com");

  /** Notification template texts, one a line. */
  private static final String TEXTS = """
      {{ .Receiver }} {{ .Status }} {{ .ExternalURL }} {{ len .Alerts }} {{ len .Alerts.Firing }} {{ .Alerts.Resolved }}
      {{ range .Alerts }}{{ .Fingerprint }} {{ .Labels.SortedPairs }} | {{ .Annotations.Names }} {{ .Labels.Values }} {{ .GeneratorURL }};{{ end }}
      {{ .CommonLabels }} / {{ .GroupLabels.SortedPairs.Names }} / {{ (.CommonLabels.Remove (stringSlice "commonlabelkey1")).Names }} / {{ .CommonLabels.Remove (stringSlice) }}
      {{ join ", " (stringSlice "a" "b") }} {{ join "-" .CommonLabels.Values }} {{ toUpper "abc" }} {{ toLower "ÀBC" }} {{ match "^foo" "foobar" }} {{ reReplaceAll "(\\\\w+)" "<$1>" "a b" }} {{ safeHtml "<b>" }}
      {{ title "hello wORLD o'neil foo_bar 3rd x-y é ñu a.b c: d" }}
      {{ range .CommonAnnotations.SortedPairs }}{{ .Name }}={{ .Value }},{{ end }} {{ index .CommonLabels "commonlabelkey1" }} [{{ .CommonLabels.missing }}] {{ .CommonAnnotations.SortedPairs.Values }}
      {{ define "x" }}[{{ .Receiver }}]{{ end }}{{ template "x" . }}{{ printf "%v|%d|%s" .GroupLabels (len .Alerts) (index .Alerts 0).Labels.SortedPairs }}
      {{ range $i, $a := .Alerts }}{{ $i }}:[{{ $a.Labels.alertname }}]{{ $a.Status }} {{ end }}{{ with .Alerts.Firing }}firing{{ else }}none firing{{ end }}
      {{ (index .Alerts 1).Labels }} {{ printf "%q" (index .Alerts 0).Annotations.Names }}
      """;

  @BeforeAll
  static void needsAmtool() {
    Assumptions.assumeTrue(Files.isExecutable(AMTOOL), "skipped: " + AMTOOL + " (Alertmanager's amtool) is absent");
  }

  @Test
  void rendersNotificationTemplatesExactlyAsAmtool(@TempDir Path dir) throws Exception {
    Path glob = dir.resolve("narthex.tmpl");
    Files.writeString(glob, "{{ define \"narthex\" }}{{ end }}");
    for (String text : TEXTS.lines().toList()) {
      String ours = Template.parse("", text, AlertmanagerTemplates.functions(), AlertmanagerTemplates.OPTIONS)
          .execute(EXAMPLE);
      assertThat(ours).as(text).isEqualTo(amtool(glob, text));
    }
  }

  @Test
  void templateFilesShareTheirDefinitionsAndErrorsNameTheFile(@TempDir Path dir) throws Exception {
    Map<String, String> files = new java.util.TreeMap<>(Map.of(
        "a.tmpl", "{{ define \"x\" }}X[{{ .Receiver }}]\n{{ .Receiver.y }}{{ end }}\n{{ define \"z\" }}Z{{ end }}",
        "b.tmpl", "{{ define \"y\" }}Y{{ template \"z\" . }}{{ end }}{{ define \"z\" }}Z2{{ end }}"
            + "{{ define \"w\" }}{{ template \"x\" . }}{{ end }}"));
    Template set = null;
    for (Map.Entry<String, String> file : files.entrySet()) {
      Files.writeString(dir.resolve(file.getKey()), file.getValue());
      set = set == null
          ? Template.parse(file.getKey(), file.getValue(), AlertmanagerTemplates.functions(), AlertmanagerTemplates.OPTIONS)
          : set.withText(file.getKey(), file.getValue());
    }
    String glob = dir.resolve("*.tmpl").toString();
    String text = "{{ template \"y\" . }}|{{ template \"z\" . }}";
    assertThat(set.withText("", text).execute(EXAMPLE)).isEqualTo(amtool(glob, text));
    String failing = "a\n{{ template \"w\" . }}";
    try {
      set.withText("", failing).execute(EXAMPLE);
      throw new AssertionError("expected an execution error");
    } catch (TemplateException e) {
      assertThat("amtool: error: " + e.getMessage()).isEqualTo(amtool(glob, failing).strip());
    }
  }

  /** Texts that fail to parse or to run, one a line. */
  private static final String FAILING = """
      {{ trimSpace " a " }}
      {{ index .CommonLabels .Alerts.Resolved }}
      {{ eq .Alerts.Resolved .GroupLabels.Names }}
      {{ eq .CommonLabels .Alerts.Firing }}
      {{ range .CommonLabels.SortedPairs }}{{ .Name }}{{ end }}{{ range .Receiver }}{{ end }}
      {{ join "," .CommonLabels }}
      {{ (index .Alerts 0).StartsAt.Nope }}
      {{ .Alerts.Firing.Nope }}
      """;

  @Test
  void failsAsAmtoolDoes(@TempDir Path dir) throws Exception {
    Path glob = dir.resolve("narthex.tmpl");
    Files.writeString(glob, "{{ define \"narthex\" }}{{ end }}");
    for (String text : FAILING.lines().toList()) {
      String ours;
      try {
        ours = Template.parse("", text, AlertmanagerTemplates.functions(), AlertmanagerTemplates.OPTIONS)
            .execute(EXAMPLE);
      } catch (TemplateException e) {
        ours = "amtool: error: " + e.getMessage();
      }
      assertThat(ours).as(text).startsWith("amtool: error: ").isEqualTo(amtool(glob, text).strip());
    }
  }

  private static String amtool(Path glob, String text) throws Exception {
    return amtool(glob.toString(), text);
  }

  private static String amtool(String glob, String text) throws Exception {
    Process process = new ProcessBuilder(AMTOOL.toString(), "template", "render", "--template.glob=" + glob,
        "--template.text=" + text).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("amtool finished").isTrue();
    return output;
  }
}
