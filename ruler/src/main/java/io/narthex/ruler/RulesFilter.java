package io.narthex.ruler;

import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.QueryParamsBuilder;
import io.narthex.common.ErrorId;
import io.narthex.promql.PromQLException;
import io.narthex.promql.parser.Parser;
import io.narthex.tsdb.labels.Matcher;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The filters and pagination of {@code GET /api/v1/rules}, as Prometheus's {@code rules} handler in
 * {@code web/api/v1/api.go}: {@code type=alert|record}, {@code rule_name[]}, {@code rule_group[]}, {@code file[]}
 * (the namespace), {@code match[]} (series selectors over a rule's own labels, any of them matching),
 * {@code exclude_alerts=<bool>}, and {@code group_limit} (a positive number of groups per page) with
 * {@code group_next_token} (the token of the first group of the next page, {@code groupNextToken} in the answer:
 * the hex SHA-1 of {@code <file>;<group>}, as Prometheus's {@code getRuleGroupNextToken}). A bad parameter is a
 * {@link InvalidFilterException} with Prometheus's message ({@code invalid parameter "..."}) and
 * {@code err-narthex-ruler-invalid-rules-filter}.
 */
final class RulesFilter {
  private final String type;
  private final boolean excludeAlerts;
  private final Set<String> ruleNames;
  private final Set<String> ruleGroups;
  private final Set<String> files;
  private final List<List<Matcher>> matcherSets;
  /** Groups per page; 0 without pagination. */
  private final int groupLimit;
  private final String nextToken;

  private RulesFilter(String type, boolean excludeAlerts, Set<String> ruleNames, Set<String> ruleGroups,
      Set<String> files, List<List<Matcher>> matcherSets, int groupLimit, String nextToken) {
    this.type = type;
    this.excludeAlerts = excludeAlerts;
    this.ruleNames = ruleNames;
    this.ruleGroups = ruleGroups;
    this.files = files;
    this.matcherSets = matcherSets;
    this.groupLimit = groupLimit;
    this.nextToken = nextToken;
  }

  /** A filter parameter that is not valid; the message is the answer's {@code error}. */
  static final class InvalidFilterException extends Exception {
    InvalidFilterException(String message) {
      super(ErrorId.RULER_INVALID_RULES_FILTER.withId(message));
    }
  }

  /** One page of groups and the token of the next page, null on the last. */
  record Page(List<Map<String, Object>> groups, String nextToken) {}

  /** @throws InvalidFilterException naming the parameter that is not valid */
  static RulesFilter parse(QueryParams params) throws InvalidFilterException {
    String type = params.get("type", "").toLowerCase(Locale.ROOT);
    if (!type.isEmpty() && !type.equals("alert") && !type.equals("record")) {
      throw new InvalidFilterException("not supported value \"" + type + "\" of parameter type: use alert or record");
    }
    String excludeAlerts = params.get("exclude_alerts", "");
    if (!excludeAlerts.isEmpty() && !excludeAlerts.equalsIgnoreCase("true")
        && !excludeAlerts.equalsIgnoreCase("false")) {
      throw new InvalidFilterException(
          "error converting exclude_alerts: \"" + excludeAlerts + "\" is not true or false");
    }
    List<List<Matcher>> matcherSets = new ArrayList<>();
    for (String selector : params.getAll("match[]")) {
      List<Matcher> matchers;
      try {
        matchers = Parser.parseMetricSelector(selector);
      } catch (PromQLException e) {
        throw invalidParameter("match[]", e.getMessage());
      }
      if (matchers.stream().allMatch(Matcher::matchesEmpty)) {
        throw invalidParameter("match[]", "match[] must contain at least one non-empty matcher");
      }
      matcherSets.add(matchers);
    }
    String limit = params.get("group_limit", "");
    String token = params.get("group_next_token", "");
    if (!token.isEmpty() && limit.isEmpty()) {
      throw invalidParameter("group_next_token",
          "group_limit needs to be present in order to paginate over the groups");
    }
    int groupLimit = 0;
    if (!limit.isEmpty()) {
      try {
        groupLimit = Integer.parseInt(limit);
      } catch (NumberFormatException e) {
        // Go's strconv.ParseInt error, as Prometheus wraps it.
        boolean digits = limit.matches("[+-]?[0-9]+");
        throw invalidParameter("group_limit", "group_limit needs to be a valid number: strconv.ParseInt: parsing "
            + goQuote(limit) + ": " + (digits ? "value out of range" : "invalid syntax"));
      }
      if (groupLimit <= 0) {
        throw invalidParameter("group_limit", "group_limit needs to be greater than 0");
      }
    }
    return new RulesFilter(type, excludeAlerts.equalsIgnoreCase("true"), new HashSet<>(params.getAll("rule_name[]")),
        new HashSet<>(params.getAll("rule_group[]")), new HashSet<>(params.getAll("file[]")), matcherSets,
        groupLimit, token);
  }

  private static InvalidFilterException invalidParameter(String parameter, String message) {
    return new InvalidFilterException("invalid parameter " + goQuote(parameter) + ": " + message);
  }

  private static String goQuote(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  boolean excludeAlerts() {
    return excludeAlerts;
  }

  /** Whether the group's rules are listed at all. */
  boolean selectsGroup(String namespace, String group) {
    return (ruleGroups.isEmpty() || ruleGroups.contains(group)) && (files.isEmpty() || files.contains(namespace));
  }

  /** Whether a rule of a selected group is listed; {@code labels} are the rule's own. */
  boolean selectsRule(String name, boolean alerting, Map<String, String> labels) {
    if ((!ruleNames.isEmpty() && !ruleNames.contains(name))
        || (type.equals("alert") && !alerting) || (type.equals("record") && alerting)) {
      return false;
    }
    if (matcherSets.isEmpty()) {
      return true;
    }
    for (List<Matcher> matchers : matcherSets) {
      boolean all = true;
      for (Matcher matcher : matchers) {
        String value = labels.get(matcher.name());
        if (!matcher.matches(value == null ? "" : value)) {
          all = false;
          break;
        }
      }
      if (all) {
        return true;
      }
    }
    return false;
  }

  /**
   * The requested page of {@code groups} (filtered, in order).
   *
   * @throws InvalidFilterException when {@code group_next_token} names no group (the groups changed)
   */
  Page page(List<Map<String, Object>> groups) throws InvalidFilterException {
    if (groupLimit == 0) {
      return new Page(groups, null);
    }
    List<Map<String, Object>> page = new ArrayList<>();
    boolean found = nextToken.isEmpty();
    for (Map<String, Object> group : groups) {
      String token = token((String) group.get("file"), (String) group.get("name"));
      if (!found) {
        if (!token.equals(nextToken)) {
          continue;
        }
        found = true;
      }
      if (page.size() == groupLimit) {
        return new Page(page, token);
      }
      page.add(group);
    }
    if (!found) {
      throw invalidParameter("group_next_token",
          "invalid group_next_token '" + nextToken + "'. were rule groups changed?");
    }
    return new Page(page, null);
  }

  /** The parameters for another ruler, which answers with all its filtered groups: without the pagination. */
  static QueryParams withoutPagination(QueryParams params) {
    QueryParamsBuilder builder = params.toBuilder();
    builder.remove("group_limit");
    builder.remove("group_next_token");
    return builder.build();
  }

  /** Prometheus's {@code getRuleGroupNextToken}: the hex SHA-1 of {@code <file>;<group>}. */
  static String token(String file, String group) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
          .digest((file + ";" + group).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
