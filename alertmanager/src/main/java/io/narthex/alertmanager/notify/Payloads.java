package io.narthex.alertmanager.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.narthex.template.AlertmanagerTemplates.Alert;
import io.narthex.template.AlertmanagerTemplates.Data;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/** JSON bodies as Go's encoding/json writes Alertmanager's structs. */
final class Payloads {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss")
      .withZone(ZoneOffset.UTC);

  private Payloads() {}

  /**
   * Go's {@code time.Time} in JSON: RFC 3339 with the fraction's trailing zeros dropped, in UTC. Written digit by
   * digit: two per alert of every webhook notification, where {@code String.format} cost about 9% of a send's CPU.
   */
  static String goTime(Instant t) {
    LocalDateTime utc = LocalDateTime.ofEpochSecond(t.getEpochSecond(), 0, ZoneOffset.UTC);
    StringBuilder out = new StringBuilder(30);
    if (utc.getYear() < 0 || utc.getYear() > 9999) {
      // Go's encoding/json refuses these years; the formatter writes them with a sign.
      out.append(SECONDS.format(t));
    } else {
      digits(out, utc.getYear(), 4).append('-');
      digits(out, utc.getMonthValue(), 2).append('-');
      digits(out, utc.getDayOfMonth(), 2).append('T');
      digits(out, utc.getHour(), 2).append(':');
      digits(out, utc.getMinute(), 2).append(':');
      digits(out, utc.getSecond(), 2);
    }
    int nanos = t.getNano();
    if (nanos != 0) {
      int width = 9;
      while (nanos % 10 == 0) {
        nanos /= 10;
        width--;
      }
      digits(out.append('.'), nanos, width);
    }
    return out.append('Z').toString();
  }

  /** {@code value} zero-padded to {@code width} digits. */
  private static StringBuilder digits(StringBuilder out, int value, int width) {
    int divisor = 1;
    for (int i = 1; i < width; i++) {
      divisor *= 10;
    }
    for (; divisor > 0; divisor /= 10) {
      out.append((char) ('0' + value / divisor % 10));
    }
    return out;
  }

  /** {@code template.Data} as JSON, the fields of the webhook's message in Go's order. */
  static ObjectNode data(Data data) {
    ObjectNode out = JSON.createObjectNode();
    out.put("receiver", data.receiver());
    out.put("status", data.status());
    var alerts = out.putArray("alerts");
    for (Alert a : data.alerts()) {
      ObjectNode alert = alerts.addObject();
      alert.put("status", a.status());
      alert.set("labels", map(a.labels()));
      alert.set("annotations", map(a.annotations()));
      alert.put("startsAt", goTime(a.startsAt().instant()));
      alert.put("endsAt", goTime(a.endsAt().instant()));
      alert.put("generatorURL", a.generatorURL());
      alert.put("fingerprint", a.fingerprint());
    }
    out.set("groupLabels", map(data.groupLabels()));
    out.set("commonLabels", map(data.commonLabels()));
    out.set("commonAnnotations", map(data.commonAnnotations()));
    out.put("externalURL", data.externalURL());
    return out;
  }

  static ObjectNode map(Map<String, String> values) {
    ObjectNode out = JSON.createObjectNode();
    values.forEach(out::put);
    return out;
  }

  static byte[] bytes(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Alertmanager's {@code notify.Truncate} (0.25): at most {@code n} runes, the last three {@code ...}. */
  static String truncate(String s, int n) {
    int runes = s.codePointCount(0, s.length());
    if (runes <= n) {
      return s;
    }
    if (n <= 3) {
      return s.substring(0, s.offsetByCodePoints(0, n));
    }
    return s.substring(0, s.offsetByCodePoints(0, n - 3)) + "...";
  }
}
