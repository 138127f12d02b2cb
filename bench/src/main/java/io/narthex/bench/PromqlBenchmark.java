package io.narthex.bench;

import io.narthex.promql.Engine;
import io.narthex.promql.EngineOptions;
import io.narthex.promql.Matrix;
import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.head.MemSeries;
import io.narthex.tsdb.labels.Labels;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * PromQL range queries over the real head: 1h at a 15s step (241 steps), samples every 15s.
 *
 * <ul>
 *   <li>{@code rate}: {@code rate(x[5m])} over 10k series
 *   <li>{@code sumByJobRate}: {@code sum by (job) (rate(x[5m]))} over the same
 *   <li>{@code histogramQuantile}: {@code histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))} over 1k
 *       classic histograms of 10 buckets
 *   <li>{@code binaryJoin}: {@code a * on(instance) b}, two 10k-series vectors
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "-XX:+UseCompactObjectHeaders", "--sun-misc-unsafe-memory-access=allow"})
public class PromqlBenchmark {
  private static final long STEP_MS = 15_000;
  private static final long START_MS = 1_700_000_000_000L;
  private static final long QUERY_START_MS = START_MS + Duration.ofMinutes(10).toMillis();
  private static final long QUERY_END_MS = QUERY_START_MS + Duration.ofHours(1).toMillis();
  private static final String[] BUCKETS = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"};

  private Head head;
  private Engine engine;

  @Setup
  public void load() {
    head = new Head();
    engine = new Engine(EngineOptions.defaults());
    int samples = (int) ((QUERY_END_MS - START_MS) / STEP_MS) + 1;
    for (int i = 0; i < 10_000; i++) {
      String instance = "host-" + i;
      String job = "job-" + (i % 10);
      appendCounter(Labels.of("__name__", "x", "job", job, "instance", instance), samples, 1 + i % 7);
      appendCounter(Labels.of("__name__", "a", "instance", instance), samples, 1);
      appendCounter(Labels.of("__name__", "b", "instance", instance), samples, 2);
    }
    for (int h = 0; h < 1_000; h++) {
      for (int b = 0; b < BUCKETS.length; b++) {
        appendCounter(Labels.of("__name__", "x_bucket", "instance", "host-" + h, "le", BUCKETS[b]), samples, b + 1);
      }
    }
  }

  private void appendCounter(Labels labels, int samples, double increment) {
    MemSeries series = head.getOrCreate(labels);
    double value = 0;
    for (int s = 0; s < samples; s++) {
      value += increment;
      head.append(series, START_MS + s * STEP_MS, value);
    }
  }

  private int range(String query) {
    return ((Matrix) engine.rangeQuery(head, query, QUERY_START_MS, QUERY_END_MS, STEP_MS).value()).series().size();
  }

  @Benchmark
  public int rate() {
    return range("rate(x[5m])");
  }

  @Benchmark
  public int sumByJobRate() {
    return range("sum by (job) (rate(x[5m]))");
  }

  @Benchmark
  public int histogramQuantile() {
    return range("histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))");
  }

  @Benchmark
  public int binaryJoin() {
    return range("a * on(instance) b");
  }
}
