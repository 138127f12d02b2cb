package io.narthex.bench;

import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.chunk.XorIterator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The XOR chunk codec on one full scrape chunk, 120 samples 15s apart, reported per sample: {@code encode} writes
 * them with a fresh {@link XorAppender} (default buffer, so including its growth), {@code decode} reads them back
 * with a reused {@link XorIterator}.
 *
 * <p>{@code values} is {@code counter} (a CPU-seconds counter rising by 0.00 to 15.00 each scrape) or {@code gauge}
 * (available memory in bytes, a random walk in 4 KiB pages around 8 GiB).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(XorChunkBenchmark.SAMPLES)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseCompactObjectHeaders"})
public class XorChunkBenchmark {
  static final int SAMPLES = 120;
  private static final long SCRAPE_INTERVAL_MS = 15_000;
  private static final long START_MS = 1_700_000_000_000L;

  @Param({"counter", "gauge"})
  public String values;

  private final long[] timestampsMs = new long[SAMPLES];
  private final double[] samples = new double[SAMPLES];
  private final XorIterator iterator = new XorIterator();
  private byte[] encoded;

  @Setup
  public void generate() {
    Random random = new Random(42);
    double value = values.equals("counter") ? 123_456.78 : 8L << 30;
    for (int i = 0; i < SAMPLES; i++) {
      timestampsMs[i] = START_MS + i * SCRAPE_INTERVAL_MS;
      if (values.equals("counter")) {
        value += Math.round(random.nextDouble() * 1500) / 100.0;
      } else {
        value += (random.nextInt(2001) - 1000) * 4096L;
      }
      samples[i] = value;
    }
    XorAppender appender = new XorAppender();
    for (int i = 0; i < SAMPLES; i++) {
      appender.append(timestampsMs[i], samples[i]);
    }
    encoded = appender.bytes();
  }

  @Benchmark
  public void encode(Blackhole blackhole) {
    XorAppender appender = new XorAppender();
    for (int i = 0; i < SAMPLES; i++) {
      appender.append(timestampsMs[i], samples[i]);
    }
    blackhole.consume(appender);
  }

  @Benchmark
  public void decode(Blackhole blackhole) {
    iterator.reset(encoded);
    long timestampSum = 0;
    double valueSum = 0;
    while (iterator.next()) {
      timestampSum += iterator.timestampMs();
      valueSum += iterator.value();
    }
    blackhole.consume(timestampSum);
    blackhole.consume(valueSum);
  }
}
