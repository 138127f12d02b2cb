package io.narthex.alertmanager.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.template.AlertmanagerTemplates.Data;
import io.narthex.template.TemplateException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Narthex's default notification templates render what Alertmanager's do: checked against Debian's amtool 0.25
 * ({@code amtool template render}) with Debian's default.tmpl, over amtool's example data; then a tenant's files
 * override them, and Mimir's functions and the output bound work.
 */
class NotificationTemplatesTest {
  private static final Path AMTOOL = Path.of("/usr/bin/amtool");
  private static final Path DEBIAN_DEFAULTS = Path.of("/usr/share/prometheus/alertmanager/default.tmpl");
  private static final Instant T = Instant.parse("2026-01-02T03:04:05Z");

  /** amtool 0.25's example data (cli/template_render.go), as alerts of a flush. */
  private static Data amtoolExample() {
    Alert first = new Alert(new TreeMap<>(Map.of("commonlabelkey1", "commonlabelvalue1", "commonlabelkey2",
        "commonlabelvalue2", "instance", "foo.bar:1234", "label1", "value1", "label2", "value2")),
        Map.of("annotation1", "value1", "annotation2", "value2", "commonannotationkey1", "commonannotationvalue1",
            "commonannotationkey2", "commonannotationvalue2"), T, null, "https://generatorurl.com", T, false);
    Alert second = new Alert(new TreeMap<>(Map.of("baz", "qux", "commonlabelkey1", "commonlabelvalue1",
        "commonlabelkey2", "commonlabelvalue2", "foo", "bar")), Map.of("aaa", "bbb", "ccc", "ddd",
        "commonannotationkey1", "commonannotationvalue1", "commonannotationkey2", "commonannotationvalue2"), T, null,
        "https://generatorurl.com", T, false);
    Data data = TemplateData.of("receiver", Map.of("grouplabelkey1", "grouplabelvalue1", "grouplabelkey2",
        "grouplabelvalue2"), List.of(first, second), T, "https://example.com");
    // amtool's example says "alertstatus" where a flush says firing or resolved, for the group and each alert.
    List<io.narthex.template.AlertmanagerTemplates.Alert> alerts = data.alerts().stream()
        .map(a -> new io.narthex.template.AlertmanagerTemplates.Alert("alertstatus", a.labels(), a.annotations(),
            a.startsAt(), a.endsAt(), a.generatorURL(), "fingerprint"))
        .toList();
    return new Data(data.receiver(), "alertstatus", new io.narthex.template.AlertmanagerTemplates.Alerts(alerts),
        data.groupLabels(), data.commonLabels(), data.commonAnnotations(), data.externalURL());
  }

  @Test
  void defaultTemplatesRenderAsAlertmanagersDefaultTmpl() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(AMTOOL) && Files.isReadable(DEBIAN_DEFAULTS),
        "skipped: Debian's prometheus-alertmanager is not installed");
    NotificationTemplates ours = NotificationTemplates.forTenant("t", Map.of());
    Data example = amtoolExample();
    for (String name : List.of("__alertmanager", "__alertmanagerURL", "__subject", "slack.default.title",
        "slack.default.username", "slack.default.fallback", "slack.default.titlelink", "slack.default.text",
        "slack.default.pretext", "slack.default.footer", "pagerduty.default.description",
        "pagerduty.default.client", "pagerduty.default.clientURL")) {
      String text = "{{ template \"" + name + "\" . }}";
      assertThat(ours.render(text, example)).as(name).isEqualTo(amtool(text));
    }
    for (String list : List.of(".Alerts", ".Alerts.Firing", ".Alerts.Resolved")) {
      for (String name : List.of("__text_alert_list", "pagerduty.default.instances")) {
        String text = "{{ template \"" + name + "\" " + list + " }}";
        assertThat(ours.render(text, example)).as(text).isEqualTo(amtool(text));
      }
    }
  }

  @Test
  void subjectCountsFiringAlertsAndListsTheOtherCommonLabels() throws Exception {
    Alert firing = new Alert(new TreeMap<>(Map.of("alertname", "Down", "job", "api", "env", "prod")), Map.of(), T,
        null, "", T, false);
    Alert resolved = new Alert(new TreeMap<>(Map.of("alertname", "Down", "job", "db", "env", "prod")), Map.of(), T,
        T, "", T, false);
    NotificationTemplates templates = NotificationTemplates.forTenant("t", Map.of());
    Data data = TemplateData.of("team.a", Map.of("alertname", "Down"), List.of(firing, resolved), T.plusSeconds(1),
        "http://am");
    assertThat(templates.render("{{ template \"__subject\" . }}", data)).isEqualTo("[FIRING:1] Down (prod)");
    assertThat(templates.render("{{ template \"__alertmanagerURL\" . }}", data))
        .isEqualTo("http://am/#/alerts?receiver=team%5C.a");
    Data allResolved = TemplateData.of("r", Map.of("alertname", "Down"), List.of(resolved), T.plusSeconds(1), "");
    assertThat(templates.render("{{ template \"__subject\" . }}", allResolved))
        .isEqualTo("[RESOLVED] Down (prod db)");
  }

  @Test
  void tenantFilesOverrideDefaultsAndSeeMimirsFunctions() throws Exception {
    NotificationTemplates templates = NotificationTemplates.forTenant("tenant-7", Map.of(
        "b.tmpl", "{{ define \"slack.default.title\" }}custom {{ tenantID }}{{ end }}",
        "a.tmpl", "{{ define \"q\" }}{{ queryFromGeneratorURL (index .Alerts 0).GeneratorURL }}{{ end }}"));
    Alert alert = new Alert(new TreeMap<>(Map.of("alertname", "x")), Map.of(), T, null,
        "http://prom:9090/graph?g0.expr=rate%28x%5B5m%5D%29+%3E+1&g0.tab=1", T, false);
    Data data = TemplateData.of("r", Map.of(), List.of(alert), T, "");
    assertThat(templates.render("{{ template \"slack.default.title\" . }}", data)).isEqualTo("custom tenant-7");
    assertThat(templates.render("{{ template \"q\" . }}", data)).isEqualTo("rate(x[5m]) > 1");
    assertThat(templates.render("{{ grafanaExploreURL \"https://g\" \"ds\" \"now-1h\" \"now\" \"up\" }}", data))
        .isEqualTo("https://g/explore?left=%7B%22range%22%3A%7B%22from%22%3A%22now-1h%22%2C%22to%22%3A%22now%22%7D"
            + "%2C%22queries%22%3A%5B%7B%22datasource%22%3A%7B%22type%22%3A%22prometheus%22%2C%22uid%22%3A%22ds"
            + "%22%7D%2C%22expr%22%3A%22up%22%2C%22instant%22%3Afalse%2C%22range%22%3Atrue%2C%22refId%22%3A%22A"
            + "%22%7D%5D%7D");
    assertThat(templates.render("plain text", data)).isEqualTo("plain text");
  }

  @Test
  void tenantTemplatesCanCallTheFunctionsOfNewerAlertmanagers() throws Exception {
    NotificationTemplates templates = NotificationTemplates.forTenant("t", Map.of("when.tmpl",
        "{{ define \"when\" }}{{ range .Alerts }}{{ .StartsAt | tz \"Europe/Berlin\" | date \"15:04 MST\" }}"
            + " {{ toJson .Labels }}{{ end }}{{ end }}"));
    Alert alert = new Alert(new TreeMap<>(Map.of("alertname", "x")), Map.of(), T, null, "", T, false);
    Data data = TemplateData.of("r", Map.of(), List.of(alert), T, "");
    assertThat(templates.render("{{ template \"when\" . }}", data)).isEqualTo("04:04 CET {\"alertname\":\"x\"}");
    assertThat(templates.render("{{ humanizeDuration 90 }}", data)).isEqualTo("1m 30s");
    assertThat(templates.render("{{ if gt (since (index .Alerts 0).StartsAt).Seconds 0.0 }}past{{ end }}", data))
        .isEqualTo("past");
  }

  @Test
  void renderedTextIsBounded() throws Exception {
    NotificationTemplates templates = NotificationTemplates.forTenant("t", Map.of("big.tmpl",
        "{{ define \"big\" }}{{ printf \"%600000s\" \"x\" }}{{ printf \"%600000s\" \"y\" }}{{ end }}"));
    Data data = TemplateData.of("r", Map.of(), List.of(), T, "");
    assertThatThrownBy(() -> templates.render("{{ template \"big\" . }}", data))
        .isInstanceOf(TemplateException.class);
    assertThat(templates.render("{{ printf \"%600000s\" \"x\" }}", data)).hasSize(600_000);
  }

  private static String amtool(String text) throws Exception {
    Process process = new ProcessBuilder(AMTOOL.toString(), "template", "render",
        "--template.glob=" + DEBIAN_DEFAULTS, "--template.text=" + text).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return output;
  }
}
