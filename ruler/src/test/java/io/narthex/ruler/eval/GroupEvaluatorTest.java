package io.narthex.ruler.eval;

import static io.narthex.ruler.eval.TestRuler.alert;
import static io.narthex.ruler.eval.TestRuler.group;
import static io.narthex.ruler.eval.TestRuler.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.promql.Sample;
import io.narthex.ruler.RuleGroup;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.StaleMarker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class GroupEvaluatorTest {
  private static final long T = 1_700_000_000_000L;
  private final TestRuler ruler = new TestRuler();

  @Test
  void recordsTheResultRenamedWithRuleLabelsOverridingGroupLabels() {
    ruler.append(Labels.of("__name__", "up", "job", "a", "env", "dev"), T - 1000, 1);
    GroupEvaluator group = ruler.group(group("g", null, Map.of("env", "prod", "team", "x"),
        record("job:up", "up", Map.of("team", "y"))));

    group.evaluate(T);

    assertThat(ruler.pushes).hasSize(1);
    assertThat(ruler.pushes.getFirst()).containsExactly(
        new Sample(Labels.of("__name__", "job:up", "env", "prod", "job", "a", "team", "y"), T, 1));
    RuleStatus.Snapshot status = group.rules().getFirst().status().snapshot();
    assertThat(status.health()).isEqualTo(RuleHealth.OK);
    assertThat(status.lastEvaluationNanos()).isEqualTo(ruler.clock.epochNanos());
  }

  @Test
  void emptyRuleLabelRemovesThatLabelFromTheOutput() {
    ruler.append(Labels.of("__name__", "up", "job", "a", "instance", "i"), T - 1000, 1);
    GroupEvaluator group = ruler.group(group("g", null, null, record("job:up", "up", Map.of("instance", ""))));

    group.evaluate(T);

    assertThat(ruler.pushes.getFirst()).extracting(Sample::labels)
        .containsExactly(Labels.of("__name__", "job:up", "job", "a"));
  }

  @Test
  void queriesAtTheInstantMinusTheQueryOffsetAndStampsOutputThere() {
    ruler.append(Labels.of("__name__", "up", "job", "a"), T - 60_000, 1);
    RuleGroup delayed = new RuleGroup("g", null, null, null, "30s", null, null, null,
        List.of(record("job:up", "timestamp(up)")));
    GroupEvaluator group = ruler.group(delayed);

    group.evaluate(T + 30_000);

    assertThat(group.queryOffsetMs()).isEqualTo(30_000);
    assertThat(ruler.pushes.getFirst()).containsExactly(
        new Sample(Labels.of("__name__", "job:up", "job", "a"), T, (T - 60_000) / 1000.0));
  }

  @Test
  void groupWithoutAnOffsetTakesItsTenantsEvaluationDelayAsReadAtEachEvaluation() {
    ruler.append(Labels.of("__name__", "up", "job", "a"), T - 60_000, 1);
    AtomicReference<Duration> tenantDelay = new AtomicReference<>(Duration.ofSeconds(30));
    GroupEvaluator.Settings settings = new GroupEvaluator.Settings(Duration.ofMinutes(1),
        tenant -> tenant.equals(TestRuler.TENANT) ? tenantDelay.get() : Duration.ofHours(1), true, false);
    GroupEvaluator group = new GroupEvaluator(TestRuler.TENANT, "ns", group("g", null, null,
        record("job:up", "timestamp(up)")), settings, RuleEvaluators.recordingOnly(), ruler.querier, ruler.pusher,
        ruler.clock, ruler.metrics);
    GroupEvaluator ownOffset = new GroupEvaluator(TestRuler.TENANT, "ns", new RuleGroup("own", null, null, "5s",
        null, null, null, null, List.of(record("r", "up"))), settings, RuleEvaluators.recordingOnly(), ruler.querier,
        ruler.pusher, ruler.clock, ruler.metrics);

    group.evaluate(T + 30_000);
    tenantDelay.set(Duration.ofSeconds(10));
    group.evaluate(T + 70_000);

    assertThat(ruler.pushedSince(0)).extracting(Sample::timestampMs).containsExactly(T, T + 60_000);
    assertThat(ownOffset.queryOffsetMs()).as("the group's own query_offset wins").isEqualTo(5_000);
  }

  @Test
  void ruleOverTheGroupLimitWritesNothingAndRecordsTheErrorWhileOtherRulesWrite() {
    for (String job : List.of("a", "b", "c")) {
      ruler.append(Labels.of("__name__", "up", "job", job), T - 1000, 1);
    }
    GroupEvaluator group = ruler.group(group("g", 2, null, record("job:up", "up"), record("total:up", "sum(up)")));

    group.evaluate(T);

    RuleStatus.Snapshot failed = group.rules().get(0).status().snapshot();
    assertThat(failed.health()).isEqualTo(RuleHealth.ERR);
    assertThat(failed.lastError()).isEqualTo("exceeded limit of 2 with 3 series");
    assertThat(group.rules().get(1).status().snapshot().health()).isEqualTo(RuleHealth.OK);
    assertThat(ruler.pushes).singleElement().satisfies(push -> assertThat(push).extracting(Sample::labels)
        .containsExactly(Labels.of("__name__", "total:up")));
    assertThat(ruler.registry.scrape().stream().filter(m -> m.getMetadata().getPrometheusName()
        .equals("cortex_prometheus_rule_evaluation_failures")).findFirst().orElseThrow()
        .getDataPoints().getFirst().getLabels().toString()).contains("ns;g");
  }

  @Test
  void seriesTheRuleStopsProducingIsMarkedStaleAndDisappears() {
    GroupEvaluator group = evaluatedOverJobsAAndBThenOnlyA(record("job:up", "up"));

    group.evaluate(T + 60_000);

    assertThat(ruler.pushedSince(1)).hasSize(2).anySatisfy(s -> {
      assertThat(s.labels()).isEqualTo(Labels.of("__name__", "job:up", "job", "b"));
      assertThat(s.timestampMs()).isEqualTo(T + 60_000);
      assertThat(StaleMarker.isStale(s.value())).isTrue();
    });
    // Within the lookback delta of its last real sample, the recorded series of b is gone all the same.
    assertThat(ruler.query("job:up", T + 61_000)).extracting(Sample::labels)
        .containsExactly(Labels.of("__name__", "job:up", "job", "a"));
    // And no stale marker again at the next evaluation.
    int before = ruler.pushes.size();
    group.evaluate(T + 120_000);
    assertThat(ruler.pushedSince(before)).hasSize(1);
  }

  @Test
  void aRejectedStaleMarkerFailsNoRuleAndTheRestOfTheOutputIsStored() {
    GroupEvaluator group = evaluatedOverJobsAAndBThenOnlyA(record("job:up", "up"), record("one", "vector(1)"));
    // Meanwhile another writer (a ruler that had the group for a while) wrote b's recorded series later on, so the
    // marker at T + 60s is out of order.
    ruler.append(Labels.of("__name__", "job:up", "job", "b"), T + 90_000, 1);

    group.evaluate(T + 60_000);

    assertThat(group.rules()).allSatisfy(rule -> assertThat(rule.status().snapshot().health())
        .as(rule.rule().name()).isEqualTo(RuleHealth.OK));
    assertThat(ruler.query("job:up{job=\"a\"} or one", T + 60_000)).extracting(Sample::timestampMs)
        .containsOnly(T + 60_000);
    assertThat(ruler.query("job:up{job=\"a\"} or one", T + 60_000)).hasSize(2);
  }

  /** A group of {@code rules} evaluated at T over {@code up} of jobs a and b; after T only a goes on. */
  private GroupEvaluator evaluatedOverJobsAAndBThenOnlyA(io.narthex.ruler.Rule... rules) {
    Labels a = Labels.of("__name__", "up", "job", "a");
    Labels b = Labels.of("__name__", "up", "job", "b");
    ruler.append(a, T - 1000, 1);
    ruler.append(b, T - 1000, 1);
    GroupEvaluator group = ruler.group(group("g", null, null, rules));
    group.evaluate(T);
    ruler.append(a, T + 59_000, 1);
    ruler.append(b, T + 59_000, StaleMarker.STALE_NAN);
    return group;
  }

  @Test
  void failedRuleKeepsItsSeriesWithoutStaleMarkers() {
    ruler.append(Labels.of("__name__", "up", "job", "a"), T - 1000, 1);
    GroupEvaluator group = ruler.group(group("g", null, null, record("job:up", "up", Map.of("x", ""))));
    group.evaluate(T);
    assertThat(ruler.pushes).hasSize(1);
    ruler.append(Labels.of("__name__", "up", "job", "a", "x", "1"), T + 10_000, 1);

    // Two series of the same labels once the rule drops x: the rule fails.
    group.evaluate(T + 60_000);

    assertThat(group.rules().getFirst().status().snapshot().lastError())
        .isEqualTo("vector contains metrics with the same labelset after applying rule labels");
    assertThat(ruler.pushes).hasSize(1);
  }

  @Test
  void failedPushMarksTheRulesWithOutputFailedAndKeepsTheirSeries() {
    ruler.append(Labels.of("__name__", "up", "job", "a"), T - 1000, 1);
    GroupEvaluator group = ruler.group(group("g", null, null, record("job:up", "up"), record("none", "absent(up)")));
    ruler.pushFailure = new IllegalStateException("ingesters unavailable");

    group.evaluate(T);

    assertThat(group.rules().get(0).status().snapshot().lastError()).isEqualTo("ingesters unavailable");
    assertThat(group.rules().get(1).status().snapshot().health()).isEqualTo(RuleHealth.OK);
  }

  @Test
  void aSeriesRejectedFromOnePushFailsOnlyTheRuleThatWroteIt() {
    ruler.append(Labels.of("__name__", "up", "job", "a"), T - 1000, 1);
    ruler.append(Labels.of("__name__", "up", "job", "b"), T - 1000, 1);
    // Another writer holds a later sample of one series of the middle rule: that series is out of order.
    ruler.append(Labels.of("__name__", "rejected", "job", "b"), T + 90_000, 1);
    GroupEvaluator group = ruler.group(group("g", null, null, record("before", "up"), record("none", "absent(up)"),
        record("rejected", "up"), record("after", "up")));

    group.evaluate(T);

    assertThat(ruler.pushes).hasSize(1);
    assertThat(group.rules()).extracting(rule -> rule.status().snapshot().health())
        .containsExactly(RuleHealth.OK, RuleHealth.OK, RuleHealth.ERR, RuleHealth.OK);
    assertThat(group.rules().get(2).status().snapshot().lastError())
        .isEqualTo("OUT_OF_ORDER {__name__=\"rejected\", job=\"b\"}");
    assertThat(ruler.metrics.evaluationFailures.labelValues(TestRuler.TENANT, "ns;g").get()).isEqualTo(1);
    // The rest of the push is stored, the rejected rule's other series included.
    assertThat(ruler.query("{__name__=~\"before|after|rejected\"}", T)).extracting(Sample::labels).hasSize(5)
        .doesNotContain(Labels.of("__name__", "rejected", "job", "b"));
  }

  @Test
  void aRuleWithSeveralRejectedSeriesShowsTheFirstAndCountsTheOthers() {
    for (String job : List.of("a", "b", "c")) {
      ruler.append(Labels.of("__name__", "up", "job", job), T - 1000, 1);
      ruler.append(Labels.of("__name__", "rejected", "job", job), T + 90_000, 1);
    }
    GroupEvaluator group = ruler.group(group("g", null, null, record("stored", "up"), record("rejected", "up")));

    group.evaluate(T);

    assertThat(group.rules().get(0).status().snapshot().health()).isEqualTo(RuleHealth.OK);
    assertThat(group.rules().get(1).status().snapshot().lastError())
        .startsWith("OUT_OF_ORDER {__name__=\"rejected\", job=").endsWith(" (and 2 more series rejected)");
    assertThat(ruler.metrics.evaluationFailures.labelValues(TestRuler.TENANT, "ns;g").get()).isEqualTo(1);
  }

  @Test
  void aRejectionNamingNoSeriesFailsEveryRuleWithOutputInThatPush() {
    ruler.append(Labels.of("__name__", "up", "job", "a"), T - 1000, 1);
    RulePusher refusesWhole = (tenant, samples) -> List.of(new RulePusher.Rejection(RulePusher.Rejection.NO_SAMPLE,
        "shard 0 rejected log entry 7"));
    GroupEvaluator group = new GroupEvaluator(TestRuler.TENANT, "ns", group("g", null, null, record("one", "up"),
        record("none", "absent(up)"), record("two", "up")), new GroupEvaluator.Settings(Duration.ofMinutes(1),
        Duration.ZERO, true), RuleEvaluators.recordingOnly(), ruler.querier, refusesWhole, ruler.clock, ruler.metrics);

    group.evaluate(T);

    assertThat(group.rules()).extracting(rule -> rule.status().snapshot().lastError())
        .containsExactly("shard 0 rejected log entry 7", "", "shard 0 rejected log entry 7");
  }

  @Test
  void reloadKeepsMatchingRulesSeriesAndMarksThoseOfRemovedRulesStale() {
    ruler.append(Labels.of("__name__", "up", "job", "a"), T - 1000, 1);
    GroupEvaluator before = ruler.group(group("g", null, null, record("kept", "up"), record("removed", "up")));
    before.evaluate(T);
    GroupEvaluator after = ruler.group(group("g", null, null, record("kept", "up"), record("added", "up")));

    after.copyStateFrom(before);
    ruler.append(Labels.of("__name__", "up", "job", "a"), T + 59_000, 1);
    after.evaluate(T + 60_000);

    assertThat(ruler.pushedSince(1)).extracting(s -> s.labels().metricName() + (StaleMarker.isStale(s.value())
        ? " stale" : "")).containsExactlyInAnyOrder("kept", "added", "removed stale");
    assertThat(after.lastEvaluationNanos()).isEqualTo(ruler.clock.epochNanos());
  }

  @Test
  void removedGroupMarksAllItsSeriesStale() {
    ruler.append(Labels.of("__name__", "up", "job", "a"), T - 1000, 1);
    GroupEvaluator group = ruler.group(group("g", null, null, record("job:up", "up")));
    group.evaluate(T);

    assertThat(group.markAllStale(T + 5_000)).isTrue();

    assertThat(ruler.pushes.get(1)).singleElement().satisfies(s -> {
      assertThat(s.timestampMs()).isEqualTo(T + 5_000);
      assertThat(StaleMarker.isStale(s.value())).isTrue();
    });
    assertThat(ruler.query("job:up", T + 6_000)).isEmpty();
  }

  @Test
  void alertingRulesAreNotEvaluatedWithoutTheirEvaluatorAndStayUnknown() {
    ruler.append(Labels.of("__name__", "up", "job", "a"), T - 1000, 1);
    GroupEvaluator group = ruler.group(group("g", null, null, alert("Down", "up == 1")));

    group.evaluate(T);

    assertThat(ruler.pushes).isEmpty();
    assertThat(group.rules().getFirst().status().snapshot().health()).isEqualTo(RuleHealth.UNKNOWN);
    assertThat(group.rules().getFirst().evaluates()).isFalse();
  }

  @Test
  void groupIntervalDefaultsAndOverrides() {
    assertThat(ruler.group(group("g", null, null, record("r", "up"))).intervalNanos())
        .isEqualTo(Duration.ofMinutes(1).toNanos());
    assertThat(ruler.group(new RuleGroup("g", "0s", null, null, null, null, null, null,
        List.of(record("r", "up")))).intervalNanos()).as("0s is the default, as in Prometheus")
        .isEqualTo(Duration.ofMinutes(1).toNanos());
    assertThat(ruler.group(new RuleGroup("g", "15s", null, "1m", "2m", null, null, null,
        List.of(record("r", "up")))).queryOffsetMs()).as("query_offset wins over evaluation_delay").isEqualTo(60_000);
  }
}
