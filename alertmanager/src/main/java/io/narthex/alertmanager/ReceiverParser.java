package io.narthex.alertmanager;

import static io.narthex.alertmanager.ConfigNode.describe;
import static io.narthex.alertmanager.ConfigNode.schema;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.alertmanager.AlertmanagerConfig.Integration;
import io.narthex.alertmanager.AlertmanagerConfig.Receiver;
import io.narthex.alertmanager.ConfigNode.Kind;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Receivers and their integrations, checked as Alertmanager 0.25's {@code config/notifiers.go} and prometheus/common's
 * {@code HTTPClientConfig.Validate} check them, with their messages. On the way it remembers the first field Mimir
 * refuses to tenants ({@link #forbidden}), which the caller raises once Alertmanager's own checks pass.
 *
 * <p>The integrations Narthex delivers to (webhook, email, Slack, PagerDuty, MS Teams) are checked field by field;
 * the others (OpsGenie, WeChat, Pushover, VictorOps, SNS, Telegram, Webex, Discord) only for their required fields,
 * their {@code http_config} and Mimir's forbidden {@code *_file} fields.
 */
final class ReceiverParser {
  private static final List<String> INTEGRATIONS = List.of("email", "pagerduty", "slack", "webhook", "opsgenie",
      "wechat", "pushover", "victorops", "sns", "telegram", "webex", "discord", "msteams");
  private static final Map<String, Kind> RECEIVER;

  static {
    Map<String, Kind> receiver = new LinkedHashMap<>();
    receiver.put("name", Kind.STRING);
    INTEGRATIONS.forEach(kind -> receiver.put(kind + "_configs", Kind.NESTED));
    RECEIVER = receiver;
  }

  private static final Map<String, Kind> HTTP_CONFIG = schema("basic_auth", Kind.NESTED, "authorization",
      Kind.NESTED, "oauth2", Kind.NESTED, "bearer_token", Kind.STRING, "bearer_token_file", Kind.STRING, "proxy_url",
      Kind.STRING, "proxy_from_environment", Kind.BOOL, "tls_config", Kind.NESTED, "follow_redirects", Kind.BOOL,
      "enable_http2", Kind.BOOL);
  private static final Map<String, Kind> BASIC_AUTH = schema("username", Kind.STRING, "password", Kind.STRING,
      "password_file", Kind.STRING);
  private static final Map<String, Kind> AUTHORIZATION = schema("type", Kind.STRING, "credentials", Kind.STRING,
      "credentials_file", Kind.STRING);
  private static final Map<String, Kind> OAUTH2 = schema("client_id", Kind.STRING, "client_secret", Kind.STRING,
      "client_secret_file", Kind.STRING, "scopes", Kind.STRING_LIST, "token_url", Kind.STRING, "endpoint_params",
      Kind.STRING_MAP, "tls_config", Kind.NESTED, "proxy_url", Kind.STRING);
  private static final Map<String, Kind> TLS_CONFIG = schema("ca_file", Kind.STRING, "cert_file", Kind.STRING,
      "key_file", Kind.STRING, "ca", Kind.STRING, "cert", Kind.STRING, "key", Kind.STRING, "server_name",
      Kind.STRING, "insecure_skip_verify", Kind.BOOL, "min_version", Kind.STRING);

  private static final Map<String, Kind> WEBHOOK = schema("send_resolved", Kind.BOOL, "http_config", Kind.NESTED,
      "url", Kind.URL, "max_alerts", Kind.UINT, "timeout", Kind.DURATION);
  private static final Map<String, Kind> EMAIL = schema("send_resolved", Kind.BOOL, "to", Kind.STRING, "from",
      Kind.STRING, "hello", Kind.STRING, "smarthost", Kind.HOSTPORT, "auth_username", Kind.STRING, "auth_password",
      Kind.STRING, "auth_password_file", Kind.STRING, "auth_secret", Kind.STRING, "auth_identity", Kind.STRING,
      "headers", Kind.STRING_MAP, "html", Kind.STRING, "text", Kind.STRING, "require_tls", Kind.BOOL, "tls_config",
      Kind.NESTED);
  private static final Map<String, Kind> SLACK = schema("send_resolved", Kind.BOOL, "http_config", Kind.NESTED,
      "api_url", Kind.URL, "api_url_file", Kind.STRING, "channel", Kind.STRING, "username", Kind.STRING, "color",
      Kind.STRING, "title", Kind.STRING, "title_link", Kind.STRING, "pretext", Kind.STRING, "text", Kind.STRING,
      "fields", Kind.NESTED, "short_fields", Kind.BOOL, "footer", Kind.STRING, "fallback", Kind.STRING,
      "callback_id", Kind.STRING, "icon_emoji", Kind.STRING, "icon_url", Kind.STRING, "image_url", Kind.STRING,
      "thumb_url", Kind.STRING, "link_names", Kind.BOOL, "mrkdwn_in", Kind.STRING_LIST, "actions", Kind.NESTED);
  private static final Map<String, Kind> SLACK_FIELD = schema("title", Kind.STRING, "value", Kind.STRING, "short",
      Kind.BOOL);
  private static final Map<String, Kind> SLACK_ACTION = schema("type", Kind.STRING, "text", Kind.STRING, "url",
      Kind.STRING, "style", Kind.STRING, "name", Kind.STRING, "value", Kind.STRING, "confirm", Kind.NESTED);
  private static final Map<String, Kind> SLACK_CONFIRM = schema("text", Kind.STRING, "dismiss_text", Kind.STRING,
      "ok_text", Kind.STRING, "title", Kind.STRING);
  private static final Map<String, Kind> PAGERDUTY = schema("send_resolved", Kind.BOOL, "http_config", Kind.NESTED,
      "routing_key", Kind.STRING, "routing_key_file", Kind.STRING, "service_key", Kind.STRING, "service_key_file",
      Kind.STRING, "url", Kind.URL, "client", Kind.STRING, "client_url", Kind.STRING, "description", Kind.STRING,
      "details", Kind.STRING_MAP, "images", Kind.NESTED, "links", Kind.NESTED, "source", Kind.STRING, "severity",
      Kind.STRING, "class", Kind.STRING, "component", Kind.STRING, "group", Kind.STRING);
  private static final Map<String, Kind> PAGERDUTY_IMAGE = schema("src", Kind.STRING, "alt", Kind.STRING, "href",
      Kind.STRING);
  private static final Map<String, Kind> PAGERDUTY_LINK = schema("href", Kind.STRING, "text", Kind.STRING);
  private static final Map<String, Kind> MSTEAMS = schema("send_resolved", Kind.BOOL, "http_config", Kind.NESTED,
      "webhook_url", Kind.URL, "webhook_url_file", Kind.STRING, "title", Kind.STRING, "summary", Kind.STRING, "text",
      Kind.STRING);

  /** Mimir's messages for the fields it refuses in tenant configurations ({@code pkg/alertmanager/api.go}). */
  private static final String SECRET_FILE = "setting smtp_auth_password_file, password_file, bearer_token_file, "
      + "auth_password_file or credentials_file is not allowed";
  private static final Map<String, String> FORBIDDEN = Map.ofEntries(
      Map.entry("smtp_auth_password_file", SECRET_FILE),
      Map.entry("password_file", SECRET_FILE),
      Map.entry("bearer_token_file", SECRET_FILE),
      Map.entry("auth_password_file", SECRET_FILE),
      Map.entry("credentials_file", SECRET_FILE),
      Map.entry("client_secret_file", "setting OAuth2 client_secret_file is not allowed"),
      Map.entry("proxy_url", "setting proxy_url is not allowed"),
      Map.entry("proxy_from_environment", "setting proxy_from_environment is not allowed"),
      Map.entry("slack_api_url_file", "setting Slack api_url_file or global slack_api_url_file is not allowed"),
      Map.entry("api_url_file", "setting Slack api_url_file or global slack_api_url_file is not allowed"),
      Map.entry("victorops_api_key_file",
          "setting VictorOps api_key_file or global victorops_api_key_file is not allowed"),
      Map.entry("opsgenie_api_key_file", "setting OpsGenie api_key_file or global opsgenie_api_key_file is not allowed"),
      Map.entry("service_key_file", "setting PagerDuty service_key_file is not allowed"),
      Map.entry("routing_key_file", "setting PagerDuty routing_key_file is not allowed"),
      Map.entry("user_key_file", "setting Pushover user_key_file is not allowed"),
      Map.entry("token_file", "setting Pushover token_file is not allowed"),
      Map.entry("bot_token_file", "setting Telegram bot_token_file is not allowed"),
      Map.entry("url_file", "setting Webhook url_file is not allowed"));
  private static final String TLS_FILES = "setting TLS ca_file, cert_file, key_file, ca, cert or key is not allowed";

  /** The first field Mimir refuses, raised after Alertmanager's own checks. */
  private InvalidConfigException forbidden;

  /** The first field Mimir refuses to tenants seen so far, or null. */
  InvalidConfigException forbidden() {
    return forbidden;
  }

  Receiver receiver(JsonNode node, String path, ConfigNode global) {
    ConfigNode receiver = new ConfigNode(node, path, RECEIVER);
    String name = receiver.string("name");
    if (name == null || name.isEmpty()) {
      throw new InvalidConfigException("missing name in receiver (" + path + ")");
    }
    List<Integration> integrations = new ArrayList<>();
    for (String kind : INTEGRATIONS) {
      List<JsonNode> configs = receiver.list(kind + "_configs");
      for (int i = 0; i < configs.size(); i++) {
        String at = receiver.at(kind + "_configs") + "[" + i + "]";
        integration(kind, configs.get(i), at, global);
        integrations.add(new Integration(kind, configs.get(i)));
      }
    }
    return new Receiver(name, List.copyOf(integrations));
  }

  private void integration(String kind, JsonNode node, String path, ConfigNode global) {
    switch (kind) {
      case "webhook" -> {
        ConfigNode c = withHttpConfig(node, path, WEBHOOK);
        if (c.string("url") == null || c.string("url").isEmpty()) {
          throw new InvalidConfigException("missing URL in webhook config (" + path + ")");
        }
      }
      case "email" -> email(node, path, global);
      case "slack" -> {
        ConfigNode c = withHttpConfig(node, path, SLACK);
        exclusive(c, "api_url", "api_url_file");
        if (!c.has("api_url") && !c.has("api_url_file") && !global.has("slack_api_url")
            && !global.has("slack_api_url_file")) {
          throw new InvalidConfigException("no global Slack API URL set either inline or in a file (" + path + ")");
        }
        List<JsonNode> fields = c.list("fields");
        for (int i = 0; i < fields.size(); i++) {
          ConfigNode field = new ConfigNode(fields.get(i), c.at("fields") + "[" + i + "]", SLACK_FIELD);
          require(field, "title", "missing title in Slack field configuration");
          require(field, "value", "missing value in Slack field configuration");
        }
        List<JsonNode> actions = c.list("actions");
        for (int i = 0; i < actions.size(); i++) {
          ConfigNode action = new ConfigNode(actions.get(i), c.at("actions") + "[" + i + "]", SLACK_ACTION);
          require(action, "type", "missing type in Slack action configuration");
          require(action, "text", "missing text in Slack action configuration");
          if (!action.has("url") && !action.has("name")) {
            throw new InvalidConfigException("missing name or url in Slack action configuration (" + action.path
                + ")");
          }
          if (action.get("confirm") != null) {
            require(new ConfigNode(action.get("confirm"), action.at("confirm"), SLACK_CONFIRM), "text",
                "missing text in Slack confirmation configuration");
          }
        }
      }
      case "pagerduty" -> {
        ConfigNode c = withHttpConfig(node, path, PAGERDUTY);
        exclusive(c, "routing_key", "routing_key_file");
        exclusive(c, "service_key", "service_key_file");
        if (!c.has("routing_key") && !c.has("service_key") && !c.has("routing_key_file")
            && !c.has("service_key_file")) {
          throw new InvalidConfigException("missing service or routing key in PagerDuty config (" + path + ")");
        }
        List<JsonNode> images = c.list("images");
        for (int i = 0; i < images.size(); i++) {
          new ConfigNode(images.get(i), c.at("images") + "[" + i + "]", PAGERDUTY_IMAGE);
        }
        List<JsonNode> links = c.list("links");
        for (int i = 0; i < links.size(); i++) {
          new ConfigNode(links.get(i), c.at("links") + "[" + i + "]", PAGERDUTY_LINK);
        }
      }
      case "msteams" -> {
        ConfigNode c = withHttpConfig(node, path, MSTEAMS);
        exclusive(c, "webhook_url", "webhook_url_file");
        if (!c.has("webhook_url") && !c.has("webhook_url_file")) {
          throw new InvalidConfigException("one of webhook_url or webhook_url_file must be configured (" + path
              + ")");
        }
      }
      default -> otherIntegration(kind, node, path, global);
    }
  }

  private void email(JsonNode node, String path, ConfigNode global) {
    ConfigNode c = new ConfigNode(node, path, EMAIL);
    forbid(c);
    if (c.get("tls_config") != null) {
      tlsConfig(c.get("tls_config"), c.at("tls_config"));
    }
    require(c, "to", "missing to address in email config");
    Set<String> headers = new HashSet<>();
    for (String header : c.stringMap("headers").keySet()) {
      String normalized = goTitle(header);
      if (!headers.add(normalized)) {
        throw new InvalidConfigException("duplicate header \"" + normalized + "\" in email config (" + path + ")");
      }
    }
    if (!c.has("smarthost") && !global.has("smtp_smarthost")) {
      throw new InvalidConfigException("no global SMTP smarthost set (" + path + ")");
    }
    if (!c.has("from") && !global.has("smtp_from")) {
      throw new InvalidConfigException("no global SMTP from set (" + path + ")");
    }
  }

  /**
   * The integrations Narthex does not deliver to: Alertmanager's required fields and global fallbacks, the
   * {@code http_config}, and Mimir's forbidden {@code *_file} fields; other fields are not checked.
   */
  private void otherIntegration(String kind, JsonNode node, String path, ConfigNode global) {
    if (!node.isObject()) {
      throw new InvalidConfigException("cannot unmarshal " + describe(node) + " into a " + kind + " config ("
          + path + ")");
    }
    ConfigNode c = new ConfigNode(node, path, null);
    if (c.get("http_config") != null) {
      httpConfig(c.get("http_config"), c.at("http_config"));
    }
    forbid(c);
    String missing = switch (kind) {
      case "opsgenie" -> !c.has("api_key") && !c.has("api_key_file") && !global.has("opsgenie_api_key")
          && !global.has("opsgenie_api_key_file") ? "no global OpsGenie API Key set either inline or in a file" : null;
      case "victorops" -> !c.has("api_key") && !c.has("api_key_file") && !global.has("victorops_api_key")
          && !global.has("victorops_api_key_file") ? "no global VictorOps API Key set"
          : !c.has("routing_key") ? "missing Routing key in VictorOps config" : null;
      case "wechat" -> !c.has("api_secret") && !global.has("wechat_api_secret") ? "no global Wechat ApiSecret set"
          : !c.has("corp_id") && !global.has("wechat_api_corp_id") ? "no global Wechat CorpID set" : null;
      case "pushover" -> !c.has("user_key") && !c.has("user_key_file") ? "missing user key in Pushover config"
          : !c.has("token") && !c.has("token_file") ? "missing token in Pushover config" : null;
      case "sns" -> !c.has("target_arn") && !c.has("topic_arn") && !c.has("phone_number")
          ? "must provide either a Target ARN, Topic ARN, or Phone Number for SNS config" : null;
      case "telegram" -> !c.has("bot_token") && !c.has("bot_token_file")
          ? "missing bot_token or bot_token_file on telegram_config" : null;
      case "webex" -> !c.has("room_id") ? "missing room_id on webex_config"
          : c.get("http_config") == null || c.get("http_config").get("authorization") == null
              || c.get("http_config").get("authorization").isNull()
              ? "missing webex_configs.http_config.authorization" : null;
      case "discord" -> !c.has("webhook_url") && !c.has("webhook_url_file")
          ? "one of webhook_url or webhook_url_file must be configured" : null;
      default -> null;
    };
    if (missing != null) {
      throw new InvalidConfigException(missing + " (" + path + ")");
    }
  }

  private ConfigNode withHttpConfig(JsonNode node, String path, Map<String, Kind> schema) {
    ConfigNode c = new ConfigNode(node, path, schema);
    forbid(c);
    if (c.get("http_config") != null) {
      httpConfig(c.get("http_config"), c.at("http_config"));
    }
    return c;
  }

  /** prometheus/common's {@code HTTPClientConfig.Validate}. */
  void httpConfig(JsonNode node, String path) {
    ConfigNode c = new ConfigNode(node, path, HTTP_CONFIG);
    forbid(c);
    ConfigNode basicAuth = c.get("basic_auth") == null ? null : new ConfigNode(c.get("basic_auth"), c.at("basic_auth"), BASIC_AUTH);
    ConfigNode authorization = c.get("authorization") == null ? null
        : new ConfigNode(c.get("authorization"), c.at("authorization"), AUTHORIZATION);
    ConfigNode oauth2 = c.get("oauth2") == null ? null : new ConfigNode(c.get("oauth2"), c.at("oauth2"), OAUTH2);
    boolean bearer = c.has("bearer_token") || c.has("bearer_token_file");
    exclusive(c, "bearer_token", "bearer_token_file");
    if ((basicAuth != null || oauth2 != null) && bearer) {
      throw new InvalidConfigException("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be "
          + "configured (" + path + ")");
    }
    if (basicAuth != null) {
      forbid(basicAuth);
      if (basicAuth.has("password") && basicAuth.has("password_file")) {
        throw new InvalidConfigException("at most one of basic_auth password & password_file must be configured ("
            + path + ")");
      }
    }
    if (authorization != null) {
      forbid(authorization);
      if (bearer) {
        throw new InvalidConfigException("authorization is not compatible with bearer_token & bearer_token_file ("
            + path + ")");
      }
      exclusive(authorization, "credentials", "credentials_file");
      String type = authorization.string("type");
      if (type != null && type.strip().equalsIgnoreCase("basic")) {
        throw new InvalidConfigException("authorization type cannot be set to \"basic\", use \"basic_auth\" instead ("
            + path + ")");
      }
      if (basicAuth != null || oauth2 != null) {
        throw new InvalidConfigException("at most one of basic_auth, oauth2 & authorization must be configured ("
            + path + ")");
      }
    }
    if (oauth2 != null) {
      forbid(oauth2);
      if (basicAuth != null) {
        throw new InvalidConfigException("at most one of basic_auth, oauth2 & authorization must be configured ("
            + path + ")");
      }
      require(oauth2, "client_id", "oauth2 client_id must be configured");
      exclusive(oauth2, "client_secret", "client_secret_file");
      require(oauth2, "token_url", "oauth2 token_url must be configured");
      if (oauth2.get("tls_config") != null) {
        tlsConfig(oauth2.get("tls_config"), oauth2.at("tls_config"));
      }
    }
    if (c.get("tls_config") != null) {
      tlsConfig(c.get("tls_config"), c.at("tls_config"));
    }
  }

  private void tlsConfig(JsonNode node, String path) {
    ConfigNode c = new ConfigNode(node, path, TLS_CONFIG);
    for (String key : List.of("ca_file", "cert_file", "key_file", "ca", "cert", "key")) {
      if (c.has(key) && forbidden == null) {
        forbidden = new InvalidConfigException(TLS_FILES + " (" + c.at(key) + ")", true);
      }
    }
  }

  /** Remembers the first field of {@code c} that Mimir refuses. */
  void forbid(ConfigNode c) {
    Iterator<String> names = c.node.fieldNames();
    while (names.hasNext() && forbidden == null) {
      String name = names.next();
      if (!c.has(name)) {
        continue;
      }
      String message = FORBIDDEN.get(name);
      if (message == null && name.endsWith("_file")) {
        // Narthex refuses every file an integration would read on the server, Mimir only the secret ones.
        message = "setting " + name + " is not allowed: tenant configurations cannot read files on the server";
      }
      if (message != null) {
        forbidden = new InvalidConfigException(message + " (" + c.at(name) + ")", true);
      }
    }
  }

  private static void require(ConfigNode c, String key, String message) {
    if (!c.has(key)) {
      throw new InvalidConfigException(message + " (" + c.path + ")");
    }
  }

  static void exclusive(ConfigNode c, String first, String second) {
    if (c.has(first) && c.has(second)) {
      throw new InvalidConfigException("at most one of " + first + " & " + second + " must be configured ("
          + c.path + ")");
    }
  }

  /** Go's {@code strings.Title}: each letter after a separator upper-cased, the rest unchanged. */
  private static String goTitle(String s) {
    StringBuilder out = new StringBuilder(s.length());
    boolean afterSeparator = true;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      out.append(afterSeparator ? Character.toTitleCase(c) : c);
      afterSeparator = !(Character.isLetterOrDigit(c) || c == '_');
    }
    return out.toString();
  }
}
