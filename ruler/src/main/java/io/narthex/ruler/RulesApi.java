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
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Prometheus's {@code GET /api/v1/rules} and {@code GET /api/v1/alerts} under {@code <prometheus-http-prefix>}, served
 * by any ruler for all of the tenant's groups: its own, and those of every other ruler of the ring, fetched through
 * {@value #INTERNAL_RULES_PATH} (which answers with the local groups only, for the {@code X-Scope-OrgID} tenant, with
 * the same filters). Groups come in order of namespace, then name. As Mimir, the answer fails rather than being
 * partial: a ruler that does not answer is a 500 {@code server_error} naming it
 * ({@code err-narthex-ruler-unavailable}).
 *
 * <p>The JSON is Prometheus's {@code web/api/v1/api.go} ({@code RuleGroup}, {@code AlertingRule},
 * {@code RecordingRule}, {@code Alert}, {@code AlertDiscovery}) with Mimir's meaning of {@code file}: the namespace.
 * Filters of {@code /api/v1/rules}, as Prometheus's ({@link RulesFilter}): {@code type}, {@code rule_name[]},
 * {@code rule_group[]}, {@code file[]}, {@code match[]}, {@code exclude_alerts}, and the pagination
 * {@code group_limit} and {@code group_next_token}. {@code /api/v1/alerts} lists the pending and firing alerts of
 * every alerting rule, in the order of their groups and rules, then labels. Errors take Prometheus's JSON error
 * shape; without a tenant, 401 in plain text, as the query API answers.
 */
public final class RulesApi {
  /** The route that answers with this ruler's groups only; the other rulers call it. */
  public static final String INTERNAL_RULES_PATH = "/ruler/internal/rules";

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Go's zero {@code time.Time}, which Prometheus shows for a rule never evaluated. */
  private static final String ZERO_TIME = "0001-01-01T00:00:00Z";

  private final Function<String, List<GroupEvaluator>> localGroups;
  private final List<String> otherRulers;
  private final PeerRules peers;
  private final TenantResolver tenantResolver;

  /** The API of a single ruler, which runs every group. */
  public RulesApi(RuleManager manager, TenantResolver tenantResolver) {
    this(manager::groups, List.of(), PeerRules.NONE, tenantResolver);
  }

  /**
   * @param localGroups the groups this ruler runs for a tenant ({@code RuleManager::groups})
   * @param otherRulers the other rulers' HTTP addresses ({@code host:port}), asked for their groups
   * @param peers how they are asked ({@link PeerRules#http})
   */
  public RulesApi(Function<String, List<GroupEvaluator>> localGroups, List<String> otherRulers, PeerRules peers,
      TenantResolver tenantResolver) {
    this.localGroups = localGroups;
    this.otherRulers = List.copyOf(otherRulers);
    this.peers = peers;
    this.tenantResolver = tenantResolver;
  }

  /** Binds {@code GET <prometheusHttpPrefix>/api/v1/rules}, {@code .../api/v1/alerts} and the internal route. */
  public void bind(ServerBuilder http, String prometheusHttpPrefix) {
    // Listings wait on the other rulers (up to their timeout): off the event loop, which serves every other route.
    http.route().get(prometheusHttpPrefix + "/api/v1/rules").build((ctx, req) -> blocking(ctx,
        () -> withTenant(req.headers(), tenant -> rules(tenant, ctx.queryParams()))));
    http.route().get(prometheusHttpPrefix + "/api/v1/alerts").build((ctx, req) -> blocking(ctx,
        () -> withTenant(req.headers(), this::alerts)));
    http.route().get(INTERNAL_RULES_PATH).build((ctx, req) -> blocking(ctx,
        () -> withTenant(req.headers(), tenant -> localRules(tenant, ctx.queryParams()))));
  }

  private static HttpResponse blocking(com.linecorp.armeria.server.ServiceRequestContext ctx,
      java.util.function.Supplier<HttpResponse> answer) {
    return HttpResponse.of(java.util.concurrent.CompletableFuture.supplyAsync(answer, ctx.blockingTaskExecutor()));
  }

  private HttpResponse withTenant(com.linecorp.armeria.common.RequestHeaders headers,
      Function<String, HttpResponse> answer) {
    String tenant;
    try {
      tenant = tenantResolver.resolve(headers.get(Tenant.HEADER), headers.get(HttpHeaderNames.AUTHORIZATION));
    } catch (Tenant.InvalidTenantException e) {
      return e.httpStatus() == HttpStatus.UNAUTHORIZED.code()
          ? HttpResponse.of(HttpStatus.UNAUTHORIZED, MediaType.PLAIN_TEXT_UTF_8, e.getMessage() + "\n")
          : error(HttpStatus.valueOf(e.httpStatus()), e.getMessage());
    }
    return answer.apply(tenant);
  }

  /** The answer of {@code /api/v1/rules} for {@code tenant} with the filters in {@code params}. */
  HttpResponse rules(String tenant, QueryParams params) {
    return withFilter(params, filter -> {
      List<Map<String, Object>> groups;
      try {
        groups = allGroups(tenant, params, filter);
      } catch (IOException e) {
        return error(HttpStatus.INTERNAL_SERVER_ERROR, e.getMessage());
      }
      RulesFilter.Page page = filter.page(groups);
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("groups", page.groups());
      if (page.nextToken() != null) {
        data.put("groupNextToken", page.nextToken());
      }
      return success(data);
    });
  }

  /** An answer that needs the request's filters. */
  @FunctionalInterface
  private interface FilteredAnswer {
    HttpResponse answer(RulesFilter filter) throws RulesFilter.InvalidFilterException;
  }

  /** The answer, or 400 {@code bad_data} when a filter parameter is not valid. */
  private static HttpResponse withFilter(QueryParams params, FilteredAnswer answer) {
    try {
      return answer.answer(RulesFilter.parse(params));
    } catch (RulesFilter.InvalidFilterException e) {
      return error(HttpStatus.BAD_REQUEST, e.getMessage());
    }
  }

  /**
   * The answer of {@code /api/v1/alerts} for {@code tenant}: the pending and firing alerts of all its groups, over
   * every ruler.
   */
  public HttpResponse alerts(String tenant) {
    QueryParams params = QueryParams.of("type", "alert");
    List<Map<String, Object>> groups;
    try {
      groups = allGroups(tenant, params, RulesFilter.parse(params));
    } catch (IOException e) {
      return error(HttpStatus.INTERNAL_SERVER_ERROR, e.getMessage());
    } catch (RulesFilter.InvalidFilterException e) {
      throw new IllegalStateException(e);
    }
    List<Object> alerts = new ArrayList<>();
    for (Map<String, Object> group : groups) {
      for (Object rule : (List<?>) group.get("rules")) {
        Object ruleAlerts = ((Map<?, ?>) rule).get("alerts");
        if (ruleAlerts != null) {
          alerts.addAll((List<?>) ruleAlerts);
        }
      }
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("alerts", alerts);
    return success(data);
  }

  /** The answer of the internal route: this ruler's groups only, filtered but not paginated. */
  HttpResponse localRules(String tenant, QueryParams params) {
    return withFilter(params, filter -> {
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("groups", local(tenant, filter));
      return success(data);
    });
  }

  /** This ruler's groups and every other ruler's, filtered, by namespace then name. */
  private List<Map<String, Object>> allGroups(String tenant, QueryParams params, RulesFilter filter)
      throws IOException {
    List<Map<String, Object>> groups = new ArrayList<>(local(tenant, filter));
    if (!otherRulers.isEmpty()) {
      groups.addAll(peers.groups(otherRulers, tenant, RulesFilter.withoutPagination(params)));
      groups.sort(GROUP_ORDER);
    }
    return groups;
  }

  static final Comparator<Map<String, Object>> GROUP_ORDER = Comparator
      .comparing((Map<String, Object> g) -> (String) g.get("file"))
      .thenComparing(g -> (String) g.get("name"));

  private List<Map<String, Object>> local(String tenant, RulesFilter filter) {
    List<Map<String, Object>> groups = new ArrayList<>();
    for (GroupEvaluator group : localGroups.apply(tenant)) {
      if (!filter.selectsGroup(group.namespace(), group.group().name())) {
        continue;
      }
      List<Object> rules = new ArrayList<>();
      for (RuleEvaluator rule : group.rules()) {
        boolean alerting = rule.rule().alert() != null && !rule.rule().alert().isEmpty();
        if (!filter.selectsRule(rule.rule().name(), alerting, rule.labels())) {
          continue;
        }
        rules.add(alerting ? alertingRule(rule, filter.excludeAlerts()) : recordingRule(rule));
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
    return groups;
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
        alerts.add(alert(alert));
      }
    }
    // Excluded, Prometheus leaves its slice nil, which Go writes as null.
    json.put("alerts", excludeAlerts ? null : alerts);
    status(json, rule.status().snapshot());
    json.put("type", "alerting");
    return json;
  }

  /** One alert as Prometheus's API writes it, in rules and in {@code /api/v1/alerts}. */
  private static Map<String, Object> alert(AlertingRuleState.ApiAlert alert) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("labels", alert.labels());
    json.put("annotations", alert.annotations());
    json.put("state", alert.state());
    json.put("activeAt", time(alert.activeAtMs() * 1_000_000L));
    if (alert.keepFiringSinceMs() != 0) {
      json.put("keepFiringSince", time(alert.keepFiringSinceMs() * 1_000_000L));
    }
    json.put("value", GoFloat.formatE(alert.value()));
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

  private static HttpResponse success(Map<String, Object> data) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", "success");
    body.put("data", data);
    return json(HttpStatus.OK, body);
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
