package io.narthex.promql;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import io.narthex.promql.RangeFunctions.RangeFunction;
import io.narthex.promql.parser.Functions;
import io.narthex.promql.promqltest.FakeStorage;
import io.narthex.tsdb.labels.Labels;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The function registry ({@link FunctionCalls}) against the parser's signatures, and its range-function loop. */
class FunctionCallsTest {
  private static final int STEPS = 10_000;
  private static final long STEP_MS = 15_000;
  private static final long RANGE_MS = 300_000;
  /** The output series' value and presence arrays, the only allocation that grows with the step count. */
  private static final int OUTPUT_BYTES_PER_STEP = Double.BYTES + 1;

  @Test
  void everyParserSignatureHasExactlyOneCallHoldingThatSignature() {
    List<String> signatures = Functions.all().stream().map(Functions.Def::name).toList();

    assertThat(FunctionCalls.names()).containsExactlyInAnyOrderElementsOf(signatures);
    for (String name : signatures) {
      assertThat(FunctionCalls.get(name).definition()).as(name).isSameAs(Functions.get(name));
    }
  }

  static Stream<Arguments> windowFunctions() {
    return Stream.of(
        Arguments.of("rate", (RangeFunction) RangeFunctions::rate),
        Arguments.of("sum_over_time", (RangeFunction) RangeFunctions::sumOverTime),
        Arguments.of("max_over_time", (RangeFunction) RangeFunctions::maxOverTime),
        Arguments.of("double_exponential_smoothing", (RangeFunction) RangeFunctions::doubleExponentialSmoothing));
  }

  /** The window is one object per call, so the per-step loop allocates nothing, scalar arguments included. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("windowFunctions")
  void rangeFunctionLoopAllocatesNothingPerStep(String name, RangeFunction function) {
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    threads.setThreadAllocatedMemoryEnabled(true);
    long endMs = (STEPS - 1) * STEP_MS + RANGE_MS;
    Evaluator ev = new Evaluator(new FakeStorage(), EngineOptions.defaults(), name, RANGE_MS, endMs, STEP_MS,
        System.nanoTime() + 60_000_000_000L);
    StepGrid grid = ev.grid(RANGE_MS, endMs, STEP_MS);
    int samples = (int) (endMs / STEP_MS) + 1;
    long[] timestampsMs = new long[samples];
    double[] values = new double[samples];
    for (int i = 0; i < samples; i++) {
      timestampsMs[i] = i * STEP_MS;
      values[i] = i % 100;
    }
    RangeArg arg = new RangeArg(List.of(new SeriesData(Labels.of("__name__", "x_total"), timestampsMs, values,
        samples)), RANGE_MS, 0, null, -1);
    double[][] scalarArgs = {null, constant(0.5), constant(0.1)};
    FunctionCalls.applyRange(ev, arg, grid, function, scalarArgs, true, -1); // links and loads what it calls

    long before = threads.getCurrentThreadAllocatedBytes();
    List<StepSeries> out = FunctionCalls.applyRange(ev, arg, grid, function, scalarArgs, true, -1);
    long allocatedBytes = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(out).hasSize(1);
    double perStepBeyondOutput = (double) (allocatedBytes - (long) OUTPUT_BYTES_PER_STEP * STEPS) / STEPS;
    assertThat(perStepBeyondOutput).as("bytes allocated per step beyond the output arrays (%d in all)",
        allocatedBytes).isLessThan(1);
  }

  private static double[] constant(double value) {
    double[] out = new double[STEPS];
    Arrays.fill(out, value);
    return out;
  }
}
