package io.narthex.alertmanager;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.narthex.alertmanager.AlertmanagerConfig.InhibitRule;
import io.narthex.alertmanager.AlertmanagerConfig.Integration;
import io.narthex.alertmanager.AlertmanagerConfig.Range;
import io.narthex.alertmanager.AlertmanagerConfig.Receiver;
import io.narthex.alertmanager.AlertmanagerConfig.Route;
import io.narthex.alertmanager.AlertmanagerConfig.TimeInterval;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads an Alertmanager configuration the way Alertmanager's {@code config.Load} does (0.25, {@code config/config.go},
 * {@code config/notifiers.go}, {@code timeinterval/timeinterval.go}, prometheus/common's {@code HTTPClientConfig}):
 * strict YAML (an unknown or repeated field is an error), then the same checks with the same messages, each error
 * naming where it is. Mimir's refusals for tenants (files read on the server, proxies, TLS files) are collected on the
 * way and raised only once Alertmanager's checks pass, as Mimir's {@code validateUserConfig} orders them.
 *
 * <p>The integrations Narthex will deliver to (webhook, email, Slack, PagerDuty, MS Teams) are checked field by
 * field; the others Alertmanager has (OpsGenie, WeChat, Pushover, VictorOps, SNS, Telegram, Webex, Discord) only for
 * their required fields, their {@code http_config} and Mimir's forbidden {@code *_file} fields.
 */
final class ConfigParser {
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Pattern URL_SCHEME = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.\\-]*):");
  private static final Pattern CLOCK = Pattern.compile("^((([01][0-9])|(2[0-3])):[0-5][0-9])$|(^24:00$)");
  private static final List<String> WEEKDAYS = List.of("sunday", "monday", "tuesday", "wednesday", "thursday",
      "friday", "saturday");
  private static final List<String> MONTHS = List.of("january", "february", "march", "april", "may", "june", "july",
      "august", "september", "october", "november", "december");

  /** What a field holds; {@link #NESTED} ones are read by the caller. */
  private enum Kind { STRING, BOOL, DURATION, URL, HOSTPORT, UINT, STRING_LIST, STRING_MAP, NESTED }

  private static final Map<String, Kind> TOP = schema("global", Kind.NESTED, "route", Kind.NESTED, "inhibit_rules",
      Kind.NESTED, "receivers", Kind.NESTED, "templates", Kind.STRING_LIST, "mute_time_intervals", Kind.NESTED,
      "time_intervals", Kind.NESTED);
  private static final Map<String, Kind> GLOBAL = schema("resolve_timeout", Kind.DURATION, "http_config",
      Kind.NESTED, "smtp_from", Kind.STRING, "smtp_hello", Kind.STRING, "smtp_smarthost", Kind.HOSTPORT,
      "smtp_auth_username", Kind.STRING, "smtp_auth_password", Kind.STRING, "smtp_auth_password_file", Kind.STRING,
      "smtp_auth_secret", Kind.STRING, "smtp_auth_identity", Kind.STRING, "smtp_require_tls", Kind.BOOL,
      "slack_api_url", Kind.URL, "slack_api_url_file", Kind.STRING, "pagerduty_url", Kind.URL, "opsgenie_api_url",
      Kind.URL, "opsgenie_api_key", Kind.STRING, "opsgenie_api_key_file", Kind.STRING, "wechat_api_url", Kind.URL,
      "wechat_api_secret", Kind.STRING, "wechat_api_corp_id", Kind.STRING, "victorops_api_url", Kind.URL,
      "victorops_api_key", Kind.STRING, "victorops_api_key_file", Kind.STRING, "telegram_api_url", Kind.URL,
      "webex_api_url", Kind.URL);
  private static final Map<String, Kind> ROUTE = schema("receiver", Kind.STRING, "group_by", Kind.STRING_LIST,
      "match", Kind.STRING_MAP, "match_re", Kind.STRING_MAP, "matchers", Kind.STRING_LIST, "mute_time_intervals",
      Kind.STRING_LIST, "active_time_intervals", Kind.STRING_LIST, "continue", Kind.BOOL, "routes", Kind.NESTED,
      "group_wait", Kind.DURATION, "group_interval", Kind.DURATION, "repeat_interval", Kind.DURATION);
  private static final Map<String, Kind> INHIBIT_RULE = schema("name", Kind.STRING, "source_match", Kind.STRING_MAP,
      "source_match_re", Kind.STRING_MAP, "source_matchers", Kind.STRING_LIST, "target_match", Kind.STRING_MAP,
      "target_match_re", Kind.STRING_MAP, "target_matchers", Kind.STRING_LIST, "equal", Kind.STRING_LIST);
  private static final Map<String, Kind> NAMED_TIME_INTERVAL = schema("name", Kind.STRING, "time_intervals",
      Kind.NESTED);
  private static final Map<String, Kind> TIME_INTERVAL = schema("times", Kind.NESTED, "weekdays", Kind.STRING_LIST,
      "days_of_month", Kind.STRING_LIST, "months", Kind.STRING_LIST, "years", Kind.STRING_LIST, "location",
      Kind.STRING);
  private static final Map<String, Kind> TIME_RANGE = schema("start_time", Kind.STRING, "end_time", Kind.STRING);
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
  /** Whether Mimir's refusals apply: they do to tenants' configurations, not to the operator's fallback file. */
  private final boolean operatorFile;

  /** A parser of tenants' configurations. */
  ConfigParser() {
    this(false);
  }

  /** @param operatorFile true to allow the fields Mimir refuses to tenants */
  ConfigParser(boolean operatorFile) {
    this.operatorFile = operatorFile;
  }

  AlertmanagerConfig parse(String yaml) {
    JsonNode root = YamlTree.read(yaml);
    if (root.isNull()) {
      root = JsonNodeFactory.instance.objectNode();
    }
    Obj top = new Obj(root, "", TOP);
    JsonNode globalNode = top.get("global");
    Obj global = new Obj(globalNode == null ? JsonNodeFactory.instance.objectNode() : globalNode, "global", GLOBAL);
    forbid(global);
    if (global.get("http_config") != null) {
      httpConfig(global.get("http_config"), global.at("http_config"));
    }
    exclusive(global, "slack_api_url", "slack_api_url_file");
    exclusive(global, "opsgenie_api_key", "opsgenie_api_key_file");
    exclusive(global, "victorops_api_key", "victorops_api_key_file");
    exclusive(global, "smtp_auth_password", "smtp_auth_password_file");
    Duration resolveTimeout = global.duration("resolve_timeout");

    List<Receiver> receivers = new ArrayList<>();
    Set<String> receiverNames = new HashSet<>();
    List<JsonNode> receiverNodes = top.list("receivers");
    for (int i = 0; i < receiverNodes.size(); i++) {
      Receiver receiver = receiver(receiverNodes.get(i), top.at("receivers") + "[" + i + "]", global);
      if (!receiverNames.add(receiver.name())) {
        throw new InvalidConfigException("notification config name \"" + receiver.name() + "\" is not unique");
      }
      receivers.add(receiver);
    }

    Map<String, List<TimeInterval>> timeIntervals = new LinkedHashMap<>();
    for (String key : List.of("mute_time_intervals", "time_intervals")) {
      List<JsonNode> nodes = top.list(key);
      for (int i = 0; i < nodes.size(); i++) {
        String path = key + "[" + i + "]";
        Obj named = new Obj(nodes.get(i), path, NAMED_TIME_INTERVAL);
        String name = named.string("name");
        if (name == null || name.isEmpty()) {
          throw new InvalidConfigException("missing name in time interval (" + path + ")");
        }
        List<TimeInterval> intervals = new ArrayList<>();
        List<JsonNode> entries = named.list("time_intervals");
        for (int j = 0; j < entries.size(); j++) {
          intervals.add(timeInterval(entries.get(j), named.at("time_intervals") + "[" + j + "]"));
        }
        if (timeIntervals.put(name, intervals) != null) {
          throw new InvalidConfigException((key.equals("mute_time_intervals") ? "mute time interval \""
              : "time interval \"") + name + "\" is not unique");
        }
      }
    }

    List<InhibitRule> inhibitRules = new ArrayList<>();
    List<JsonNode> ruleNodes = top.list("inhibit_rules");
    for (int i = 0; i < ruleNodes.size(); i++) {
      // Go reads a null entry as a rule with every field unset.
      JsonNode rule = ruleNodes.get(i).isNull() ? JsonNodeFactory.instance.objectNode() : ruleNodes.get(i);
      inhibitRules.add(inhibitRule(rule, "inhibit_rules[" + i + "]"));
    }

    if (top.get("route") == null) {
      throw new InvalidConfigException("no routes provided");
    }
    Route route = route(top.get("route"), "route");
    if (route.receiver() == null || route.receiver().isEmpty()) {
      throw new InvalidConfigException("root route must specify a default receiver");
    }
    if (!route.matchers().isEmpty()) {
      throw new InvalidConfigException("root route must not have any matchers");
    }
    if (route.continueMatching()) {
      throw new InvalidConfigException("cannot have continue in root route");
    }
    if (!route.muteTimeIntervals().isEmpty()) {
      throw new InvalidConfigException("root route must not have any mute time intervals");
    }
    if (!route.activeTimeIntervals().isEmpty()) {
      throw new InvalidConfigException("root route must not have any active time intervals");
    }
    checkReferences(route, "route", receiverNames, timeIntervals.keySet());
    if (forbidden != null && !operatorFile) {
      throw forbidden;
    }
    return new AlertmanagerConfig(yaml, global.node,
        resolveTimeout == null ? AlertmanagerConfig.DEFAULT_RESOLVE_TIMEOUT : resolveTimeout, route,
        List.copyOf(receivers), List.copyOf(inhibitRules), timeIntervals, top.strings("templates"));
  }

  private static void checkReferences(Route route, String path, Set<String> receivers, Set<String> intervals) {
    if (route.receiver() != null && !route.receiver().isEmpty() && !receivers.contains(route.receiver())) {
      throw new InvalidConfigException("undefined receiver \"" + route.receiver() + "\" used in route (" + path
          + ")");
    }
    for (List<String> names : List.of(route.muteTimeIntervals(), route.activeTimeIntervals())) {
      for (String name : names) {
        if (!intervals.contains(name)) {
          throw new InvalidConfigException("undefined time interval \"" + name + "\" used in route (" + path + ")");
        }
      }
    }
    for (int i = 0; i < route.routes().size(); i++) {
      checkReferences(route.routes().get(i), path + ".routes[" + i + "]", receivers, intervals);
    }
  }

  private Route route(JsonNode node, String path) {
    Obj route = new Obj(node, path, ROUTE);
    List<String> groupBy = null;
    boolean groupByAll = false;
    if (route.get("group_by") != null) {
      groupBy = new ArrayList<>();
      for (String label : route.strings("group_by")) {
        if (label.equals("...")) {
          groupByAll = true;
        } else if (!LABEL_NAME.matcher(label).matches()) {
          throw new InvalidConfigException("invalid label name \"" + label + "\" in group_by list ("
              + route.at("group_by") + ")");
        } else if (groupBy.contains(label)) {
          throw new InvalidConfigException("duplicated label \"" + label + "\" in group_by (" + route.at("group_by")
              + ")");
        } else {
          groupBy.add(label);
        }
      }
      if (groupByAll && !groupBy.isEmpty()) {
        throw new InvalidConfigException("cannot have wildcard group_by (`...`) and other other labels at the same "
            + "time (" + route.at("group_by") + ")");
      }
    }
    List<Matcher> matchers = new ArrayList<>();
    matchers.addAll(legacyMatchers(route, "match", Matcher.Type.EQUAL));
    matchers.addAll(legacyMatchers(route, "match_re", Matcher.Type.REGEX));
    matchers.addAll(matchers(route, "matchers"));
    Duration groupInterval = route.duration("group_interval");
    if (Duration.ZERO.equals(groupInterval)) {
      throw new InvalidConfigException("group_interval cannot be zero (" + route.at("group_interval") + ")");
    }
    Duration repeatInterval = route.duration("repeat_interval");
    if (Duration.ZERO.equals(repeatInterval)) {
      throw new InvalidConfigException("repeat_interval cannot be zero (" + route.at("repeat_interval") + ")");
    }
    List<Route> children = new ArrayList<>();
    List<JsonNode> childNodes = route.list("routes");
    for (int i = 0; i < childNodes.size(); i++) {
      children.add(route(childNodes.get(i), route.at("routes") + "[" + i + "]"));
    }
    return new Route(route.string("receiver"), groupBy == null ? null : List.copyOf(groupBy), groupByAll,
        List.copyOf(matchers), route.bool("continue"), route.duration("group_wait"), groupInterval, repeatInterval,
        route.strings("mute_time_intervals"), route.strings("active_time_intervals"), List.copyOf(children));
  }

  /** {@code match} or {@code match_re}: label names checked, regexes compiled, in name order (Go maps are not). */
  private static List<Matcher> legacyMatchers(Obj obj, String key, Matcher.Type type) {
    List<Matcher> out = new ArrayList<>();
    new java.util.TreeMap<>(obj.stringMap(key)).forEach((name, value) -> {
      if (!LABEL_NAME.matcher(name).matches()) {
        throw new InvalidConfigException("invalid label name \"" + name + "\" (" + obj.at(key) + ")");
      }
      out.add(withPath(() -> Matcher.of(name, type, value), obj.at(key)));
    });
    return out;
  }

  private static List<Matcher> matchers(Obj obj, String key) {
    List<Matcher> out = new ArrayList<>();
    for (String text : obj.strings(key)) {
      out.addAll(withPath(() -> Matcher.parseAll(text), obj.at(key)));
    }
    return out;
  }

  private static <T> T withPath(java.util.function.Supplier<T> parse, String path) {
    try {
      return parse.get();
    } catch (InvalidConfigException e) {
      throw new InvalidConfigException(e.getMessage() + " (" + path + ")");
    }
  }

  private InhibitRule inhibitRule(JsonNode node, String path) {
    Obj rule = new Obj(node, path, INHIBIT_RULE);
    List<String> equal = rule.strings("equal");
    for (String label : equal) {
      if (!LABEL_NAME.matcher(label).matches()) {
        throw new InvalidConfigException("\"" + label + "\" is not a valid label name (" + rule.at("equal") + ")");
      }
    }
    List<Matcher> source = new ArrayList<>(legacyMatchers(rule, "source_match", Matcher.Type.EQUAL));
    source.addAll(legacyMatchers(rule, "source_match_re", Matcher.Type.REGEX));
    source.addAll(matchers(rule, "source_matchers"));
    List<Matcher> target = new ArrayList<>(legacyMatchers(rule, "target_match", Matcher.Type.EQUAL));
    target.addAll(legacyMatchers(rule, "target_match_re", Matcher.Type.REGEX));
    target.addAll(matchers(rule, "target_matchers"));
    return new InhibitRule(rule.string("name"), List.copyOf(source), List.copyOf(target), equal);
  }

  private Receiver receiver(JsonNode node, String path, Obj global) {
    Obj receiver = new Obj(node, path, RECEIVER);
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

  private void integration(String kind, JsonNode node, String path, Obj global) {
    switch (kind) {
      case "webhook" -> {
        Obj c = withHttpConfig(node, path, WEBHOOK);
        if (c.string("url") == null || c.string("url").isEmpty()) {
          throw new InvalidConfigException("missing URL in webhook config (" + path + ")");
        }
      }
      case "email" -> email(node, path, global);
      case "slack" -> {
        Obj c = withHttpConfig(node, path, SLACK);
        exclusive(c, "api_url", "api_url_file");
        if (!c.has("api_url") && !c.has("api_url_file") && !global.has("slack_api_url")
            && !global.has("slack_api_url_file")) {
          throw new InvalidConfigException("no global Slack API URL set either inline or in a file (" + path + ")");
        }
        List<JsonNode> fields = c.list("fields");
        for (int i = 0; i < fields.size(); i++) {
          Obj field = new Obj(fields.get(i), c.at("fields") + "[" + i + "]", SLACK_FIELD);
          require(field, "title", "missing title in Slack field configuration");
          require(field, "value", "missing value in Slack field configuration");
        }
        List<JsonNode> actions = c.list("actions");
        for (int i = 0; i < actions.size(); i++) {
          Obj action = new Obj(actions.get(i), c.at("actions") + "[" + i + "]", SLACK_ACTION);
          require(action, "type", "missing type in Slack action configuration");
          require(action, "text", "missing text in Slack action configuration");
          if (!action.has("url") && !action.has("name")) {
            throw new InvalidConfigException("missing name or url in Slack action configuration (" + action.path
                + ")");
          }
          if (action.get("confirm") != null) {
            require(new Obj(action.get("confirm"), action.at("confirm"), SLACK_CONFIRM), "text",
                "missing text in Slack confirmation configuration");
          }
        }
      }
      case "pagerduty" -> {
        Obj c = withHttpConfig(node, path, PAGERDUTY);
        exclusive(c, "routing_key", "routing_key_file");
        exclusive(c, "service_key", "service_key_file");
        if (!c.has("routing_key") && !c.has("service_key") && !c.has("routing_key_file")
            && !c.has("service_key_file")) {
          throw new InvalidConfigException("missing service or routing key in PagerDuty config (" + path + ")");
        }
        List<JsonNode> images = c.list("images");
        for (int i = 0; i < images.size(); i++) {
          new Obj(images.get(i), c.at("images") + "[" + i + "]", PAGERDUTY_IMAGE);
        }
        List<JsonNode> links = c.list("links");
        for (int i = 0; i < links.size(); i++) {
          new Obj(links.get(i), c.at("links") + "[" + i + "]", PAGERDUTY_LINK);
        }
      }
      case "msteams" -> {
        Obj c = withHttpConfig(node, path, MSTEAMS);
        exclusive(c, "webhook_url", "webhook_url_file");
        if (!c.has("webhook_url") && !c.has("webhook_url_file")) {
          throw new InvalidConfigException("one of webhook_url or webhook_url_file must be configured (" + path
              + ")");
        }
      }
      default -> otherIntegration(kind, node, path, global);
    }
  }

  private void email(JsonNode node, String path, Obj global) {
    Obj c = new Obj(node, path, EMAIL);
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
  private void otherIntegration(String kind, JsonNode node, String path, Obj global) {
    if (!node.isObject()) {
      throw new InvalidConfigException("cannot unmarshal " + describe(node) + " into a " + kind + " config ("
          + path + ")");
    }
    Obj c = new Obj(node, path, null);
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

  private Obj withHttpConfig(JsonNode node, String path, Map<String, Kind> schema) {
    Obj c = new Obj(node, path, schema);
    forbid(c);
    if (c.get("http_config") != null) {
      httpConfig(c.get("http_config"), c.at("http_config"));
    }
    return c;
  }

  /** prometheus/common's {@code HTTPClientConfig.Validate}. */
  private void httpConfig(JsonNode node, String path) {
    Obj c = new Obj(node, path, HTTP_CONFIG);
    forbid(c);
    Obj basicAuth = c.get("basic_auth") == null ? null : new Obj(c.get("basic_auth"), c.at("basic_auth"), BASIC_AUTH);
    Obj authorization = c.get("authorization") == null ? null
        : new Obj(c.get("authorization"), c.at("authorization"), AUTHORIZATION);
    Obj oauth2 = c.get("oauth2") == null ? null : new Obj(c.get("oauth2"), c.at("oauth2"), OAUTH2);
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
    Obj c = new Obj(node, path, TLS_CONFIG);
    for (String key : List.of("ca_file", "cert_file", "key_file", "ca", "cert", "key")) {
      if (c.has(key) && forbidden == null) {
        forbidden = new InvalidConfigException(TLS_FILES + " (" + c.at(key) + ")", true);
      }
    }
  }

  /** Remembers the first field of {@code c} that Mimir refuses. */
  private void forbid(Obj c) {
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

  private static void require(Obj c, String key, String message) {
    if (!c.has(key)) {
      throw new InvalidConfigException(message + " (" + c.path + ")");
    }
  }

  private static void exclusive(Obj c, String first, String second) {
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

  private TimeInterval timeInterval(JsonNode node, String path) {
    Obj c = new Obj(node, path, TIME_INTERVAL);
    List<Range> times = new ArrayList<>();
    List<JsonNode> timeNodes = c.list("times");
    for (int i = 0; i < timeNodes.size(); i++) {
      Obj range = new Obj(timeNodes.get(i), c.at("times") + "[" + i + "]", TIME_RANGE);
      String start = range.string("start_time");
      String end = range.string("end_time");
      if (start == null || start.isEmpty() || end == null || end.isEmpty()) {
        throw new InvalidConfigException("both start and end times must be provided (" + range.path + ")");
      }
      int startMinutes = minuteOfDay(start, range.path);
      int endMinutes = minuteOfDay(end, range.path);
      if (startMinutes >= endMinutes) {
        throw new InvalidConfigException("start time cannot be equal or greater than end time (" + range.path + ")");
      }
      times.add(new Range(startMinutes, endMinutes));
    }
    List<Range> weekdays = new ArrayList<>();
    for (String text : c.strings("weekdays")) {
      Range r = withPath(() -> range(text, member -> {
        int day = WEEKDAYS.indexOf(member);
        if (day < 0) {
          throw new InvalidConfigException(member + " is not a valid weekday");
        }
        return day;
      }), c.at("weekdays"));
      if (r.begin() > r.end()) {
        throw new InvalidConfigException("start day cannot be before end day (" + c.at("weekdays") + ")");
      }
      weekdays.add(r);
    }
    List<Range> days = new ArrayList<>();
    for (String text : c.strings("days_of_month")) {
      Range r = withPath(() -> range(text, member -> integer(member, " is not a valid day of the month")),
          c.at("days_of_month"));
      for (int day : new int[] {r.begin(), r.end()}) {
        if (day == 0 || day < -31 || day > 31) {
          throw new InvalidConfigException(day + " is not a valid day of the month: out of range ("
              + c.at("days_of_month") + ")");
        }
      }
      if (r.begin() < 0 && r.end() > 0) {
        throw new InvalidConfigException("end day must be negative if start day is negative ("
            + c.at("days_of_month") + ")");
      }
      // Negative days count from a 28-day month, so that only ranges wrong in every month are refused.
      int begin = r.begin() < 0 ? 28 + r.begin() : r.begin();
      int end = r.end() < 0 ? 28 + r.end() : r.end();
      if (begin > end) {
        throw new InvalidConfigException("end day " + r.end() + " is always before start day " + r.begin() + " ("
            + c.at("days_of_month") + ")");
      }
      days.add(r);
    }
    List<Range> months = new ArrayList<>();
    for (String text : c.strings("months")) {
      Range r = withPath(() -> range(text, member -> {
        int month = MONTHS.indexOf(member);
        return month >= 0 ? month + 1 : integer(member, " is not a valid month");
      }), c.at("months"));
      if (r.begin() > r.end()) {
        throw new InvalidConfigException("end month " + r.end() + " is before start month " + r.begin() + " ("
            + c.at("months") + ")");
      }
      months.add(r);
    }
    List<Range> years = new ArrayList<>();
    for (String text : c.strings("years")) {
      Range r = withPath(() -> range(text, member -> integer(member, " is not a valid year")), c.at("years"));
      if (r.begin() > r.end()) {
        throw new InvalidConfigException("end year " + r.end() + " is before start year " + r.begin() + " ("
            + c.at("years") + ")");
      }
      years.add(r);
    }
    java.time.ZoneId location = java.time.ZoneOffset.UTC;
    String zone = c.string("location");
    if (zone != null && !zone.isEmpty() && !zone.equals("UTC")) {
      if (zone.equals("Local")) {
        location = java.time.ZoneId.systemDefault();
      } else if (java.time.ZoneId.getAvailableZoneIds().contains(zone)) {
        location = java.time.ZoneId.of(zone);
      } else {
        throw new InvalidConfigException("unknown time zone " + zone + " (" + c.at("location") + ")");
      }
    }
    return new TimeInterval(List.copyOf(times), List.copyOf(weekdays), List.copyOf(days), List.copyOf(months),
        List.copyOf(years), location);
  }

  private static int minuteOfDay(String clock, String path) {
    if (!CLOCK.matcher(clock).find()) {
      throw new InvalidConfigException("couldn't parse timestamp " + clock + ", invalid format (" + path + ")");
    }
    return Integer.parseInt(clock.substring(0, 2)) * 60 + Integer.parseInt(clock.substring(3, 5));
  }

  /** Alertmanager's {@code stringableRangeFromString}: one member or {@code begin:end}, lower-cased. */
  private static Range range(String text, java.util.function.ToIntFunction<String> member) {
    String in = text.toLowerCase(Locale.ROOT);
    if (in.indexOf(':') >= 0) {
      String[] parts = in.split(":", -1);
      if (parts.length != 2) {
        throw new InvalidConfigException("couldn't parse range \"" + in + "\", invalid format");
      }
      return new Range(member.applyAsInt(parts[0]), member.applyAsInt(parts[1]));
    }
    int value = member.applyAsInt(in);
    return new Range(value, value);
  }

  /** Whether a plain number is a non-negative integer, written as one or as a float without a fraction. */
  private static boolean unsignedInteger(String text) {
    String digits = text.replace("_", "");
    if (digits.matches("\\+?([0-9]+|0x[0-9a-fA-F]+|0o?[0-7]+|0b[01]+)")) {
      return true;
    }
    try {
      double value = Double.parseDouble(digits);
      return value >= 0 && value == Math.rint(value) && !Double.isInfinite(value);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Go's {@code strconv.Atoi}: an optional sign and decimal digits. */
  private static int integer(String text, String error) {
    if (!text.matches("[+-]?[0-9]+")) {
      throw new InvalidConfigException(text + error);
    }
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new InvalidConfigException(text + error);
    }
  }

  private static Map<String, Kind> schema(Object... pairs) {
    Map<String, Kind> out = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      out.put((String) pairs[i], (Kind) pairs[i + 1]);
    }
    return out;
  }

  private static String describe(JsonNode node) {
    return node.isArray() ? "!!seq" : node.isObject() ? "!!map" : "!!" + node.getNodeType().name().toLowerCase(
        Locale.ROOT);
  }

  /** One YAML mapping with its known fields, each checked for its kind; {@code schema} null lets any field in. */
  private static final class Obj {
    final JsonNode node;
    final String path;

    Obj(JsonNode node, String path, Map<String, Kind> schema) {
      if (!node.isObject()) {
        throw new InvalidConfigException("cannot unmarshal " + describe(node) + " into a mapping ("
            + (path.isEmpty() ? "top level" : path) + ")");
      }
      this.node = node;
      this.path = path;
      if (schema == null) {
        return;
      }
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        Kind kind = schema.get(field.getKey());
        if (kind == null) {
          throw new InvalidConfigException("field " + field.getKey() + " not found in "
              + (path.isEmpty() ? "the top level" : path));
        }
        check(field.getKey(), field.getValue(), kind);
      }
    }

    private void check(String key, JsonNode value, Kind kind) {
      if (value.isNull()) {
        return;
      }
      switch (kind) {
        case STRING -> scalar(key, value);
        case BOOL -> bool(key);
        case DURATION -> withPath(() -> PrometheusDuration.parse(scalar(key, value)), at(key));
        case URL -> url(key, scalar(key, value));
        case HOSTPORT -> hostPort(key, scalar(key, value));
        case UINT -> {
          // Go's YAML decoder takes a plain number, and a float without a fraction (5.0), for an integer.
          if (!(value instanceof YamlTree.PlainScalar plain) || plain.bool != null
              || !unsignedInteger(value.asText())) {
            throw new InvalidConfigException("cannot unmarshal " + value.asText() + " into an unsigned integer ("
                + at(key) + ")");
          }
        }
        case STRING_LIST -> strings(key);
        case STRING_MAP -> stringMap(key);
        case NESTED -> { }
      }
    }

    String at(String key) {
      return path.isEmpty() ? key : path + "." + key;
    }

    /** The value, null when absent or null. */
    JsonNode get(String key) {
      JsonNode value = node.get(key);
      return value == null || value.isNull() ? null : value;
    }

    /** Whether the field is set to something other than an empty string, Go's zero value. */
    boolean has(String key) {
      JsonNode value = get(key);
      return value != null && !(value.isTextual() && value.asText().isEmpty())
          && !(value instanceof YamlTree.PlainScalar plain && Boolean.FALSE.equals(plain.bool));
    }

    String string(String key) {
      JsonNode value = get(key);
      return value == null ? null : scalar(key, value);
    }

    private String scalar(String key, JsonNode value) {
      if (!value.isValueNode()) {
        throw new InvalidConfigException("cannot unmarshal " + describe(value) + " into string (" + at(key) + ")");
      }
      return value.asText();
    }

    boolean bool(String key) {
      JsonNode value = get(key);
      if (value == null) {
        return false;
      }
      if (value instanceof YamlTree.PlainScalar plain && plain.bool != null) {
        return plain.bool;
      }
      throw new InvalidConfigException("cannot unmarshal " + value.asText() + " into bool (" + at(key) + ")");
    }

    Duration duration(String key) {
      String text = string(key);
      return text == null ? null : withPath(() -> PrometheusDuration.parse(text), at(key));
    }

    List<JsonNode> list(String key) {
      JsonNode value = get(key);
      if (value == null) {
        return List.of();
      }
      if (!value.isArray()) {
        throw new InvalidConfigException("cannot unmarshal " + describe(value) + " into a list (" + at(key) + ")");
      }
      List<JsonNode> out = new ArrayList<>(value.size());
      value.forEach(out::add);
      return out;
    }

    List<String> strings(String key) {
      List<String> out = new ArrayList<>();
      for (JsonNode item : list(key)) {
        out.add(item.isNull() ? "" : scalar(key, item));
      }
      return List.copyOf(out);
    }

    Map<String, String> stringMap(String key) {
      JsonNode value = get(key);
      Map<String, String> out = new LinkedHashMap<>();
      if (value == null) {
        return out;
      }
      if (!value.isObject()) {
        throw new InvalidConfigException("cannot unmarshal " + describe(value) + " into a map (" + at(key) + ")");
      }
      value.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().isNull() ? ""
          : scalar(key + "." + e.getKey(), e.getValue())));
      return out;
    }

    /** Alertmanager's URL fields: http or https, with a host. */
    private void url(String key, String text) {
      java.util.regex.Matcher scheme = URL_SCHEME.matcher(text);
      String name = scheme.find() ? scheme.group(1).toLowerCase(Locale.ROOT) : "";
      if (!name.equals("http") && !name.equals("https")) {
        throw new InvalidConfigException("unsupported scheme \"" + name + "\" for URL (" + at(key) + ")");
      }
      String rest = text.substring(name.length() + 1);
      String host = "";
      if (rest.startsWith("//")) {
        host = rest.substring(2).split("[/?#]", 2)[0];
        host = host.substring(host.lastIndexOf('@') + 1);
      }
      if (host.isEmpty()) {
        throw new InvalidConfigException("missing host for URL (" + at(key) + ")");
      }
    }

    /** Go's {@code net.SplitHostPort}, as Alertmanager's {@code HostPort} reads {@code smarthost}. */
    private void hostPort(String key, String text) {
      if (text.isEmpty()) {
        return;
      }
      String port;
      if (text.startsWith("[")) {
        int close = text.indexOf(']');
        if (close < 0) {
          throw new InvalidConfigException("address " + text + ": missing ']' in address (" + at(key) + ")");
        }
        if (close + 1 == text.length()) {
          throw new InvalidConfigException("address " + text + ": missing port in address (" + at(key) + ")");
        }
        if (text.charAt(close + 1) != ':') {
          throw new InvalidConfigException("address " + text + ": missing port in address (" + at(key) + ")");
        }
        port = text.substring(close + 2);
      } else {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
          throw new InvalidConfigException("address " + text + ": missing port in address (" + at(key) + ")");
        }
        if (text.indexOf(':') != colon) {
          throw new InvalidConfigException("address " + text + ": too many colons in address (" + at(key) + ")");
        }
        port = text.substring(colon + 1);
      }
      if (port.isEmpty()) {
        throw new InvalidConfigException("address \"" + text + "\": port cannot be empty (" + at(key) + ")");
      }
    }
  }
}
