package io.narthex.ruler.alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import io.narthex.common.GoFloat;
import io.narthex.common.Tenant;
import io.narthex.common.TenantResolver;
import io.narthex.ruler.eval.GroupEvaluator;
import io.narthex.ruler.eval.RuleEvaluator;
import io.narthex.tsdb.labels.Labels;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Prometheus's {@code GET /api/v1/alerts} under {@code <prometheus-http-prefix>}, served by the ruler: the pending and
 * firing alerts of every alerting rule it runs for the tenant (resolved ones are not listed), in the JSON of
 * Prometheus's {@code web/api/v1/api.go} ({@code AlertDiscovery}, {@code Alert}): {@code labels},
 * {@code annotations}, {@code state}, {@code activeAt} (RFC 3339 as Go writes it), {@code keepFiringSince} (only
 * while {@code keep_firing_for} holds the alert) and {@code value} (Go's {@code 'e'} format). Alerts come in the
 * order of their groups (namespace, then name), rules, then labels. Without a tenant: 401 in plain text, as the query
 * API answers.
 */
public final class AlertsApi {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Function<String, List<GroupEvaluator>> groupsOfTenant;
  private final TenantResolver tenantResolver;

  /** @param groupsOfTenant the rule groups this ruler runs for a tenant ({@code RuleManager::groups}) */
  public AlertsApi(Function<String, List<GroupEvaluator>> groupsOfTenant, TenantResolver tenantResolver) {
    this.groupsOfTenant = groupsOfTenant;
    this.tenantResolver = tenantResolver;
  }

  /** Binds {@code GET <prometheusHttpPrefix>/api/v1/alerts}. */
  public void bind(ServerBuilder http, String prometheusHttpPrefix) {
    http.route().get(prometheusHttpPrefix + "/api/v1/alerts").build((ctx, req) -> {
      String tenant;
      try {
        tenant = tenantResolver.resolve(req.headers().get(Tenant.HEADER),
            req.headers().get(HttpHeaderNames.AUTHORIZATION));
      } catch (Tenant.InvalidTenantException e) {
        if (e.httpStatus() == HttpStatus.UNAUTHORIZED.code()) {
          return HttpResponse.of(HttpStatus.UNAUTHORIZED, MediaType.PLAIN_TEXT_UTF_8, e.getMessage() + "\n");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "error");
        body.put("errorType", "bad_data");
        body.put("error", e.getMessage());
        return json(HttpStatus.valueOf(e.httpStatus()), body);
      }
      return alerts(tenant);
    });
  }

  /** The answer for {@code tenant}. */
  HttpResponse alerts(String tenant) {
    List<Object> alerts = new ArrayList<>();
    for (GroupEvaluator group : groupsOfTenant.apply(tenant)) {
      for (RuleEvaluator rule : group.rules()) {
        if (!(rule instanceof AlertingRuleEvaluator alerting)) {
          continue;
        }
        List<Alert> active = new ArrayList<>(alerting.alertingRule().activeAlerts());
        active.sort(Comparator.comparing(Alert::labels));
        for (Alert alert : active) {
          alerts.add(json(alert));
        }
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", "success");
    body.put("data", Map.of("alerts", alerts));
    return json(HttpStatus.OK, body);
  }

  /** One alert as Prometheus's API writes it. */
  static Map<String, Object> json(Alert alert) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("labels", map(alert.labels()));
    json.put("annotations", map(alert.annotations()));
    json.put("state", alert.state().text());
    json.put("activeAt", goTime(alert.activeAtMs()));
    if (alert.keepFiringSinceMs() != 0) {
      json.put("keepFiringSince", goTime(alert.keepFiringSinceMs()));
    }
    json.put("value", GoFloat.formatE(alert.value()));
    return json;
  }

  private static Map<String, String> map(Labels labels) {
    Map<String, String> map = new LinkedHashMap<>();
    labels.forEach(map::put);
    return map;
  }

  /** Go's {@code time.Time} JSON (RFC 3339 with the fraction's trailing zeros dropped), UTC. */
  static String goTime(long epochMs) {
    String text = Instant.ofEpochMilli(epochMs).toString();
    int dot = text.indexOf('.');
    if (dot < 0) {
      return text;
    }
    int end = text.length() - 1;
    int last = end;
    while (last > dot + 1 && text.charAt(last - 1) == '0') {
      last--;
    }
    return text.substring(0, last) + "Z";
  }

  private static HttpResponse json(HttpStatus status, Object body) {
    try {
      return HttpResponse.of(status, MediaType.JSON, JSON.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
