package io.narthex.bench;

import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Series selection in a head of 1,000,000 series, each with one sample, through {@link Head#selectChunks}: postings
 * for the matchers, then sorting the matched series by labels and snapshotting their open chunk.
 *
 * <p>Series are {@code {__name__, cpu, instance, job, mode}}: 1000 instances ({@code host-0} to {@code host-999}) of
 * 1000 series each, 100 metric names ({@code metric_00} to {@code metric_99}) of 2 cpus by 5 modes, and 10 jobs of
 * 100 instances each. Selectors, each restricted to one metric name as PromQL selectors are in practice:
 *
 * <ul>
 *   <li>{@code equalityIntersection}: {@code metric_42{job="job-3"}}, 1000 series
 *   <li>{@code regexInstance}: {@code metric_42{instance=~"host-1.*"}}, 1110 series (111 instances)
 *   <li>{@code notEqual}: {@code metric_42{job!="job-3"}}, 9000 series
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-XX:+UseCompactObjectHeaders", "--sun-misc-unsafe-memory-access=allow"})
public class PostingsBenchmark {
  private static final int INSTANCES = 1000;
  private static final int METRICS = 100;
  private static final int JOBS = 10;
  private static final String[] MODES = {"idle", "iowait", "system", "user", "steal"};
  private static final String[] CPUS = {"0", "1"};
  private static final long TIMESTAMP_MS = 1_700_000_000_000L;

  private final List<Matcher> equalityIntersection =
      List.of(Matcher.equal("__name__", "metric_42"), Matcher.equal("job", "job-3"));
  private final List<Matcher> regexInstance =
      List.of(Matcher.equal("__name__", "metric_42"), Matcher.of(Matcher.Type.REGEX, "instance", "host-1.*"));
  private final List<Matcher> notEqual =
      List.of(Matcher.equal("__name__", "metric_42"), Matcher.of(Matcher.Type.NOT_EQUAL, "job", "job-3"));

  private Head head;

  @Setup(Level.Trial)
  public void load() {
    long startNanos = System.nanoTime();
    head = new Head();
    String[] metrics = new String[METRICS];
    for (int m = 0; m < METRICS; m++) {
      metrics[m] = String.format("metric_%02d", m);
    }
    String[] jobs = new String[JOBS];
    for (int j = 0; j < JOBS; j++) {
      jobs[j] = "job-" + j;
    }
    for (int i = 0; i < INSTANCES; i++) {
      String instance = "host-" + i;
      String job = jobs[i % JOBS];
      for (int m = 0; m < METRICS; m++) {
        for (String cpu : CPUS) {
          for (String mode : MODES) {
            // Names in sorted order: __name__ < cpu < instance < job < mode.
            Labels labels = Labels.fromSortedPairs(new String[] {
                "__name__", metrics[m], "cpu", cpu, "instance", instance, "job", job, "mode", mode});
            head.append(head.getOrCreate(labels), TIMESTAMP_MS, i);
          }
        }
      }
    }
    System.out.printf("%n%,d series loaded in %.1f s; selected: equalityIntersection %d, regexInstance %d,"
            + " notEqual %d%n", head.numSeries(), (System.nanoTime() - startNanos) / 1e9,
        select(equalityIntersection).size(), select(regexInstance).size(), select(notEqual).size());
  }

  private List<EncodedSeries> select(List<Matcher> matchers) {
    return head.selectChunks(TIMESTAMP_MS, TIMESTAMP_MS, matchers);
  }

  @Benchmark
  public void equalityIntersection(Blackhole blackhole) {
    blackhole.consume(select(equalityIntersection));
  }

  @Benchmark
  public void regexInstance(Blackhole blackhole) {
    blackhole.consume(select(regexInstance));
  }

  @Benchmark
  public void notEqual(Blackhole blackhole) {
    blackhole.consume(select(notEqual));
  }
}
