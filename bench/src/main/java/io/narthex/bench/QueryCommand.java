package io.narthex.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The query load generator: a dashboard-like set of PromQL queries over the write generator's metrics, as range
 * and instant queries, from {@code --concurrency} workers for {@code --duration}. With {@code --compare-url} every
 * query also goes to a second API and the answers are compared (see {@link ResultComparator}).
 *
 * <p>Every query asks for {@code stats=all}; the summary reports per query shape ({@code per_query}) its p50 and p99
 * latency and the largest {@code stats.samples.peakSamples} the API answered (Prometheus's count of samples a query
 * held in memory at once, -1 when the API reported none), so memory per query can be read side by side.
 */
@Command(name = "query", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Run dashboard-like PromQL queries against a Prometheus API on loopback and report queries/s.")
final class QueryCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
  private static final int MISMATCHES_SHOWN = 5;

  /**
   * The query set. The metrics and labels used exist in both label shapes; joins match on bench_run as well as
   * instance, because instance values repeat across write runs.
   */
  static final List<String> EXPRESSIONS = List.of(
      "sum by (job) (rate(bench_requests_total[5m]))",
      "sum by (cluster, code) (rate(bench_requests_total{code=~\"5..\"}[5m]))",
      "histogram_quantile(0.99, sum by (le, cluster) (rate(bench_request_duration_seconds_bucket[5m])))",
      "topk(10, sum by (instance) (rate(bench_cpu_seconds_total{mode!=\"idle\"}[5m])))",
      "sum by (instance, bench_run) (rate(bench_cpu_seconds_total{mode!=\"idle\"}[5m]))"
          + " * on (instance, bench_run) group_left (version) bench_build_info",
      "avg by (cluster) (bench_memory_usage_bytes / on (instance, bench_run) group_left bench_memory_limit_bytes)",
      "sum by (device) (rate(bench_network_receive_bytes_total[5m]))",
      "count by (cluster) (bench_up == 1)");

  @Spec
  CommandSpec spec;

  @Option(names = "--url", defaultValue = "http://127.0.0.1:9009/prometheus",
      description = "Prometheus API base (loopback only), e.g. http://127.0.0.1:9009/prometheus or"
          + " http://127.0.0.1:9090. Default: ${DEFAULT-VALUE}.")
  String url;

  @Option(names = "--header", paramLabel = "K:V", description = "Extra request header, repeatable.")
  List<String> headers = new ArrayList<>();

  @Option(names = "--compare-url", description = "A second API base: every query goes to both, answers are compared.")
  String compareUrl;

  @Option(names = "--compare-header", paramLabel = "K:V", description = "Extra header for --compare-url, repeatable.")
  List<String> compareHeaders = new ArrayList<>();

  @Option(names = "--concurrency", defaultValue = "4", description = "Concurrent workers. Default: ${DEFAULT-VALUE}.")
  int concurrency;

  @Option(names = "--duration", defaultValue = "30s", converter = TimeArgs.DurationConverter.class,
      description = "How long to query. Default: ${DEFAULT-VALUE}.")
  Duration duration;

  @Option(names = "--range", defaultValue = "1h", converter = TimeArgs.DurationConverter.class,
      description = "Window of range queries: 1h (15s step) or 24h (5m step); others use range/240."
          + " Default: ${DEFAULT-VALUE}.")
  Duration range;

  @Option(names = "--end", defaultValue = "now",
      description = "End of range queries and time of instant queries (now, RFC 3339 or Unix seconds), fixed"
          + " for the run. Default: ${DEFAULT-VALUE}.")
  String end;

  @Option(names = "--json", description = "Also print the summary as one JSON line.")
  boolean json;

  record Query(String expression, boolean range) {
    String describe() {
      return (range ? "range " : "instant ") + expression;
    }
  }

  private final AtomicLong queries = new AtomicLong();
  private final AtomicLong errorQueries = new AtomicLong();
  private final AtomicLong compared = new AtomicLong();
  private final AtomicLong mismatches = new AtomicLong();
  private final Map<String, ErrorCount> errors = new ConcurrentHashMap<>();
  private final List<String> firstMismatches = new CopyOnWriteArrayList<>();
  private final LatencyHistogram latency = new LatencyHistogram();
  private final LatencyHistogram window = new LatencyHistogram();

  private record ErrorCount(AtomicLong count, String firstMessage) {}

  /** Latency and the largest reported peak samples of one query shape. */
  private record ShapeStats(LatencyHistogram latency, AtomicLong maxPeakSamples) {
    ShapeStats() {
      this(new LatencyHistogram(), new AtomicLong(-1));
    }
  }

  private final Map<Query, ShapeStats> shapes = new ConcurrentHashMap<>();

  static long stepMs(Duration range) {
    if (range.equals(Duration.ofHours(1))) {
      return 15_000;
    }
    if (range.equals(Duration.ofHours(24))) {
      return 300_000;
    }
    return Math.max(1_000, range.toMillis() / 240);
  }

  static List<Query> queries() {
    List<Query> all = new ArrayList<>();
    for (String expression : EXPRESSIONS) {
      all.add(new Query(expression, true));
      all.add(new Query(expression, false));
    }
    return all;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (concurrency < 1) {
      throw new IllegalArgumentException("--concurrency must be positive");
    }
    PromClient primary = new PromClient(url, Loopback.headers(headers));
    PromClient secondary = compareUrl == null ? null : new PromClient(compareUrl, Loopback.headers(compareHeaders));
    long endMs = TimeArgs.timeMs(end, System.currentTimeMillis());
    long stepMs = stepMs(range);
    // Align to the step, as Grafana does, so both targets evaluate the same timestamps.
    endMs -= endMs % stepMs;
    long startMs = endMs - range.toMillis();
    List<Query> all = queries();
    out.printf("query: %d queries (%d expressions, range and instant), range %s step %ds ending %s, %d workers,"
            + " %s -> %s%s%n",
        all.size(), EXPRESSIONS.size(), range, stepMs / 1000, Instant.ofEpochMilli(endMs), concurrency, duration,
        primary.baseUrl(), secondary == null ? "" : " compared with " + secondary.baseUrl());
    out.flush();

    long startNanos = System.nanoTime();
    long deadlineNanos = startNanos + duration.toNanos();
    List<Thread> workers = new ArrayList<>();
    long finalEndMs = endMs;
    for (int w = 0; w < concurrency; w++) {
      int worker = w;
      workers.add(Thread.ofPlatform().name("bench-query-" + w).start(() -> {
        for (int i = worker; System.nanoTime() < deadlineNanos; i++) {
          Query query = all.get(i % all.size());
          run(query, primary, secondary, startMs, finalEndMs, stepMs);
        }
      }));
    }
    long lastQueries = 0;
    long lastNanos = startNanos;
    for (Thread worker : workers) {
      while (worker.isAlive()) {
        worker.join(Math.max(1, (lastNanos + PROGRESS_EVERY.toNanos() - System.nanoTime()) / 1_000_000));
        long now = System.nanoTime();
        if (now - lastNanos >= PROGRESS_EVERY.toNanos()) {
          long done = queries.get();
          out.printf("[%5.1fs] %.1f queries/s, p99 %.1f ms, %d errors, %d mismatches%n", (now - startNanos) / 1e9,
              (done - lastQueries) / ((now - lastNanos) / 1e9), window.drain().quantileMillis(0.99),
              errorQueries.get(), mismatches.get());
          out.flush();
          lastQueries = done;
          lastNanos = now;
        }
      }
    }
    double elapsedSeconds = (System.nanoTime() - startNanos) / 1e9;

    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("mode", "query");
    summary.put("url", primary.baseUrl());
    summary.put("compare_url", secondary == null ? null : secondary.baseUrl());
    summary.put("concurrency", concurrency);
    summary.put("range_seconds", range.toSeconds());
    summary.put("step_seconds", stepMs / 1000);
    summary.put("end_time_ms", endMs);
    summary.put("elapsed_seconds", Math.round(elapsedSeconds * 100) / 100.0);
    summary.put("queries", queries.get());
    summary.put("queries_per_second", Math.round(queries.get() / elapsedSeconds * 100) / 100.0);
    summary.put("latency_p50_ms", Math.round(latency.quantileMillis(0.5) * 100) / 100.0);
    summary.put("latency_p99_ms", Math.round(latency.quantileMillis(0.99) * 100) / 100.0);
    // Short names for scripts (bench/compare.sh reads these).
    summary.put("p50_ms", summary.get("latency_p50_ms"));
    summary.put("p99_ms", summary.get("latency_p99_ms"));
    summary.put("error_queries", errorQueries.get());
    Map<String, Object> errorSummary = new LinkedHashMap<>();
    errors.forEach((key, error) -> errorSummary.put(key,
        Map.of("count", error.count().get(), "first_message", error.firstMessage())));
    summary.put("errors", errorSummary);
    summary.put("compared", compared.get());
    summary.put("mismatches", mismatches.get());
    summary.put("first_mismatches", firstMismatches);
    Map<String, Object> perQuery = new LinkedHashMap<>();
    for (Query query : all) {
      ShapeStats shape = shapes.get(query);
      if (shape != null) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("queries", shape.latency().count());
        row.put("p50_ms", Math.round(shape.latency().quantileMillis(0.5) * 100) / 100.0);
        row.put("p99_ms", Math.round(shape.latency().quantileMillis(0.99) * 100) / 100.0);
        row.put("peak_samples", shape.maxPeakSamples().get());
        perQuery.put(query.describe(), row);
      }
    }
    summary.put("per_query", perQuery);

    out.printf("queries: %d in %.1fs%n", queries.get(), elapsedSeconds);
    out.printf("queries/s: %.2f%n", summary.get("queries_per_second"));
    out.printf("latency p50 %.2f ms, p99 %.2f ms%n", latency.quantileMillis(0.5), latency.quantileMillis(0.99));
    out.printf("errors: %d queries%n", errorQueries.get());
    errors.forEach((key, error) -> out.printf("  %s x%d: %s%n", key, error.count().get(), error.firstMessage()));
    out.printf("per query: p50 ms, p99 ms, peak samples (largest stats.samples.peakSamples)%n");
    perQuery.forEach((query, row) -> {
      Map<?, ?> r = (Map<?, ?>) row;
      out.printf("  %9.2f %9.2f %12d  %s%n", r.get("p50_ms"), r.get("p99_ms"), r.get("peak_samples"), query);
    });
    if (secondary != null) {
      out.printf("mismatches: %d of %d compared%n", mismatches.get(), compared.get());
      firstMismatches.forEach(mismatch -> out.printf("  %s%n", mismatch));
    }
    if (json) {
      out.println(JSON.writeValueAsString(summary));
    }
    out.flush();
    return 0;
  }

  private void run(Query query, PromClient primary, PromClient secondary, long startMs, long endMs, long stepMs) {
    long sendNanos = System.nanoTime();
    PromClient.Answer answer = ask(primary, query, startMs, endMs, stepMs);
    long nanos = System.nanoTime() - sendNanos;
    latency.record(nanos);
    window.record(nanos);
    queries.incrementAndGet();
    ShapeStats shape = shapes.computeIfAbsent(query, q -> new ShapeStats());
    shape.latency().record(nanos);
    if (!answer.ok()) {
      error(answer.status() + " " + primary.baseUrl(), query, answer);
      return;
    }
    long peak = peakSamples(answer.data());
    shape.maxPeakSamples().accumulateAndGet(peak, Math::max);
    if (secondary == null) {
      return;
    }
    PromClient.Answer other = ask(secondary, query, startMs, endMs, stepMs);
    if (!other.ok()) {
      error(other.status() + " " + secondary.baseUrl(), query, other);
      return;
    }
    compared.incrementAndGet();
    String difference = ResultComparator.difference(answer.data(), other.data());
    if (difference != null) {
      mismatches.incrementAndGet();
      if (firstMismatches.size() < MISMATCHES_SHOWN) {
        firstMismatches.add(query.describe() + ": " + difference);
      }
    }
  }

  private void error(String key, Query query, PromClient.Answer answer) {
    errorQueries.incrementAndGet();
    errors.computeIfAbsent(key, k -> new ErrorCount(new AtomicLong(), query.describe() + ": " + answer.error()))
        .count().incrementAndGet();
  }

  private static PromClient.Answer ask(PromClient client, Query query, long startMs, long endMs, long stepMs) {
    return query.range()
        ? client.rangeWithStats(query.expression(), startMs, endMs, stepMs)
        : client.instantWithStats(query.expression(), endMs);
  }

  /** {@code data.stats.samples.peakSamples} of an answer, or -1 when the API did not report it. */
  static long peakSamples(JsonNode data) {
    JsonNode peak = data.path("stats").path("samples").path("peakSamples");
    return peak.canConvertToLong() ? peak.asLong() : -1;
  }
}
