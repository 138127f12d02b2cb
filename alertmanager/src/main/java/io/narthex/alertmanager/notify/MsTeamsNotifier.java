package io.narthex.alertmanager.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.narthex.template.AlertmanagerTemplates.Data;
import java.time.Duration;
import java.util.Set;

/**
 * {@code msteams_configs}, as Alertmanager 0.26's notify/msteams (0.25 has none): a connector MessageCard
 * ({@code @context}, {@code type}, title, summary, text, {@code themeColor} red while firing, green once resolved)
 * posted to {@code webhook_url}.
 */
final class MsTeamsNotifier implements Notifier {
  private static final Set<Integer> RETRY_CODES = Set.of(429);
  static final String COLOR_FIRING = "8C1A1A";
  static final String COLOR_RESOLVED = "2DC72D";

  private final JsonNode config;
  private final String webhookUrl;
  private final HttpTransport http;

  MsTeamsNotifier(JsonNode config, HttpTransport http) {
    this.config = config;
    this.webhookUrl = Fields.text(config, "webhook_url", "");
    this.http = http;
  }

  @Override
  public void send(Message m, Duration timeout) throws NotifyException {
    Data data = m.data();
    ObjectNode card = Payloads.JSON.createObjectNode();
    card.put("@context", "http://schema.org/extensions");
    card.put("type", "MessageCard");
    card.put("title", m.render("title", Fields.text(config, "title",
        "{{ template \"msteams.default.title\" . }}"), data));
    card.put("summary", m.render("summary", Fields.text(config, "summary",
        "{{ template \"msteams.default.summary\" . }}"), data));
    card.put("text", m.render("text", Fields.text(config, "text", "{{ template \"msteams.default.text\" . }}"), data));
    card.put("themeColor", m.firing() ? COLOR_FIRING : COLOR_RESOLVED);
    HttpTransport.check(http.postJson(webhookUrl, Payloads.bytes(card), timeout), RETRY_CODES);
  }
}
