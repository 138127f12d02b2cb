package io.narthex.alertmanager.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.narthex.template.AlertmanagerTemplates.Data;
import java.time.Duration;
import java.util.Set;

/**
 * {@code slack_configs}, as Alertmanager 0.25's notify/slack: an incoming-webhook message with one attachment (title
 * cut to 1024 runes, title_link, pretext, text, fallback, callback_id, fields, actions, image and thumb URLs, footer,
 * color, mrkdwn_in), every text rendered with the tenant's templates, the defaults those of
 * {@code config.DefaultSlackConfig}. Posted to {@code api_url}, else {@code global.slack_api_url}.
 */
final class SlackNotifier implements Notifier {
  private static final Set<Integer> RETRY_CODES = Set.of(429);
  private static final int MAX_TITLE_RUNES = 1024;

  private final JsonNode config;
  private final String apiUrl;
  private final HttpTransport http;

  SlackNotifier(JsonNode config, JsonNode global, HttpTransport http) {
    this.config = config;
    this.apiUrl = Fields.text(config, "api_url", Fields.text(global, "slack_api_url", ""));
    this.http = http;
  }

  private String field(Message m, Data data, String name, String defaultText) throws NotifyException {
    return m.render(name, Fields.text(config, name, defaultText), data);
  }

  private static String defaultOf(String name) {
    return "{{ template \"slack.default." + name + "\" . }}";
  }

  @Override
  public void send(Message m, Duration timeout) throws NotifyException {
    Data data = m.data();
    ObjectNode attachment = Payloads.JSON.createObjectNode();
    putNonEmpty(attachment, "title", Payloads.truncate(field(m, data, "title", defaultOf("title")), MAX_TITLE_RUNES));
    putNonEmpty(attachment, "title_link", field(m, data, "title_link", defaultOf("titlelink")));
    putNonEmpty(attachment, "pretext", field(m, data, "pretext", defaultOf("pretext")));
    attachment.put("text", field(m, data, "text", defaultOf("text")));
    attachment.put("fallback", field(m, data, "fallback", defaultOf("fallback")));
    attachment.put("callback_id", field(m, data, "callback_id", defaultOf("callbackid")));
    JsonNode fields = config.get("fields");
    if (fields != null && fields.isArray() && !fields.isEmpty()) {
      boolean shortFields = Fields.bool(config.get("short_fields"), false);
      ArrayNode out = attachment.putArray("fields");
      for (JsonNode f : fields) {
        ObjectNode field = out.addObject();
        putNonEmpty(field, "title", m.render("fields.title", Fields.text(f, "title", ""), data));
        putNonEmpty(field, "value", m.render("fields.value", Fields.text(f, "value", ""), data));
        field.put("short", Fields.bool(f.get("short"), shortFields));
      }
    }
    JsonNode actions = config.get("actions");
    if (actions != null && actions.isArray() && !actions.isEmpty()) {
      ArrayNode out = attachment.putArray("actions");
      for (JsonNode a : actions) {
        ObjectNode action = out.addObject();
        for (String name : new String[] {"type", "text", "url", "style", "name", "value"}) {
          putNonEmpty(action, name, m.render("actions." + name, Fields.text(a, name, ""), data));
        }
        JsonNode confirm = a.get("confirm");
        if (confirm != null && confirm.isObject()) {
          ObjectNode c = action.putObject("confirm");
          for (String name : new String[] {"text", "title", "ok_text", "dismiss_text"}) {
            putNonEmpty(c, name, m.render("actions.confirm." + name, Fields.text(confirm, name, ""), data));
          }
        }
      }
    }
    putNonEmpty(attachment, "image_url", field(m, data, "image_url", ""));
    putNonEmpty(attachment, "thumb_url", field(m, data, "thumb_url", ""));
    attachment.put("footer", field(m, data, "footer", defaultOf("footer")));
    putNonEmpty(attachment, "color", field(m, data, "color",
        "{{ if eq .Status \"firing\" }}danger{{ else }}good{{ end }}"));
    ArrayNode mrkdwnIn = attachment.putArray("mrkdwn_in");
    JsonNode configured = config.get("mrkdwn_in");
    if (configured != null && configured.isArray() && !configured.isEmpty()) {
      configured.forEach(v -> mrkdwnIn.add(v.asText()));
    } else {
      mrkdwnIn.add("fallback").add("pretext").add("text");
    }

    ObjectNode request = Payloads.JSON.createObjectNode();
    String channel = field(m, data, "channel", "");
    putNonEmpty(request, "channel", channel);
    putNonEmpty(request, "username", field(m, data, "username", defaultOf("username")));
    putNonEmpty(request, "icon_emoji", field(m, data, "icon_emoji", defaultOf("iconemoji")));
    putNonEmpty(request, "icon_url", field(m, data, "icon_url", defaultOf("iconurl")));
    if (Fields.bool(config.get("link_names"), false)) {
      request.put("link_names", true);
    }
    request.putArray("attachments").add(attachment);
    try {
      HttpTransport.check(http.postJson(apiUrl, Payloads.bytes(request), timeout), RETRY_CODES);
    } catch (NotifyException e) {
      throw new NotifyException("channel \"" + channel + "\": " + e.getMessage(), e.retry(), e.reason());
    }
  }

  /** Go's {@code omitempty} for a string. */
  static void putNonEmpty(ObjectNode node, String name, String value) {
    if (!value.isEmpty()) {
      node.put(name, value);
    }
  }
}
