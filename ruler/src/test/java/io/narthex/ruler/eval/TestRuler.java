package io.narthex.ruler.eval;

import io.narthex.promql.Engine;
import io.narthex.promql.EngineOptions;
import io.narthex.promql.Sample;
import io.narthex.promql.Vector;
import io.narthex.ruler.Rule;
import io.narthex.ruler.RuleGroup;
import io.narthex.tsdb.head.AppendResult;
import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.labels.Labels;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A ruler over a real TSDB head and the real PromQL engine: rules query the head and their output is appended to
 * it, as the distributor would store it, so what a rule wrote is readable by the next query. Time is a
 * {@link FakeClock}.
 */
final class TestRuler {
  static final String TENANT = "tenant-1";

  final Head head = new Head();
  final Engine engine = new Engine(EngineOptions.defaults());
  final FakeClock clock = new FakeClock(1_700_000_000_000_000_000L);
  final PrometheusRegistry registry = new PrometheusRegistry();
  final RulerMetrics metrics = new RulerMetrics(registry);
  /** Every push, in order. */
  final List<List<Sample>> pushes = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** When set, the next pushes fail with it. */
  RuntimeException pushFailure;
  /** Called at each query, e.g. to let time pass during an evaluation. */
  Runnable onQuery = () -> {};

  final RuleQuerier querier = (tenant, expr, timestampMs) -> {
    onQuery.run();
    return engine.instantQuery(head, expr, timestampMs).value();
  };

  final RulePusher pusher = (tenant, samples) -> {
    if (pushFailure != null) {
      throw pushFailure;
    }
    pushes.add(List.copyOf(samples));
    List<RulePusher.Rejection> rejections = new ArrayList<>();
    for (int i = 0; i < samples.size(); i++) {
      Sample sample = samples.get(i);
      AppendResult result = head.append(head.getOrCreate(sample.labels()), sample.timestampMs(), sample.value());
      // An identical duplicate is accepted, as the ingesters accept it.
      if (result != AppendResult.OK && result != AppendResult.DUPLICATE_NOOP) {
        rejections.add(new RulePusher.Rejection(i, result + " " + sample.labels()));
      }
    }
    return rejections;
  };

  /** Every sample pushed since the first {@code pushCount} pushes, in push order. */
  List<Sample> pushedSince(int pushCount) {
    return pushes.subList(pushCount, pushes.size()).stream().flatMap(List::stream).toList();
  }

  void append(Labels labels, long timestampMs, double value) {
    head.append(head.getOrCreate(labels), timestampMs, value);
  }

  List<Sample> query(String expr, long timestampMs) {
    return ((Vector) engine.instantQuery(head, expr, timestampMs).value()).samples();
  }

  GroupEvaluator group(RuleGroup group) {
    return new GroupEvaluator(TENANT, "ns", group,
        new GroupEvaluator.Settings(Duration.ofMinutes(1), Duration.ZERO, true), RuleEvaluators.recordingOnly(),
        querier, pusher, clock, metrics);
  }

  static RuleGroup group(String name, Integer limit, Map<String, String> labels, Rule... rules) {
    return new RuleGroup(name, null, limit, null, null, null, null, labels, List.of(rules));
  }

  static Rule record(String record, String expr) {
    return new Rule(record, null, expr, null, null, null, null);
  }

  static Rule record(String record, String expr, Map<String, String> labels) {
    return new Rule(record, null, expr, null, null, labels, null);
  }

  static Rule alert(String alert, String expr) {
    return new Rule(null, alert, expr, "5m", null, null, null);
  }

  /** Time that moves only when a test (or a sleeping scheduler) moves it. */
  static final class FakeClock implements RulerClock {
    private long nowNanos;

    FakeClock(long nowNanos) {
      this.nowNanos = nowNanos;
    }

    @Override
    public synchronized long epochNanos() {
      return nowNanos;
    }

    @Override
    public synchronized void sleepUntil(long epochNanos) {
      nowNanos = Math.max(nowNanos, epochNanos);
    }

    synchronized void advance(Duration duration) {
      nowNanos += duration.toNanos();
    }
  }
}
