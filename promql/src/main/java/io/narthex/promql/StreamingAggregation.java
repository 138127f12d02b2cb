package io.narthex.promql;

import io.narthex.promql.FunctionCalls.RangeCall;
import io.narthex.promql.parser.Expr;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.storage.Series;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The dashboard shape evaluated one series at a time (issue 17 goal 6): an aggregation without a parameter (see
 * {@link AggregationFold}) over an instant selector or over a range function of a range selector whose only argument
 * is that selector ({@code sum by (job) (rate(x[5m]))}). Each selected series is read into a reused raw-sample buffer,
 * evaluated into a reused step buffer and folded into its group's cells, so the query holds groups x steps samples
 * plus one series instead of every series' raw samples and steps (Prometheus's engine holds the latter too).
 *
 * <p>The result, annotations and queryable-sample counts are those of the materialising path in
 * {@link Aggregations}: series are evaluated and folded in selection order, and groups come out in the order their
 * first series with a value was selected. Max-samples is checked against groups x steps plus the series in flight
 * (its raw samples and its steps); the outputs stay counted until the query ends.
 */
final class StreamingAggregation {
  private StreamingAggregation() {}

  /**
   * Evaluates {@code agg} streaming, or returns null when its shape is not one this handles (or when dropping the
   * metric name would merge series, which the materialising path's dedupe handles) so the caller evaluates it the
   * materialising way.
   *
   * @throws PromQLException EXECUTION "too many samples" when groups x steps plus one series exceed max-samples
   */
  static Result eval(Evaluator ev, Expr.Aggregate agg, StepGrid grid) {
    int op = AggregationFold.opCode(agg.op());
    if (op < 0 || agg.param() != null) {
      return null;
    }
    Expr arg = Expr.unwrap(agg.expr());
    if (arg instanceof Expr.VectorSelector vs) {
      return stream(ev, agg, op, grid, vs, null, null, null);
    }
    if (arg instanceof Expr.Call call && call.args().size() == 1
        && FunctionCalls.get(call.function().name()) instanceof FunctionCalls.Entry entry
        && entry.call() instanceof RangeCall range
        && Expr.unwrap(call.args().get(0)) instanceof Expr.MatrixSelector ms) {
      return stream(ev, agg, op, grid, ms.selector(), ms, call, range);
    }
    return null;
  }

  private static Result stream(Evaluator ev, Expr.Aggregate agg, int op, StepGrid grid, Expr.VectorSelector vs,
      Expr.MatrixSelector ms, Expr.Call call, RangeCall range) {
    Long at = ev.resolveAt(vs.at());
    long first = (at != null ? at : grid.startMs()) - vs.offsetMs();
    long last = (at != null ? at : grid.endMs()) - vs.offsetMs();
    long minMs = first - (ms != null ? ms.rangeMs() : ev.lookbackMs) + 1;
    int steps = grid.steps();
    if (last < minMs) {
      return new Result.StepVector(new ArrayList<>());
    }
    boolean dropName = range != null && !range.keepName();
    try (Querier q = ev.storage.querier(minMs, last)) {
      List<Series> selected = ms != null
          ? ev.select(q, vs, minMs, last, grid.stepMs(), call.function().name(), ms.rangeMs())
          : ev.select(q, vs, minMs, last, grid.stepMs(), "", 0);
      int n = selected.size();
      if (dropName && nameDropMayMerge(selected)) {
        return null;
      }
      Set<String> grouping = Aggregations.grouping(agg);
      // A group key never holds the dropped labels (without's grouping lists them), unless by() names one: only
      // then is it taken from the labels without them.
      boolean keyFromDropped = dropName && !agg.without() && !Collections.disjoint(grouping, Evaluator.NAME_LABELS);
      Map<Labels, Integer> groupIndex = new HashMap<>();
      List<Labels> groupLabels = new ArrayList<>();
      int[] groupOf = new int[n];
      for (int i = 0; i < n; i++) {
        Labels l = selected.get(i).labels();
        Labels key = Aggregations.groupKey(agg, grouping, keyFromDropped ? Evaluator.dropName(l) : l);
        Integer g = groupIndex.putIfAbsent(key, groupLabels.size());
        if (g == null) {
          g = groupLabels.size();
          groupLabels.add(key);
        }
        groupOf[i] = g;
      }
      int groups = groupLabels.size();
      long cells = (long) groups * steps;
      ev.holdTransient(cells);
      AggregationFold fold = new AggregationFold(op, groups, steps);
      Evaluator.SampleBuffer buf = new Evaluator.SampleBuffer();
      StepSeries stepBuf = new StepSeries(Labels.EMPTY, steps);
      RangeArg rangeArg = ms != null ? new RangeArg(List.of(), ms.rangeMs(), vs.offsetMs(), at, -1) : null;
      RangeWindow window = ms != null ? new RangeWindow(ms.rangeMs(), new double[1][]) : null;
      // As FunctionCalls.evalRange: the position of the range selector with parentheses removed.
      int counterInfoPos = range != null && range.checkCounterName() ? ms.pos() : -1;
      String lastCheckedName = null;
      // Groups in the order of their first series with a value, as the materialising path lists them.
      int[] outputOrder = new int[groups];
      boolean[] listed = new boolean[groups];
      int outputs = 0;
      for (int i = 0; i < n; i++) {
        ev.checkTimeout();
        Series s = selected.get(i);
        int samples = buf.read(s, minMs, last, ms == null);
        if (samples == 0) {
          continue;
        }
        ev.holdTransient(cells + samples + steps);
        Arrays.fill(stepBuf.present, false);
        boolean any = ms != null
            ? FunctionCalls.rangeSteps(ev, rangeArg, grid, range.function(), window, buf.timestampsMs, buf.values,
                samples, stepBuf)
            : ev.instantSteps(buf.timestampsMs, buf.values, samples, grid, at, vs.offsetMs(), false, stepBuf);
        if (!any) {
          continue;
        }
        if (range != null) {
          lastCheckedName = FunctionCalls.counterInfo(ev, s.labels(), lastCheckedName, counterInfoPos);
        }
        int g = groupOf[i];
        if (!listed[g]) {
          listed[g] = true;
          outputOrder[outputs++] = g;
        }
        fold.add(g, stepBuf);
      }
      List<StepSeries> out = new ArrayList<>(outputs);
      for (int k = 0; k < outputs; k++) {
        int g = outputOrder[k];
        StepSeries o = new StepSeries(groupLabels.get(g), steps);
        fold.result(g, o);
        out.add(o);
      }
      ev.countSamples((long) outputs * steps);
      return new Result.StepVector(out);
    }
  }

  /**
   * Whether two of the selected series (each a distinct label set) would have the same labels once the metric name,
   * {@code __type__} and {@code __unit__} are dropped. Series of one metric name without the other two stay
   * distinct, so the usual selector (one name) is answered without building and hashing every series' labels.
   */
  static boolean nameDropMayMerge(List<Series> selected) {
    String name = selected.isEmpty() ? null : selected.getFirst().labels().get(Labels.METRIC_NAME);
    boolean oneName = true;
    for (Series s : selected) {
      Labels l = s.labels();
      if (!Objects.equals(l.get(Labels.METRIC_NAME), name) || l.has("__type__") || l.has("__unit__")) {
        oneName = false;
        break;
      }
    }
    if (oneName) {
      return false;
    }
    Set<Labels> seen = new HashSet<>(selected.size() * 2);
    for (Series s : selected) {
      if (!seen.add(Evaluator.dropName(s.labels()))) {
        return true;
      }
    }
    return false;
  }
}
