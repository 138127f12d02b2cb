package io.narthex.alertmanager.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.narthex.template.AlertmanagerTemplates.Alert;
import io.narthex.template.AlertmanagerTemplates.Data;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/** JSON bodies as Go's encoding/json writes Alertmanager's structs. */
final class Payloads {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss")
      .withZone(ZoneOffset.UTC);

  private Payloads() {}

  /** Go's {@code time.Time} in JSON: RFC 3339 with the fraction's trailing zeros dropped, in UTC. */
  static String goTime(Instant t) {
    StringBuilder out = new StringBuilder(SECONDS.format(t));
    int nanos = t.getNano();
    if (nanos != 0) {
      String fraction = String.format("%09d", nanos);
      int end = fraction.length();
      while (fraction.charAt(end - 1) == '0') {
        end--;
      }
      out.append('.').append(fraction, 0, end);
    }
    return out.append('Z').toString();
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
      return JSON.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
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
