package io.narthex.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.template.AlertmanagerTemplates.Alert;
import io.narthex.template.AlertmanagerTemplates.Alerts;
import io.narthex.template.AlertmanagerTemplates.Data;
import io.narthex.template.AlertmanagerTemplates.KV;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The functions later Alertmanager releases added ({@code date}, {@code tz}, {@code since}, {@code humanizeDuration},
 * {@code toJson}). Debian's amtool 0.25 has none of them, so it is the oracle for what they are built from: Go's
 * {@code Time.Format} (which {@code date} calls) over times read from a data file, in UTC and at a fixed offset.
 */
class AlertmanagerLaterFunctionsTest {
  private static final Path AMTOOL = Path.of("/usr/bin/amtool");
  private static final Instant STARTS_AT = Instant.parse("2026-07-02T03:04:05.123456789Z");
  private static final Instant NOW = Instant.parse("2026-07-02T04:06:08.623456789Z");
  private static final FunctionMap FUNCTIONS = AlertmanagerTemplates.functions()
      .withAll(AlertmanagerTemplates.laterFunctions(Clock.fixed(NOW, ZoneOffset.UTC)));

  /** The same alert as amtool reads it from {@link #DATA_JSON}: EndsAt is StartsAt at +05:30. */
  private static final Data DATA = new Data("r", "firing", new Alerts(List.of(new Alert("firing",
      new KV(Map.of("alertname", "Disk", "host", "<a&b>")), new KV(Map.of()), new GoTime(STARTS_AT),
      new GoTime(Instant.parse("0001-01-01T00:00:00Z")), "http://x/graph?g0.expr=up", "b815b7769adcd53a"))),
      new KV(Map.of()), new KV(Map.of("alertname", "Disk")), new KV(Map.of()), "http://am");
  private static final String DATA_JSON = """
      {"receiver":"r","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"Disk"},
      "annotations":{},"startsAt":"2026-07-02T03:04:05.123456789Z","endsAt":"2026-07-02T08:34:05.123456789+05:30",
      "generatorURL":"","fingerprint":"f"}],"groupLabels":{},"commonLabels":{},"commonAnnotations":{},
      "externalURL":""}
      """;

  /** Layouts covering every element of Go's reference time but the zone name, '|'-separated. */
  private static final String LAYOUTS = String.join("|", "2006-01-02T15:04:05.999999999Z07:00",
      "Mon Jan _2 15:04:05 2006", "Monday, 02-Jan-06 15:04:05", "3:04PM", "03:04:05.000 pm",
      "2006-01-02 15:04:05.000000 -0700", "-07:00:00 Z07:00:00 Z0700 Z07:00 Z07 -07:00 -07", "January 2, 2006",
      "002 __2 .999 ,000 .9 .99999", "1 2 3 4 5 06 _2 15 PM", "Jan 02 _2006");

  private static String render(String text) throws TemplateException {
    return Template.parse("", text, FUNCTIONS, AlertmanagerTemplates.OPTIONS).execute(DATA);
  }

  @Test
  void dateFormatsAsGosTimeFormatInUtcAndTzAsAtAFixedOffset(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(AMTOOL), "skipped: " + AMTOOL + " (Alertmanager's amtool) is absent");
    StringBuilder ours = new StringBuilder();
    StringBuilder amtools = new StringBuilder();
    for (String layout : LAYOUTS.split("\\|")) {
      ours.append("{{ date \"").append(layout).append("\" (index .Alerts 0).StartsAt }}|")
          .append("{{ (index .Alerts 0).StartsAt | tz \"Asia/Kolkata\" | date \"").append(layout).append("\" }}\n");
      amtools.append("{{ (index .Alerts 0).StartsAt.Format \"").append(layout).append("\" }}|")
          .append("{{ (index .Alerts 0).EndsAt.Format \"").append(layout).append("\" }}\n");
    }
    String expected = amtool(dir, amtools.toString());
    assertThat(render(ours.toString())).isEqualTo(expected);
    // Not vacuous: the zone moved the clock and the offset.
    assertThat(expected).contains("2026-07-02T03:04:05.123456789Z|2026-07-02T08:34:05.123456789+05:30");
  }

  @Test
  void tzNamesTheZoneAsTzdataAbbreviatesIt() throws Exception {
    assertThat(render("{{ (index .Alerts 0).StartsAt | tz \"Europe/Berlin\" }}"))
        .isEqualTo("2026-07-02 05:04:05.123456789 +0200 CEST");
    assertThat(render("{{ date \"MST\" (tz \"Europe/Berlin\" (index .Alerts 0).StartsAt) }}")).isEqualTo("CEST");
    assertThat(render("{{ date \"MST\" (tz \"Asia/Kolkata\" (index .Alerts 0).StartsAt) }}")).isEqualTo("IST");
    // tzdata has no letters for Istanbul or São Paulo: Go prints its numeric abbreviation, not the JDK's TRT or BRT.
    assertThat(render("{{ date \"MST -07\" (tz \"Europe/Istanbul\" (index .Alerts 0).StartsAt) }}"))
        .isEqualTo("+03 +03");
    assertThat(render("{{ date \"MST\" (tz \"America/Sao_Paulo\" (index .Alerts 0).StartsAt) }}")).isEqualTo("-03");
    assertThat(render("{{ (index .Alerts 0).StartsAt | tz \"\" }}|{{ (index .Alerts 0).StartsAt | tz \"UTC\" }}"))
        .isEqualTo("2026-07-02 03:04:05.123456789 +0000 UTC|2026-07-02 03:04:05.123456789 +0000 UTC");
    assertThat(GoZones.abbreviation(java.time.ZoneId.of("Europe/Berlin"), Instant.parse("2026-01-15T00:00:00Z")))
        .isEqualTo("CET");
  }

  @Test
  void tzFailsOnAnUnknownZoneWithGosMessage() {
    assertThatThrownBy(() -> render("{{ tz \"Mars/Olympus\" (index .Alerts 0).StartsAt }}"))
        .isInstanceOf(TemplateException.class).hasMessageContaining("error calling tz: unknown time zone Mars/Olympus");
    assertThatThrownBy(() -> render("{{ tz \"+02:00\" (index .Alerts 0).StartsAt }}"))
        .hasMessageContaining("unknown time zone +02:00");
    assertThatThrownBy(() -> render("{{ tz \"../etc/passwd\" (index .Alerts 0).StartsAt }}"))
        .hasMessageContaining("time: invalid location name");
    assertThatThrownBy(() -> render("{{ date \"2006\" .Receiver }}"))
        .hasMessageContaining("wrong type for value; expected time.Time; got string");
    assertThatThrownBy(() -> render("{{ date \"2006\" \"2026-07-02\" }}"))
        .hasMessageContaining("can't handle \"2026-07-02\" for arg of type time.Time");
  }

  @Test
  void sinceIsTheDurationToNowSaturatingAsGo() throws Exception {
    assertThat(render("{{ since (index .Alerts 0).StartsAt }}")).isEqualTo("1h2m3.5s");
    // EndsAt is Go's zero time: year 1 to 2026 overflows int64 nanoseconds, and Go's Sub saturates.
    assertThat(render("{{ since (index .Alerts 0).EndsAt }}")).isEqualTo("2562047h47m16.854775807s");
    assertThat(render("{{ since (index .Alerts 0).StartsAt | humanizeDuration }}")).isEqualTo("1h 2m 3s");
    assertThat(render("{{ with since (index .Alerts 0).StartsAt }}{{ .Minutes }} {{ .Seconds }} {{ .Milliseconds }}"
        + "{{ end }}")).isEqualTo("62.05833333333333 3723.5 3723500");
  }

  @Test
  void humanizeDurationIsPrometheusCommons() throws Exception {
    assertThat(render("{{ humanizeDuration 899.99 }}|{{ humanizeDuration \"90\" }}|{{ humanizeDuration 0.0012 }}"
        + "|{{ humanizeDuration 93784 }}")).isEqualTo("14m 59s|1m 30s|1.2ms|1d 2h 3m 4s");
    assertThatThrownBy(() -> render("{{ humanizeDuration \"soon\" }}")).isInstanceOf(TemplateException.class)
        .hasMessageContaining("error calling humanizeDuration");
  }

  @Test
  void toJsonIsGosJsonMarshal() throws Exception {
    // The alert as Alertmanager 0.25's webhook wrote it (json.Marshal of template.Alert), labels aside.
    assertThat(render("{{ toJson (index .Alerts 0) }}")).isEqualTo("{\"status\":\"firing\","
        + "\"labels\":{\"alertname\":\"Disk\",\"host\":\"\\u003ca\\u0026b\\u003e\"},\"annotations\":{},"
        + "\"startsAt\":\"2026-07-02T03:04:05.123456789Z\",\"endsAt\":\"0001-01-01T00:00:00Z\","
        + "\"generatorURL\":\"http://x/graph?g0.expr=up\",\"fingerprint\":\"b815b7769adcd53a\"}");
    assertThat(render("{{ toJson .CommonLabels.SortedPairs }}"))
        .isEqualTo("[{\"Name\":\"alertname\",\"Value\":\"Disk\"}]");
    assertThat(render("{{ toJson .GroupLabels }}|{{ toJson .Alerts.Resolved }}|{{ toJson (stringSlice \"a\\tb\") }}"))
        .isEqualTo("{}|[]|[\"a\\tb\"]");
    assertThat(render("{{ toJson 0.5 }}|{{ toJson 1e21 }}|{{ toJson 1e-7 }}|{{ toJson 3 }}|{{ toJson true }}"
        + "|{{ toJson nil }}|{{ toJson (since (index .Alerts 0).StartsAt) }}"))
        .isEqualTo("0.5|1e+21|1e-7|3|true|null|3723500000000");
    assertThat(render("{{ toJson \"\\u2028\\x01é\" }}")).isEqualTo("\"\\u2028\\u0001é\"");
  }

  private static String amtool(Path dir, String text) throws Exception {
    Path glob = dir.resolve("narthex.tmpl");
    Files.writeString(glob, "{{ define \"narthex\" }}{{ end }}");
    Path data = dir.resolve("data.json");
    Files.writeString(data, DATA_JSON.replace("\n", ""));
    Process process = new ProcessBuilder(AMTOOL.toString(), "template", "render", "--template.glob=" + glob,
        "--template.data=" + data, "--template.text=" + text).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("amtool finished").isTrue();
    return output;
  }
}
