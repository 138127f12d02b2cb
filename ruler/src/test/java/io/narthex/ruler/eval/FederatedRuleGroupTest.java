package io.narthex.ruler.eval;

import static io.narthex.ruler.eval.TestRuler.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.promql.Sample;
import io.narthex.promql.Value;
import io.narthex.promql.Vector;
import io.narthex.ruler.RuleGroup;
import io.narthex.tsdb.labels.Labels;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Federated rule groups ({@code source_tenants}), as Mimir's ruler runs them: the rules' queries name the source
 * tenants, never the owner, and the output goes to the owner.
 */
class FederatedRuleGroupTest {
  private static final long T = 1_700_000_000_000L;
  private static final String OWNER = "owner";

  /** What each query named: {@code owner} for a single-tenant query, {@code [a, b]} for a federated one. */
  private final List<String> queried = new CopyOnWriteArrayList<>();
  /** The tenant of each push, then its samples. */
  private final List<String> pushedTo = new CopyOnWriteArrayList<>();
  private final List<Sample> pushed = new CopyOnWriteArrayList<>();

  /** Answers every query with one series per tenant read, labelled as the querier's federation labels them. */
  private final RuleQuerier querier = new RuleQuerier() {
    @Override
    public Value query(String tenant, String expr, long timestampMs) {
      queried.add(tenant);
      return new Vector(List.of(new Sample(Labels.of("job", "a"), timestampMs, 1)));
    }

    @Override
    public Value queryTenants(List<String> tenants, String expr, long timestampMs) {
      queried.add(tenants.toString());
      return new Vector(tenants.stream()
          .map(tenant -> new Sample(Labels.of("__tenant_id__", tenant), timestampMs, 2)).toList());
    }
  };

  private final RulePusher pusher = (tenant, samples) -> {
    pushedTo.add(tenant);
    pushed.addAll(samples);
    return List.of();
  };

  private GroupEvaluator group(boolean tenantFederationEnabled, List<String> sourceTenants) {
    RuleGroup group = new RuleGroup("fed", null, null, null, null, sourceTenants, null, null,
        List.of(record("tenant:up:count", "count by (__tenant_id__) (up)", Map.of("team", "infra"))));
    return new GroupEvaluator(OWNER, "ns", group,
        new GroupEvaluator.Settings(Duration.ofMinutes(1), Duration.ZERO, true, tenantFederationEnabled),
        RuleEvaluators.recordingOnly(), querier, pusher, new TestRuler.FakeClock(T * 1_000_000L),
        new RulerMetrics(new PrometheusRegistry()));
  }

  @Test
  void federatedGroupQueriesItsSourceTenantsAndWritesToItsOwner() {
    GroupEvaluator group = group(true, List.of("team-b", "team-a"));

    group.evaluate(T);

    assertThat(queried).containsExactly("[team-b, team-a]");
    assertThat(pushedTo).containsExactly(OWNER);
    assertThat(pushed).containsExactly(
        new Sample(Labels.of("__name__", "tenant:up:count", "__tenant_id__", "team-b", "team", "infra"), T, 2),
        new Sample(Labels.of("__name__", "tenant:up:count", "__tenant_id__", "team-a", "team", "infra"), T, 2));
    assertThat(group.rules().getFirst().status().snapshot().health()).isEqualTo(RuleHealth.OK);
  }

  @Test
  void groupWithoutSourceTenantsQueriesItsOwner() {
    group(true, null).evaluate(T);

    assertThat(queried).containsExactly(OWNER);
    assertThat(pushedTo).containsExactly(OWNER);
  }

  @Test
  void federatedGroupIsNotEvaluatedButFailsVisiblyWhileRulesFederationIsDisabled() {
    GroupEvaluator group = group(false, List.of("team-a", "team-b"));

    group.evaluate(T);

    assertThat(queried).isEmpty();
    assertThat(pushedTo).isEmpty();
    RuleStatus.Snapshot status = group.rules().getFirst().status().snapshot();
    assertThat(status.health()).isEqualTo(RuleHealth.ERR);
    assertThat(status.lastError()).isEqualTo(GroupEvaluator.FEDERATION_DISABLED)
        .contains("-ruler.tenant-federation.enabled").contains("err-narthex-ruler-tenant-federation-disabled");
    assertThat(group.lastEvaluationNanos()).isEqualTo(T * 1_000_000L);
  }
}
