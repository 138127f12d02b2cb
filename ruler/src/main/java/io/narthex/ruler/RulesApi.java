package io.narthex.ruler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.server.ServerBuilder;
import io.narthex.common.ErrorId;
import io.narthex.common.GoFloat;
import io.narthex.common.Tenant;
import io.narthex.common.TenantResolver;
import io.narthex.promql.parser.Durations;
import io.narthex.ruler.eval.AlertingRuleState;
import io.narthex.ruler.eval.GroupEvaluator;
import io.narthex.ruler.eval.RuleEvaluator;
import io.narthex.ruler.eval.RuleManager;
import io.narthex.ruler.eval.RuleStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Prometheus's {@code GET /api/v1/rules} under {@code <prometheus-http-prefix>}, served by the ruler from the groups
 * it runs for the tenant, with the JSON shape of Prometheus's {@code web/api/v1/api.go} ({@code RuleGroup},
 * {@code AlertingRule}, {@code RecordingRule}, {@code Alert}) and Mimir's meaning of {@code file}: the namespace.
 * Filters, as Prometheus's: {@code type=alert|record}, {@code rule_name[]}, {@code rule_group[]}, {@code file[]};
 * a group left without rules by them is not listed; {@code exclude_alerts=true} leaves alerting rules' alerts out
 * ({@code null}). Errors take Prometheus's JSON error shape: 400 {@code bad_data} for another {@code type} or an
 * {@code exclude_alerts} that is not a boolean ({@code err-narthex-ruler-invalid-rules-filter}); 401 in plain text
 * without a tenant, as the query API answers.
 */
public final class RulesApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Go's zero {@code time.Time}, which Prometheus shows for a rule never evaluated. */
  private static final String ZERO_TIME = "0001-01-01T00:00:00Z";

  private final RuleManager manager;
  private final TenantResolver tenantResolver;

  public RulesApi(RuleManager manager, TenantResolver tenantResolver) {
    this.manager = manager;
    this.tenantResolver = tenantResolver;
  }

  /** Binds {@code GET <prometheusHttpPrefix>/api/v1/rules}. */
  public void bind(ServerBuilder http, String prometheusHttpPrefix) {
    http.service(prometheusHttpPrefix + "/api/v1/rules", (ctx, req) -> {
      String tenant;
      try {
        tenant = tenantResolver.resolve(req.headers().get(Tenant.HEADER),
            req.headers().get(HttpHeaderNames.AUTHORIZATION));
      } catch (Tenant.InvalidTenantException e) {
        return e.httpStatus() == HttpStatus.UNAUTHORIZED.code()
            ? HttpResponse.of(HttpStatus.UNAUTHORIZED, MediaType.PLAIN_TEXT_UTF_8, e.getMessage() + "\n")
            : error(HttpStatus.valueOf(e.httpStatus()), e.getMessage());
      }
      return rules(tenant, ctx.queryParams());
    });
  }

  /** The answer for {@code tenant} with the filters in {@code params}. */
  HttpResponse rules(String tenant, QueryParams params) {
    String type = params.get("type", "").toLowerCase(Locale.ROOT);
    if (!type.isEmpty() && !type.equals("alert") && !type.equals("record")) {
      return error(HttpStatus.BAD_REQUEST, ErrorId.RULER_INVALID_RULES_FILTER.withId(
          "not supported value \"" + type + "\" of parameter type: use alert or record"));
    }
    String excludeAlertsParam = params.get("exclude_alerts", "");
    if (!excludeAlertsParam.isEmpty() && !excludeAlertsParam.equalsIgnoreCase("true")
        && !excludeAlertsParam.equalsIgnoreCase("false")) {
      return error(HttpStatus.BAD_REQUEST, ErrorId.RULER_INVALID_RULES_FILTER.withId(
          "error converting exclude_alerts: \"" + excludeAlertsParam + "\" is not true or false"));
    }
    boolean excludeAlerts = excludeAlertsParam.equalsIgnoreCase("true");
    Set<String> ruleNames = filter(params, "rule_name[]");
    Set<String> ruleGroups = filter(params, "rule_group[]");
    Set<String> files = filter(params, "file[]");
    List<Object> groups = new ArrayList<>();
    for (GroupEvaluator group : manager.groups(tenant)) {
      if ((!ruleGroups.isEmpty() && !ruleGroups.contains(group.group().name()))
          || (!files.isEmpty() && !files.contains(group.namespace()))) {
        continue;
      }
      List<Object> rules = new ArrayList<>();
      for (RuleEvaluator rule : group.rules()) {
        boolean alerting = rule.rule().alert() != null && !rule.rule().alert().isEmpty();
        if ((!ruleNames.isEmpty() && !ruleNames.contains(rule.rule().name()))
            || (type.equals("alert") && !alerting) || (type.equals("record") && alerting)) {
          continue;
        }
        rules.add(alerting ? alertingRule(rule, excludeAlerts) : recordingRule(rule));
      }
      if (rules.isEmpty()) {
        continue;
      }
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("name", group.group().name());
      json.put("file", group.namespace());
      json.put("rules", rules);
      json.put("interval", seconds(group.intervalNanos() / 1e9));
      json.put("limit", group.limit());
      if (group.group().sourceTenants() != null && !group.group().sourceTenants().isEmpty()) {
        json.put("sourceTenants", group.group().sourceTenants());
      }
      json.put("evaluationTime", group.evaluationTimeNanos() / 1e9);
      json.put("lastEvaluation", time(group.lastEvaluationNanos()));
      groups.add(json);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", "success");
    body.put("data", Map.of("groups", groups));
    return json(HttpStatus.OK, body);
  }

  private static Set<String> filter(QueryParams params, String name) {
    return new HashSet<>(params.getAll(name));
  }

  private static Map<String, Object> recordingRule(RuleEvaluator rule) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("name", rule.rule().record());
    json.put("query", rule.rule().expr());
    json.put("labels", rule.labels());
    status(json, rule.status().snapshot());
    json.put("type", "recording");
    return json;
  }

  private static Map<String, Object> alertingRule(RuleEvaluator rule, boolean excludeAlerts) {
    Map<String, Object> json = new LinkedHashMap<>();
    AlertingRuleState state = rule instanceof AlertingRuleState s ? s : null;
    json.put("state", state == null ? "inactive" : state.state());
    json.put("name", rule.rule().alert());
    json.put("query", rule.rule().expr());
    json.put("duration", seconds(durationSeconds(rule.rule().forDuration())));
    json.put("keepFiringFor", seconds(durationSeconds(rule.rule().keepFiringFor())));
    json.put("labels", rule.labels());
    json.put("annotations", rule.rule().annotations() == null ? Map.of() : rule.rule().annotations());
    List<Object> alerts = new ArrayList<>();
    if (state != null) {
      for (AlertingRuleState.ApiAlert alert : state.alerts()) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("labels", alert.labels());
        a.put("annotations", alert.annotations());
        a.put("state", alert.state());
        a.put("activeAt", time(alert.activeAtMs() * 1_000_000L));
        if (alert.keepFiringSinceMs() != 0) {
          a.put("keepFiringSince", time(alert.keepFiringSinceMs() * 1_000_000L));
        }
        a.put("value", GoFloat.formatE(alert.value()));
        alerts.add(a);
      }
    }
    // Excluded, Prometheus leaves its slice nil, which Go writes as null.
    json.put("alerts", excludeAlerts ? null : alerts);
    status(json, rule.status().snapshot());
    json.put("type", "alerting");
    return json;
  }

  private static void status(Map<String, Object> json, RuleStatus.Snapshot status) {
    json.put("health", status.health().apiName());
    if (!status.lastError().isEmpty()) {
      json.put("lastError", status.lastError());
    }
    json.put("evaluationTime", status.evaluationTimeNanos() / 1e9);
    json.put("lastEvaluation", time(status.lastEvaluationNanos()));
  }

  private static double durationSeconds(String duration) {
    return duration == null || duration.isEmpty() ? 0 : Durations.parseMs(duration) / 1e3;
  }

  /** A whole number of seconds as Go's encoding/json writes a float64 of it ({@code 60}, not {@code 60.0}). */
  private static Object seconds(double seconds) {
    return seconds == Math.rint(seconds) && Math.abs(seconds) < 1e15 ? (Object) (long) seconds : seconds;
  }

  /** Go's RFC3339Nano of an instant, UTC, trailing zeros of the fraction dropped; Go's zero time for 0. */
  static String time(long epochNanos) {
    if (epochNanos == 0) {
      return ZERO_TIME;
    }
    Instant instant = Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
        Math.floorMod(epochNanos, 1_000_000_000L));
    String text = instant.toString();
    // Instant writes the fraction in groups of three digits; Go drops every trailing zero.
    if (text.contains(".")) {
      String fraction = text.substring(text.indexOf('.') + 1, text.length() - 1).replaceAll("0+$", "");
      text = text.substring(0, text.indexOf('.')) + (fraction.isEmpty() ? "" : "." + fraction) + "Z";
    }
    return text;
  }

  private static HttpResponse error(HttpStatus status, String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", "error");
    body.put("errorType", status.code() >= 500 ? "server_error" : "bad_data");
    body.put("error", message);
    return json(status, body);
  }

  private static HttpResponse json(HttpStatus status, Object body) {
    try {
      return HttpResponse.of(status, MediaType.JSON, JSON.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
