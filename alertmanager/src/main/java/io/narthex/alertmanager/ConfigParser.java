package io.narthex.alertmanager;

import static io.narthex.alertmanager.ConfigNode.schema;
import static io.narthex.alertmanager.ConfigNode.withPath;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.narthex.alertmanager.AlertmanagerConfig.InhibitRule;
import io.narthex.alertmanager.AlertmanagerConfig.Receiver;
import io.narthex.alertmanager.AlertmanagerConfig.Route;
import io.narthex.alertmanager.AlertmanagerConfig.TimeInterval;
import io.narthex.alertmanager.ConfigNode.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
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
 * <p>This class reads the top level, the routing tree and inhibition rules; {@link ReceiverParser} the receivers,
 * {@link TimeIntervalParser} the time intervals, and {@link ConfigNode} each mapping's fields.
 */
final class ConfigParser {
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
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
  /** Receivers, and the first field Mimir refuses, raised after Alertmanager's own checks. */
  private final ReceiverParser receiverParser = new ReceiverParser();
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
    ConfigNode top = new ConfigNode(root, "", TOP);
    JsonNode globalNode = top.get("global");
    ConfigNode global = new ConfigNode(globalNode == null ? JsonNodeFactory.instance.objectNode() : globalNode, "global", GLOBAL);
    receiverParser.forbid(global);
    if (global.get("http_config") != null) {
      receiverParser.httpConfig(global.get("http_config"), global.at("http_config"));
    }
    ReceiverParser.exclusive(global, "slack_api_url", "slack_api_url_file");
    ReceiverParser.exclusive(global, "opsgenie_api_key", "opsgenie_api_key_file");
    ReceiverParser.exclusive(global, "victorops_api_key", "victorops_api_key_file");
    ReceiverParser.exclusive(global, "smtp_auth_password", "smtp_auth_password_file");
    Duration resolveTimeout = global.duration("resolve_timeout");

    List<Receiver> receivers = new ArrayList<>();
    Set<String> receiverNames = new HashSet<>();
    List<JsonNode> receiverNodes = top.list("receivers");
    for (int i = 0; i < receiverNodes.size(); i++) {
      Receiver receiver = receiverParser.receiver(receiverNodes.get(i), top.at("receivers") + "[" + i + "]", global);
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
        ConfigNode named = new ConfigNode(nodes.get(i), path, NAMED_TIME_INTERVAL);
        String name = named.string("name");
        if (name == null || name.isEmpty()) {
          throw new InvalidConfigException("missing name in time interval (" + path + ")");
        }
        List<TimeInterval> intervals = new ArrayList<>();
        List<JsonNode> entries = named.list("time_intervals");
        for (int j = 0; j < entries.size(); j++) {
          intervals.add(TimeIntervalParser.parse(entries.get(j), named.at("time_intervals") + "[" + j + "]"));
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
    if (receiverParser.forbidden() != null && !operatorFile) {
      throw receiverParser.forbidden();
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
    ConfigNode route = new ConfigNode(node, path, ROUTE);
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
    // As Alertmanager's NewRoute: an empty receiver or group_by list inherits the parent's, as if unset.
    String receiver = route.string("receiver");
    if (receiver != null && receiver.isEmpty()) {
      receiver = null;
    }
    if (groupBy != null && groupBy.isEmpty() && !groupByAll) {
      groupBy = null;
    }
    return new Route(receiver, groupBy == null ? null : List.copyOf(groupBy), groupByAll,
        List.copyOf(matchers), route.bool("continue"), route.duration("group_wait"), groupInterval, repeatInterval,
        route.strings("mute_time_intervals"), route.strings("active_time_intervals"), List.copyOf(children));
  }

  /** {@code match} or {@code match_re}: label names checked, regexes compiled, in name order (Go maps are not). */
  private static List<Matcher> legacyMatchers(ConfigNode obj, String key, Matcher.Type type) {
    List<Matcher> out = new ArrayList<>();
    new java.util.TreeMap<>(obj.stringMap(key)).forEach((name, value) -> {
      if (!LABEL_NAME.matcher(name).matches()) {
        throw new InvalidConfigException("invalid label name \"" + name + "\" (" + obj.at(key) + ")");
      }
      out.add(withPath(() -> Matcher.of(name, type, value), obj.at(key)));
    });
    return out;
  }

  private static List<Matcher> matchers(ConfigNode obj, String key) {
    List<Matcher> out = new ArrayList<>();
    for (String text : obj.strings(key)) {
      out.addAll(withPath(() -> Matcher.parseAll(text), obj.at(key)));
    }
    return out;
  }

  private InhibitRule inhibitRule(JsonNode node, String path) {
    ConfigNode rule = new ConfigNode(node, path, INHIBIT_RULE);
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

}
