package io.narthex.bench;

import io.narthex.tsdb.head.AppendResult;
import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.head.MemSeries;
import io.narthex.tsdb.labels.Labels;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link Head#append} in steady state, reported per sample: each invocation is one scrape of 10k existing series,
 * one counter sample each, 15s after the last. Chunks are cut every 120 samples as in production. The head is
 * rebuilt every iteration to bound its size. {@code HeadAppendAllocationTest} checks the same loop allocates only at
 * chunk cuts.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(HeadAppendBenchmark.SERIES)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-XX:+UseCompactObjectHeaders", "--sun-misc-unsafe-memory-access=allow"})
public class HeadAppendBenchmark {
  static final int SERIES = 10_000;
  static final long SCRAPE_INTERVAL_MS = 15_000;
  static final long START_MS = 1_700_000_000_000L;

  private Scrape scrape;

  @Setup(Level.Iteration)
  public void createSeries() {
    scrape = new Scrape(new Head(), SERIES, 42);
  }

  @Benchmark
  public void appendOneSampleToEachSeries(Blackhole blackhole) {
    blackhole.consume(scrape.appendNext());
  }

  /**
   * Series in a head and the next scrape of all of them: counters rising by a fixed, per-series random amount with
   * two decimals, as CPU seconds do. Shared with {@code HeadAppendAllocationTest}.
   */
  static final class Scrape {
    private final Head head;
    private final MemSeries[] series;
    private final double[] values;
    private final double[] increments;
    private long timestampMs = START_MS;

    Scrape(Head head, int seriesCount, long seed) {
      this.head = head;
      Random random = new Random(seed);
      series = new MemSeries[seriesCount];
      values = new double[seriesCount];
      increments = new double[seriesCount];
      for (int i = 0; i < seriesCount; i++) {
        series[i] = head.getOrCreate(Labels.of("__name__", "node_cpu_seconds_total", "cpu", Integer.toString(i % 8),
            "mode", "user", "instance", "host-" + i / 8 + ":9100", "job", "node"));
        values[i] = random.nextInt(1_000_000);
        increments[i] = Math.round(random.nextDouble() * 1500) / 100.0;
      }
    }

    /** Appends one sample to every series; returns how many were stored. */
    int appendNext() {
      long t = timestampMs += SCRAPE_INTERVAL_MS;
      int stored = 0;
      for (int i = 0; i < series.length; i++) {
        double value = values[i] += increments[i];
        if (head.append(series[i], t, value) == AppendResult.OK) {
          stored++;
        }
      }
      return stored;
    }
  }
}
