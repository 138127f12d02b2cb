package io.narthex.ruler.eval;

import io.narthex.common.ErrorId;
import io.narthex.promql.Sample;
import io.narthex.promql.parser.Durations;
import io.narthex.ruler.Rule;
import io.narthex.ruler.RuleGroup;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.StaleMarker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One rule group of one tenant, evaluated as Prometheus's {@code Group.Eval}: its rules in order at one instant,
 * each query at {@code instant - query_offset}; then staleness markers for the series a rule produced at its
 * previous evaluation and not at this one (and for the series of rules that a reload removed). The output goes in one
 * push ({@link RulePusher}, as Mimir's ruler writes through the distributor), the markers in a second one. A failed
 * rule writes nothing and keeps its previous series, so they are not marked stale. A series the distributor rejects
 * fails the rule that wrote it, as Prometheus's commit of that rule's output would, and no other; a push that failed
 * as a whole fails every rule that had output in it. A rejected marker fails no rule, as in Prometheus; markers of
 * a push that failed as a whole are written at the next evaluation.
 *
 * <p>Not thread-safe: one evaluation at a time, which {@link RuleManager} ensures; the statuses are read from other
 * threads.
 */
public final class GroupEvaluator {
  private static final Logger log = LoggerFactory.getLogger(GroupEvaluator.class);

  /**
   * The group's settings that are not per rule.
   *
   * @param defaultQueryOffset the query offset of a group that sets neither {@code query_offset} nor
   *     {@code evaluation_delay}, per tenant: {@code -ruler.evaluation-delay-duration} or the tenant's
   *     {@code ruler_evaluation_delay_duration} override; read at each evaluation, as Mimir's ruler reads the
   *     tenant's limit, so a runtime-config change applies without a reload
   * @param tenantFederationEnabled {@code -ruler.tenant-federation.enabled}: whether a group with
   *     {@code source_tenants} is evaluated; off, each of its rules fails every evaluation with
   *     {@link #FEDERATION_DISABLED} and nothing is queried or written
   */
  public record Settings(Duration defaultInterval, Function<String, Duration> defaultQueryOffset,
      boolean writeEnabled, boolean tenantFederationEnabled) {
    /** Settings with one default query offset for every tenant. */
    public Settings(Duration defaultInterval, Duration defaultQueryOffset, boolean writeEnabled,
        boolean tenantFederationEnabled) {
      this(defaultInterval, tenant -> defaultQueryOffset, writeEnabled, tenantFederationEnabled);
    }

    /** Settings without tenant federation, Mimir's default. */
    public Settings(Duration defaultInterval, Duration defaultQueryOffset, boolean writeEnabled) {
      this(defaultInterval, defaultQueryOffset, writeEnabled, false);
    }
  }

  /**
   * The error of every rule of a federated group while {@code -ruler.tenant-federation.enabled} is off. Mimir drops
   * such groups from evaluation with only a log line; here they stay listed, failing, so the skip shows in
   * {@code /api/v1/rules} and {@code cortex_prometheus_rule_evaluation_failures_total}.
   */
  public static final String FEDERATION_DISABLED = ErrorId.RULER_TENANT_FEDERATION_DISABLED.withId(
      "federated rule group not evaluated: it has source_tenants, but rules federation is disabled"
          + " (-ruler.tenant-federation.enabled=false)");

  private final String tenant;
  private final String namespace;
  private final RuleGroup group;
  private final long intervalNanos;
  /** The group's own {@code query_offset} or {@code evaluation_delay}; null when it sets neither. */
  private final Duration groupQueryOffset;
  private final Function<String, Duration> defaultQueryOffset;
  private final int limit;
  private final boolean writeEnabled;
  /** Null, or why the group is not evaluated ({@link #FEDERATION_DISABLED}). */
  private final String notEvaluated;
  private final List<RuleEvaluator> rules;
  /** Per rule, whether it may read an earlier rule's output: that output is pushed before it runs. */
  private final boolean[] readsEarlierOutput;
  private final RuleQuerier querier;
  private final RulePusher pusher;
  private final RulerClock clock;
  private final RulerMetrics metrics;
  private final String metricsGroup;
  /** Per rule, the series it wrote at its last evaluation whose write succeeded. */
  private final List<Set<Labels>> seriesInPreviousEval;
  /** Series of rules that are gone (a reload), to be marked stale at the next evaluation. */
  private List<Labels> staleSeries = new ArrayList<>();
  private volatile long lastEvaluationNanos;
  private volatile long evaluationTimeNanos;

  public GroupEvaluator(String tenant, String namespace, RuleGroup group, Settings settings, RuleEvaluators evaluators,
      RuleQuerier querier, RulePusher pusher, RulerClock clock, RulerMetrics metrics) {
    this.tenant = tenant;
    this.namespace = namespace;
    this.group = group;
    this.intervalNanos = group.intervalOr(settings.defaultInterval()).toNanos();
    this.groupQueryOffset = queryOffset(group, null);
    this.defaultQueryOffset = settings.defaultQueryOffset();
    this.limit = group.limit() == null ? 0 : group.limit();
    this.writeEnabled = settings.writeEnabled();
    this.notEvaluated = !group.sourceTenantsOrEmpty().isEmpty() && !settings.tenantFederationEnabled()
        ? FEDERATION_DISABLED : null;
    this.querier = querier;
    this.pusher = pusher;
    this.clock = clock;
    this.metrics = metrics;
    this.metricsGroup = namespace + ";" + group.name();
    List<RuleEvaluator> built = new ArrayList<>();
    seriesInPreviousEval = new ArrayList<>();
    for (Rule rule : group.rulesOrEmpty()) {
      built.add(evaluators.create(tenant, namespace, group, rule));
      seriesInPreviousEval.add(Set.of());
    }
    this.rules = List.copyOf(built);
    this.readsEarlierOutput = RuleDependencies.readsEarlierOutput(group.rulesOrEmpty());
    metrics.intervalSeconds.labelValues(tenant, metricsGroup).set(intervalNanos / 1e9);
    metrics.rules.labelValues(tenant, metricsGroup).set(rules.size());
  }

  /**
   * The group's {@code query_offset}, else Mimir's deprecated {@code evaluation_delay}, else the default
   * ({@code -ruler.evaluation-delay-duration}, or the tenant's override).
   */
  static Duration queryOffset(RuleGroup group, Duration defaultQueryOffset) {
    String offset = group.queryOffset() != null && !group.queryOffset().isEmpty() ? group.queryOffset()
        : group.evaluationDelay();
    return offset == null || offset.isEmpty() ? defaultQueryOffset : Duration.ofMillis(Durations.parseMs(offset));
  }

  public String tenant() {
    return tenant;
  }

  public String namespace() {
    return namespace;
  }

  public RuleGroup group() {
    return group;
  }

  public long intervalNanos() {
    return intervalNanos;
  }

  /** The query offset the next evaluation uses, milliseconds. */
  public long queryOffsetMs() {
    return (groupQueryOffset != null ? groupQueryOffset : defaultQueryOffset.apply(tenant)).toMillis();
  }

  public int limit() {
    return limit;
  }

  public List<RuleEvaluator> rules() {
    return rules;
  }

  /** Wall-clock start of the last evaluation, nanoseconds since the epoch; 0 before the first. */
  public long lastEvaluationNanos() {
    return lastEvaluationNanos;
  }

  /** How long the last evaluation took, in nanoseconds. */
  public long evaluationTimeNanos() {
    return evaluationTimeNanos;
  }

  String metricsGroup() {
    return metricsGroup;
  }

  /**
   * Evaluates every rule at {@code evalTimestampMs} (milliseconds since the epoch) and pushes the output, then the
   * staleness markers.
   */
  public void evaluate(long evalTimestampMs) {
    long startNanos = clock.epochNanos();
    long queryTimestampMs = evalTimestampMs - queryOffsetMs();
    if (notEvaluated != null) {
      refuse(startNanos);
      return;
    }
    EvaluationInstant at = new EvaluationInstant(tenant, evalTimestampMs, queryTimestampMs, limit,
        group.sourceTenantsOrEmpty());
    List<Sample> out = new ArrayList<>();
    List<Sample> staleMarkers = new ArrayList<>();
    // Per rule, the series it returned now; null when it failed or is not evaluated.
    List<Set<Labels>> returned = new ArrayList<>(rules.size());
    // Per rule, where its output starts in out, and whether it had any.
    int[] outStart = new int[rules.size()];
    boolean[] wrote = new boolean[rules.size()];
    // Per rule, why its output was not all stored; null when it was.
    String[] writeErrors = new String[rules.size()];
    int pushedUpTo = 0;
    long samples = 0;
    for (int i = 0; i < rules.size(); i++) {
      RuleEvaluator rule = rules.get(i);
      if (readsEarlierOutput[i] && !out.isEmpty()) {
        // As Prometheus commits each rule's output: a rule over an earlier one's record sees this evaluation's.
        write(out, pushedUpTo, i, outStart, writeErrors);
        pushedUpTo = i;
        out.clear();
      }
      outStart[i] = out.size();
      if (!rule.evaluates()) {
        returned.add(null);
        continue;
      }
      metrics.evaluations.labelValues(tenant, metricsGroup).inc();
      long ruleStartNanos = clock.epochNanos();
      List<Sample> vector;
      try {
        vector = rule.evaluate(at, querier);
      } catch (RuleEvaluationException | RuntimeException e) {
        rule.status().recordFailure(e.getMessage() == null ? e.toString() : e.getMessage(), ruleStartNanos,
            clock.epochNanos() - ruleStartNanos);
        metrics.evaluationFailures.labelValues(tenant, metricsGroup).inc();
        log.debug("evaluating rule failed user={} group={} rule={} err=\"{}\"", tenant, metricsGroup,
            rule.rule().name(), e.toString());
        returned.add(null);
        continue;
      }
      rule.status().recordSuccess(ruleStartNanos, clock.epochNanos() - ruleStartNanos);
      samples += vector.size();
      Set<Labels> now = new HashSet<>(vector.size() * 2);
      for (Sample sample : vector) {
        now.add(sample.labels());
        out.add(sample);
      }
      for (Labels previous : seriesInPreviousEval.get(i)) {
        if (!now.contains(previous)) {
          staleMarkers.add(new Sample(previous, queryTimestampMs, StaleMarker.STALE_NAN));
        }
      }
      wrote[i] = out.size() > outStart[i];
      returned.add(now);
    }
    for (Labels gone : staleSeries) {
      staleMarkers.add(new Sample(gone, queryTimestampMs, StaleMarker.STALE_NAN));
    }
    if (!out.isEmpty()) {
      write(out, pushedUpTo, rules.size(), outStart, writeErrors);
    }
    boolean markersWritten = staleMarkers.isEmpty() || writeStaleMarkers(staleMarkers);
    for (int i = 0; i < rules.size(); i++) {
      Set<Labels> now = returned.get(i);
      if (now == null) {
        continue;
      }
      String writeError = writeErrors[i];
      if (writeError == null) {
        if (!markersWritten) {
          // The markers not written are computed again at the next evaluation.
          now = new HashSet<>(now);
          now.addAll(seriesInPreviousEval.get(i));
        }
        seriesInPreviousEval.set(i, now);
      } else if (wrote[i]) {
        // As Prometheus when a rule's commit fails: health err, the error, one evaluation failure.
        rules.get(i).status().recordWriteFailure(writeError);
        metrics.evaluationFailures.labelValues(tenant, metricsGroup).inc();
        log.warn("rule sample appending failed user={} group={} rule={} err=\"{}\"", tenant, metricsGroup,
            rules.get(i).rule().name(), writeError);
      }
    }
    if (markersWritten) {
      staleSeries = new ArrayList<>();
    }
    long endNanos = clock.epochNanos();
    lastEvaluationNanos = startNanos;
    evaluationTimeNanos = endNanos - startNanos;
    metrics.lastDurationSeconds.labelValues(tenant, metricsGroup).set(evaluationTimeNanos / 1e9);
    metrics.lastEvaluationTimestampSeconds.labelValues(tenant, metricsGroup).set(startNanos / 1e9);
    metrics.lastEvaluationSamples.labelValues(tenant, metricsGroup).set(samples);
  }

  /** An evaluation of a group that must not run: each rule fails with the reason, nothing is queried or written. */
  private void refuse(long startNanos) {
    for (RuleEvaluator rule : rules) {
      if (rule.evaluates()) {
        metrics.evaluations.labelValues(tenant, metricsGroup).inc();
        metrics.evaluationFailures.labelValues(tenant, metricsGroup).inc();
        rule.status().recordFailure(notEvaluated, startNanos, 0);
      }
    }
    log.warn("skipping federated rule group because rules federation is disabled; set"
        + " -ruler.tenant-federation.enabled=true to evaluate it user={} group={}", tenant, metricsGroup);
    lastEvaluationNanos = startNanos;
    evaluationTimeNanos = 0;
    metrics.lastEvaluationTimestampSeconds.labelValues(tenant, metricsGroup).set(startNanos / 1e9);
  }

  /**
   * Pushes {@code samples}, the output of rules {@code [from, to)}, rule r's starting at {@code outStart[r]}, and
   * sets {@code writeErrors[r]} for each of those rules whose output was not all stored. A rejected series is
   * charged to the rule that wrote it, with the distributor's message for its first rejected series (and how many
   * more it had), so one rule's bad series does not fail the others of the push (Prometheus and Mimir commit each
   * rule's output on its own). A push that failed as a whole, or a rejection naming no series, is charged to every
   * rule of the push.
   */
  private void write(List<Sample> samples, int from, int to, int[] outStart, String[] writeErrors) {
    List<RulePusher.Rejection> rejections;
    try {
      rejections = push(samples);
    } catch (RuntimeException e) {
      java.util.Arrays.fill(writeErrors, from, to, e.getMessage() == null ? e.toString() : e.getMessage());
      return;
    }
    if (rejections.isEmpty()) {
      return;
    }
    int[] rejectedSeries = new int[to - from];
    for (RulePusher.Rejection rejection : rejections) {
      int index = rejection.sampleIndex();
      if (index < 0 || index >= samples.size()) {
        for (int r = from; r < to; r++) {
          if (writeErrors[r] == null) {
            writeErrors[r] = rejection.reason();
          }
        }
        continue;
      }
      int r = ruleOf(index, from, to, outStart);
      if (writeErrors[r] == null) {
        writeErrors[r] = rejection.reason();
      }
      rejectedSeries[r - from]++;
    }
    for (int r = from; r < to; r++) {
      if (rejectedSeries[r - from] > 1) {
        writeErrors[r] += " (and " + (rejectedSeries[r - from] - 1) + " more series rejected)";
      }
    }
  }

  /** The rule of {@code [from, to)} whose output holds sample {@code index}: the last one starting at or before it. */
  private static int ruleOf(int index, int from, int to, int[] outStart) {
    int low = from;
    int high = to - 1;
    while (low < high) {
      int middle = (low + high + 1) >>> 1;
      if (outStart[middle] <= index) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return low;
  }

  /**
   * Pushes staleness markers on their own, so that a rejected marker fails no rule: Prometheus ignores a marker that
   * is out of order, too old or a duplicate (another rule or ruler wrote the series since), and only logs others
   * ({@code Group.Eval}); the distributor keeps the rest of the push. False only when the push failed as a whole.
   */
  private boolean writeStaleMarkers(List<Sample> markers) {
    try {
      List<RulePusher.Rejection> rejections = push(markers);
      if (!rejections.isEmpty()) {
        log.debug("staleness markers rejected user={} group={} rejected={} first=\"{}\"", tenant, metricsGroup,
            rejections.size(), rejections.getFirst().reason());
      }
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * One write request of the group's samples: the series the distributor rejected (empty when all were stored).
   *
   * @throws RuntimeException when the push failed as a whole
   */
  private List<RulePusher.Rejection> push(List<Sample> samples) {
    if (!writeEnabled) {
      return List.of();
    }
    metrics.writeRequests.labelValues(tenant).inc();
    try {
      List<RulePusher.Rejection> rejections = pusher.push(tenant, samples);
      if (!rejections.isEmpty()) {
        metrics.writeRequestsFailed.labelValues(tenant).inc();
      }
      return rejections;
    } catch (RuntimeException e) {
      metrics.writeRequestsFailed.labelValues(tenant).inc();
      log.warn("writing rule output failed user={} group={} err=\"{}\"", tenant, metricsGroup, e.toString());
      throw e;
    }
  }

  /**
   * Takes over the state of the group's previous version, as Prometheus's {@code CopyState}: rules are matched by
   * name and labels (duplicates first with first), and keep their previous series, status and alert state; the
   * series of previous rules that match none are marked stale at this version's first evaluation.
   */
  public void copyStateFrom(GroupEvaluator previous) {
    lastEvaluationNanos = previous.lastEvaluationNanos;
    evaluationTimeNanos = previous.evaluationTimeNanos;
    Map<String, List<Integer>> previousByKey = new HashMap<>();
    for (int i = 0; i < previous.rules.size(); i++) {
      previousByKey.computeIfAbsent(key(previous.rules.get(i)), k -> new ArrayList<>()).add(i);
    }
    for (int i = 0; i < rules.size(); i++) {
      List<Integer> candidates = previousByKey.get(key(rules.get(i)));
      if (candidates == null || candidates.isEmpty()) {
        continue;
      }
      int from = candidates.removeFirst();
      seriesInPreviousEval.set(i, previous.seriesInPreviousEval.get(from));
      rules.get(i).copyStateFrom(previous.rules.get(from));
    }
    staleSeries = new ArrayList<>(previous.staleSeries);
    for (List<Integer> unmatched : previousByKey.values()) {
      for (int from : unmatched) {
        staleSeries.addAll(previous.seriesInPreviousEval.get(from));
      }
    }
  }

  private static String key(RuleEvaluator rule) {
    return rule.rule().name() + rule.labels();
  }

  /**
   * Marks stale every series the group wrote at its last evaluation, and those still pending from a reload, stamped
   * {@code nowMs - query_offset}: the group was removed (Prometheus does this when a group is gone from the
   * configuration). Pushes once; returns false when the push failed as a whole (markers the distributor rejected,
   * such as out of order ones, count as written).
   */
  public boolean markAllStale(long nowMs) {
    Set<Labels> series = new LinkedHashSet<>(staleSeries);
    seriesInPreviousEval.forEach(series::addAll);
    if (series.isEmpty()) {
      return true;
    }
    List<Sample> out = new ArrayList<>(series.size());
    for (Labels labels : series) {
      out.add(new Sample(labels, nowMs - queryOffsetMs(), StaleMarker.STALE_NAN));
    }
    return writeStaleMarkers(out);
  }

  /** Removes the group's metric series. */
  void forgetMetrics() {
    metrics.forgetGroup(tenant, metricsGroup);
  }
}
