package io.narthex.alertmanager.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.narthex.template.AlertmanagerTemplates.Data;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code pagerduty_configs}, as Alertmanager 0.25's notify/pagerduty: with {@code routing_key}, an Events API v2
 * event ({@code event_action} trigger or resolve, {@code dedup_key}, a payload with summary, source, severity,
 * class, component, group and the rendered {@code details} as {@code custom_details}, images and links) posted to
 * {@code url}, else {@code global.pagerduty_url}; with {@code service_key}, a v1 event ({@code event_type},
 * {@code incident_key}, description, details, client and client URL on trigger) posted to the v1 endpoint (or to
 * {@code url} when the integration sets one, which Alertmanager ignores for v1). The dedup and incident key is the
 * hex SHA-256 of the group key ({@code notify.Key.Hash}). Details default to Alertmanager's four (firing, resolved,
 * num_firing, num_resolved), merged under the configured ones. 429 (v2) and 403 (v1) are retried besides 5xx.
 */
final class PagerDutyNotifier implements Notifier {
  static final String DEFAULT_V2_URL = "https://events.pagerduty.com/v2/enqueue";
  static final String V1_URL = "https://events.pagerduty.com/generic/2010-04-15/create_event.json";
  private static final int MAX_DESCRIPTION_RUNES = 1024;
  /** Events API v2's largest event; past it the details are replaced, as Alertmanager does. */
  private static final int MAX_EVENT_BYTES = 512_000;
  private static final Map<String, String> DEFAULT_DETAILS = Map.of(
      "firing", "{{ template \"pagerduty.default.instances\" .Alerts.Firing }}",
      "resolved", "{{ template \"pagerduty.default.instances\" .Alerts.Resolved }}",
      "num_firing", "{{ .Alerts.Firing | len }}",
      "num_resolved", "{{ .Alerts.Resolved | len }}");

  private final JsonNode config;
  private final boolean v1;
  private final String url;
  private final HttpTransport http;

  PagerDutyNotifier(JsonNode config, JsonNode global, HttpTransport http) {
    this.config = config;
    this.v1 = Fields.text(config, "routing_key", "").isEmpty() && !Fields.text(config, "service_key", "").isEmpty();
    String configured = Fields.text(config, "url", "");
    this.url = v1 ? (configured.isEmpty() ? V1_URL : configured)
        : (configured.isEmpty() ? Fields.text(global, "pagerduty_url", DEFAULT_V2_URL) : configured);
    this.http = http;
  }

  /** {@code notify.Key.Hash}: the hex SHA-256 of the group key. */
  static String hash(String groupKey) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(groupKey.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private String render(Message m, Data data, String name, String defaultText) throws NotifyException {
    return m.render(name, Fields.text(config, name, defaultText), data);
  }

  private ObjectNode details(Message m, Data data) throws NotifyException {
    Map<String, String> texts = new LinkedHashMap<>(DEFAULT_DETAILS);
    JsonNode configured = config.get("details");
    if (configured != null && configured.isObject()) {
      configured.fields().forEachRemaining(e -> texts.put(e.getKey(), e.getValue().asText()));
    }
    ObjectNode out = Payloads.JSON.createObjectNode();
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(texts).entrySet()) {
      out.put(e.getKey(), m.render("details." + e.getKey(), e.getValue(), data));
    }
    return out;
  }

  @Override
  public void send(Message m, Duration timeout) throws NotifyException {
    Data data = m.data();
    boolean trigger = m.firing();
    String key = hash(m.groupKey());
    ObjectNode details = details(m, data);
    String description = Payloads.truncate(render(m, data, "description",
        "{{ template \"pagerduty.default.description\" .}}"), MAX_DESCRIPTION_RUNES);
    String client = render(m, data, "client", "{{ template \"pagerduty.default.client\" . }}");
    String clientUrl = render(m, data, "client_url", "{{ template \"pagerduty.default.clientURL\" . }}");
    ObjectNode msg = Payloads.JSON.createObjectNode();
    if (v1) {
      msg.put("service_key", render(m, data, "service_key", ""));
      msg.put("incident_key", key);
      msg.put("event_type", trigger ? "trigger" : "resolve");
      SlackNotifier.putNonEmpty(msg, "description", description);
      // Not omitted in Go's struct: v1 events carry an empty action and a null payload.
      msg.put("event_action", "");
      msg.putNull("payload");
      if (trigger) {
        SlackNotifier.putNonEmpty(msg, "client", client);
        SlackNotifier.putNonEmpty(msg, "client_url", clientUrl);
      }
      msg.set("details", details);
    } else {
      msg.put("routing_key", render(m, data, "routing_key", ""));
      msg.put("dedup_key", key);
      msg.put("event_action", trigger ? "trigger" : "resolve");
      ObjectNode payload = msg.putObject("payload");
      payload.put("summary", description);
      payload.put("source", render(m, data, "source", Fields.text(config, "client",
          "{{ template \"pagerduty.default.client\" . }}")));
      payload.put("severity", render(m, data, "severity", "error"));
      SlackNotifier.putNonEmpty(payload, "class", render(m, data, "class", ""));
      SlackNotifier.putNonEmpty(payload, "component", render(m, data, "component", ""));
      SlackNotifier.putNonEmpty(payload, "group", render(m, data, "group", ""));
      payload.set("custom_details", details);
      SlackNotifier.putNonEmpty(msg, "client", client);
      SlackNotifier.putNonEmpty(msg, "client_url", clientUrl);
      links(m, data, msg, "images", new String[] {"src", "alt", "href"});
      links(m, data, msg, "links", new String[] {"href", "text"});
    }
    byte[] body = Payloads.bytes(msg);
    if (body.length > MAX_EVENT_BYTES) {
      ObjectNode replaced = Payloads.JSON.createObjectNode().put("error", "Custom details have been removed "
          + "because the original event exceeds the maximum size of 512KB");
      if (v1) {
        msg.set("details", replaced);
      } else {
        ((ObjectNode) msg.get("payload")).set("custom_details", replaced);
      }
      body = Payloads.bytes(msg);
    }
    HttpTransport.check(http.postJson(url, body, timeout), v1 ? Set.of(403) : Set.of(429));
  }

  private void links(Message m, Data data, ObjectNode msg, String name, String[] keys) throws NotifyException {
    JsonNode configured = config.get(name);
    if (configured == null || !configured.isArray() || configured.isEmpty()) {
      return;
    }
    ArrayNode out = msg.putArray(name);
    for (JsonNode item : configured) {
      ObjectNode o = out.addObject();
      for (String key : keys) {
        SlackNotifier.putNonEmpty(o, key, m.render(name + "." + key, Fields.text(item, key, ""), data));
      }
    }
  }
}
