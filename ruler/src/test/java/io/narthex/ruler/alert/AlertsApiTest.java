package io.narthex.ruler.alert;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.narthex.common.TenantResolver;
import io.narthex.ruler.PeerRules;
import io.narthex.ruler.Rule;
import io.narthex.ruler.RuleGroup;
import io.narthex.ruler.RulesApi;
import io.narthex.ruler.eval.GroupEvaluator;
import io.narthex.tsdb.labels.Labels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code /api/v1/alerts} ({@link RulesApi#alerts}) in Prometheus's JSON, from the alerting rules a ruler runs. */
class AlertsApiTest {
  private static final long MINUTE = 60_000L;
  private static final long T0 = 1_700_000_000_000L;

  private final RulerFixture fixture = new RulerFixture();

  @Test
  void listsPendingAndFiringAlertsButNotResolvedOnes() throws Exception {
    RuleGroup group = new RuleGroup("g", "1m", null, null, null, null, null, null, List.of(
        new Rule("errors:rate", null, "errors", null, null, null, null),
        new Rule(null, "Down", "errors > 5", null, "2m", Map.of("severity", "page"), Map.of("summary", "down")),
        new Rule(null, "Slow", "latency > 1e-6", "10m", null, null, null)));
    Labels api = Labels.of("__name__", "errors", "job", "api");
    Labels cache = Labels.of("__name__", "errors", "job", "cache");
    Labels db = Labels.of("__name__", "errors", "job", "db");
    Labels latency = Labels.of("__name__", "latency", "job", "web");
    long t1 = T0 + MINUTE;
    long t2 = T0 + 4 * MINUTE + 120;
    for (Labels errors : List.of(api, cache, db)) {
      fixture.append(errors, T0, 9);
    }
    fixture.append(latency, T0, 0.00000125);
    fixture.append(api, t1, 1);
    fixture.append(db, t1, 0);
    fixture.append(api, t2, 9);
    fixture.append(cache, t2, 1);
    fixture.append(latency, t2, 0.00000125);
    GroupEvaluator ruler = fixture.startRuler(group);
    for (long t : new long[] {T0, t1, t2}) {
      ruler.evaluate(t);
    }
    RulesApi alertsApi = new RulesApi(tenant -> tenant.equals(RulerFixture.TENANT) ? List.of(ruler) : List.of(),
        List.of(), PeerRules.NONE, TenantResolver.DEFAULT);

    String body = alertsApi.alerts(RulerFixture.TENANT).aggregate().join().contentUtf8();
    // job="api" fires again, job="cache" is held by keep_firing_for, job="db" held 2m and then resolved.
    assertThat(new ObjectMapper().readTree(body)).isEqualTo(new ObjectMapper().readTree("""
        {"status":"success","data":{"alerts":[
          {"labels":{"alertname":"Down","job":"api","severity":"page"},"annotations":{"summary":"down"},
           "state":"firing","activeAt":"2023-11-14T22:13:20Z","value":"9e+00"},
          {"labels":{"alertname":"Down","job":"cache","severity":"page"},"annotations":{"summary":"down"},
           "state":"firing","activeAt":"2023-11-14T22:13:20Z","keepFiringSince":"2023-11-14T22:17:20.12Z",
           "value":"9e+00"},
          {"labels":{"alertname":"Slow","job":"web"},"annotations":{},
           "state":"pending","activeAt":"2023-11-14T22:13:20Z","value":"1.25e-06"}]}}
        """));
    assertThat(RulerFixture.alertingRule(ruler, 1).currentAlerts()).as("the resolved one is still kept").hasSize(3);
    assertThat(new ObjectMapper().readTree(alertsApi.alerts("other").aggregate().join().contentUtf8())
        .at("/data/alerts")).isEmpty();
  }
}
