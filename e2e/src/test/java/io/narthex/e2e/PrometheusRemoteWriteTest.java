package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A real Prometheus (Debian's package) scrapes itself and a real node-exporter on loopback and remote-writes to
 * Narthex, running as its own process, with a tenant header. PromQL answers from both must agree: label sets exactly, timestamps
 * exactly, values within 1e-9 relative.
 *
 * <p>Prometheus 2.x selects closed ranges {@code [t-r, t]} where 3.x (our target) selects {@code (t-r, t]}. The
 * two differ only for a sample exactly on a range's left edge, so the evaluation times are put on a millisecond
 * phase that no scraped sample has.
 *
 * <p>The class runs beside the other e2e classes (junit-platform.properties): most of its time is the minute of
 * wall-clock scraping its query windows need, when its three processes take little CPU, and it asserts no timing.
 * Its tests run one after the other, in order, in the class's thread ({@code SAME_THREAD}): they share the
 * processes, and the last one stops Narthex.
 */
// Shares the CPU with other classes, never with a timing oracle (those take the lock exclusively).
@ResourceLock(value = "timing-oracles", mode = ResourceAccessMode.READ)
@Execution(ExecutionMode.CONCURRENT)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusRemoteWriteTest {
  private static final String TENANT = "e2e";
  private static final long SCRAPE_INTERVAL_MS = 1_000;
  private static final long RANGE_MS = 20_000;
  private static final long STEP_MS = 5_000;

  /** Each is evaluated as an instant query at T and as a range query over [T-20s, T]. */
  static final List<String> QUERIES = List.of(
      "up",
      "up{job=\"node\"}",
      "node_cpu_seconds_total{mode=\"idle\"}",
      "{__name__=~\"node_load.*\"}",
      "rate(node_cpu_seconds_total[20s])",
      "irate(node_cpu_seconds_total[10s])",
      "increase(prometheus_tsdb_head_samples_appended_total[20s])",
      "delta(go_memstats_alloc_bytes[20s])",
      "idelta(go_goroutines[10s])",
      "deriv(process_resident_memory_bytes[20s])",
      "sum by (job) (rate(process_cpu_seconds_total[20s]))",
      "sum without (cpu) (rate(node_cpu_seconds_total[20s]))",
      "count by (mode) (node_cpu_seconds_total)",
      "avg by (job) (go_goroutines)",
      "max(go_memstats_heap_alloc_bytes)",
      "min by (job) (process_start_time_seconds)",
      "topk(3, go_memstats_alloc_bytes_total)",
      "bottomk(2, rate(node_network_receive_bytes_total[20s]))",
      "histogram_quantile(0.9, sum by (le) (rate(prometheus_http_request_duration_seconds_bucket[20s])))",
      "histogram_quantile(0.5, rate(prometheus_http_request_duration_seconds_bucket[20s]))",
      "histogram_quantile(0.99, sum by (le, handler) (rate(prometheus_http_request_duration_seconds_bucket[20s])))",
      "up offset 10s",
      "rate(node_cpu_seconds_total[20s] offset 5s)",
      "avg_over_time(go_goroutines[20s])",
      "max_over_time(process_resident_memory_bytes[20s])",
      "min_over_time(scrape_duration_seconds[20s])",
      "sum_over_time(scrape_samples_scraped[20s])",
      "count_over_time(up[20s])",
      "go_goroutines > 5",
      "go_goroutines > bool 5",
      "process_resident_memory_bytes / on(instance, job) process_virtual_memory_bytes",
      "node_memory_MemTotal_bytes - on(instance) group_left() node_memory_MemAvailable_bytes",
      "up * on(job) group_left(version) prometheus_build_info",
      "up and on(job) process_start_time_seconds",
      "node_load1 or up",
      "up unless on(job) node_load1",
      "abs(delta(go_goroutines[20s]))",
      "clamp_max(go_goroutines, 10)",
      "clamp_min(rate(process_cpu_seconds_total[20s]), 0.001)",
      "ceil(rate(process_cpu_seconds_total[20s]) * 1000)",
      "floor(process_resident_memory_bytes / 1024)",
      "round(process_resident_memory_bytes / 1024 / 1024, 0.5)",
      "time() - process_start_time_seconds",
      "timestamp(up)",
      "label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\")",
      "absent(nonexistent_metric)",
      "absent(up)",
      "scalar(sum(up)) * 2",
      "vector(1)",
      "sum(rate(prometheus_http_requests_total[20s])) by (code)");

  @TempDir
  static Path work;

  private static ExternalProcess nodeExporter;
  private static ExternalProcess prometheus;
  private static ExternalProcess narthexProcess;
  private static TenantHeaderProxy tenantProxy;
  private static PromApi prom;
  private static PromApi narthex;
  private static long evalTimeMs;

  @BeforeAll
  static void startEverything() throws Exception {
    String prometheusBinary = ExternalProcess.which("prometheus");
    String nodeExporterBinary = ExternalProcess.which("prometheus-node-exporter");
    ExternalProcess.assumeInstalled(prometheusBinary != null && nodeExporterBinary != null,
        "prometheus and prometheus-node-exporter are not installed (apt-get install prometheus"
            + " prometheus-node-exporter; .ci/run does this): skipping the comparison with a real Prometheus");
    Path jar = Path.of("..", "app", "target", "narthex.jar").toAbsolutePath().normalize();
    assertThat(jar).as("the app module's shaded jar, built before e2e by ./mvnw verify").exists();

    int narthexHttp = ExternalProcess.freePort();
    int narthexGrpc = ExternalProcess.freePort();
    String java = ProcessHandle.current().info().command().orElse("java");
    narthexProcess = ExternalProcess.start("narthex", List.of(java,
        "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED", "-Xmx1g",
        ExternalProcess.CLIENT_COMPILER_ONLY,
        "-jar", jar.toString(),
        "--server.http-listen-port=" + narthexHttp,
        "--server.grpc-listen-port=" + narthexGrpc,
        // Not the default 9096: in-JVM classes of this module start beside this one.
        "--ingester.raft-listen-port=" + ExternalProcess.freePort(),
        "--blocks-storage.tsdb.dir=" + work.resolve("narthex")));

    // Node-exporter and Prometheus start while Narthex's JVM boots: the proxy answers 502 until Narthex listens,
    // and Prometheus sends those batches again.
    int nodeExporterPort = ExternalProcess.freePort();
    nodeExporter = ExternalProcess.start("node-exporter",
        List.of(nodeExporterBinary, "--web.listen-address=127.0.0.1:" + nodeExporterPort));
    nodeExporter.awaitHttpOk("http://127.0.0.1:" + nodeExporterPort + "/metrics", Duration.ofSeconds(30));

    // Prometheus sends the header itself too; the proxy only makes up for Debian's build dropping it.
    tenantProxy = new TenantHeaderProxy(narthexHttp, TENANT);
    int prometheusPort = ExternalProcess.freePort();
    Path config = work.resolve("prometheus.yml");
    Files.writeString(config, """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: prometheus
            static_configs: [{targets: ['127.0.0.1:%d']}]
          - job_name: node
            static_configs: [{targets: ['127.0.0.1:%d']}]
        remote_write:
          - url: http://127.0.0.1:%d/api/v1/push
            headers:
              X-Scope-OrgID: %s
            metadata_config:
              send_interval: 1s
            queue_config:
              batch_send_deadline: 1s
              min_backoff: 100ms
              max_backoff: 1s
        """.formatted(prometheusPort, nodeExporterPort, tenantProxy.port(), TENANT));
    prometheus = ExternalProcess.start("prometheus", List.of(prometheusBinary,
        "--config.file=" + config,
        "--storage.tsdb.path=" + work.resolve("prometheus-data"),
        "--web.listen-address=127.0.0.1:" + prometheusPort));
    prometheus.awaitHttpOk("http://127.0.0.1:" + prometheusPort + "/-/ready", Duration.ofSeconds(60));
    narthexProcess.awaitHttpOk("http://127.0.0.1:" + narthexHttp + "/ready", Duration.ofSeconds(60));

    prom = new PromApi("http://127.0.0.1:" + prometheusPort, null);
    narthex = new PromApi("http://127.0.0.1:" + narthexHttp + "/prometheus", TENANT);

    // Every window a query reads (range start, minus the longest range and offset, 25s) must begin a scrape after
    // the first sample Narthex holds of each target.
    long dataStartMs = awaitFirstSampleOfEveryTarget();
    long earliestWindowMs = RANGE_MS + 25_000;
    // The evaluation time is picked up to 6s in the past (see pickEvalTime). Not a condition: the queries'
    // windows need this much wall-clock scraping behind them.
    Thread.sleep(Math.max(0, dataStartMs + SCRAPE_INTERVAL_MS + earliestWindowMs + 6_000 + 500
        - System.currentTimeMillis()));
    evalTimeMs = pickEvalTime();
    assertThat(evalTimeMs - earliestWindowMs).isGreaterThan(dataStartMs + SCRAPE_INTERVAL_MS);
    awaitNarthexHasDataPast(evalTimeMs + 3_000);
    awaitSameSampleCount(earliestWindowMs);
  }

  /**
   * Waits (up to 30 s) until Narthex holds as many samples as Prometheus in the {@code windowMs} before the evaluation
   * time: the other series of the scrapes that carried {@code up} travel in other remote-write shards, which may lag
   * (a retry, a slow push). Not an assertion: a difference that stays is for the comparisons to show, query by query.
   */
  private static void awaitSameSampleCount(long windowMs) {
    // The raw points, counted here: count_over_time drops the names, and Prometheus 2.42 then refuses the
    // series that differ only by name.
    String[] params = {"query", "{__name__=~\".+\"}[" + windowMs / 1000 + "s]", "time", seconds(evalTimeMs)};
    try {
      await("Narthex holding Prometheus's samples before the evaluation time").atMost(Duration.ofSeconds(30))
          .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500))
          .ignoreExceptionsInstanceOf(AssertionError.class) // a query answered 503 under load: ask again
          .until(() -> sampleCount(prom, params) == sampleCount(narthex, params));
    } catch (ConditionTimeoutException e) {
      System.err.println("sample counts still differ before the evaluation time: Prometheus "
          + sampleCount(prom, params) + ", Narthex " + sampleCount(narthex, params));
    }
  }

  private static long sampleCount(PromApi api, String[] params) {
    long count = 0;
    for (JsonNode series : api.data("/api/v1/query", params).get("result")) {
      count += series.get("values").size();
    }
    return count;
  }

  /**
   * The time of the latest of the targets' first {@code up} samples in Narthex. Prometheus's remote-write WAL
   * watcher may start after the first scrapes and never send them; a batch sent again later only adds earlier
   * samples, which leaves this bound safe.
   */
  private static long awaitFirstSampleOfEveryTarget() {
    java.util.concurrent.atomic.AtomicLong latestFirstMs = new java.util.concurrent.atomic.AtomicLong();
    try {
      await("Narthex holding up of both targets").atMost(Duration.ofSeconds(60))
          .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500))
          .until(() -> {
            JsonNode result = narthex.data("/api/v1/query", "query", "up[5m]",
                "time", seconds(System.currentTimeMillis())).get("result");
            long latest = 0;
            for (JsonNode series : result) {
              latest = Math.max(latest, millis(series.get("values").get(0).get(0)));
            }
            latestFirstMs.set(latest);
            return result.size() == 2;
          });
    } catch (ConditionTimeoutException e) {
      fail("Narthex never received up of both targets; prometheus log:\n" + prometheus.logTail(), e);
    }
    return latestFirstMs.get();
  }

  @AfterAll
  static void stopEverything() throws Exception {
    for (ExternalProcess process : new ExternalProcess[] {prometheus, nodeExporter, narthexProcess}) {
      if (process != null) {
        process.close();
      }
    }
    if (tenantProxy != null) {
      tenantProxy.close();
    }
  }

  /**
   * A time ~5s ago whose millisecond phase no sample in the last 30s has (see the class comment); Narthex is then
   * awaited until it holds samples past it.
   */
  private static long pickEvalTime() {
    long nowMs = System.currentTimeMillis();
    JsonNode raw = prom.data("/api/v1/query", "query", "{__name__=~\".+\"}[30s]",
        "time", seconds(nowMs)).get("result");
    Set<Long> phases = new HashSet<>();
    for (JsonNode series : raw) {
      for (JsonNode point : series.get("values")) {
        phases.add(Math.floorMod(millis(point.get(0)), 1000L));
      }
    }
    long base = (nowMs - 5_000) / 1000 * 1000;
    for (long phase = 500; phase < 1500; phase++) {
      if (!phases.contains(phase % 1000)) {
        return base + phase % 1000;
      }
    }
    throw new AssertionError("every millisecond phase holds a sample; cannot pick an unambiguous time");
  }

  private static void awaitNarthexHasDataPast(long timeMs) {
    try {
      await("Narthex holding every target's up past " + timeMs).atMost(Duration.ofSeconds(60))
          .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500))
          .until(() -> {
            JsonNode result = narthex.data("/api/v1/query", "query", "min(timestamp(up))",
                "time", seconds(System.currentTimeMillis())).get("result");
            return result.size() == 1 && result.get(0).get("value").get(1).asDouble() * 1000 >= timeMs;
          });
    } catch (ConditionTimeoutException e) {
      fail("Narthex never received samples past " + timeMs + "; prometheus log:\n" + prometheus.logTail(), e);
    }
  }

  @Test
  @Order(1)
  @Execution(ExecutionMode.SAME_THREAD)
  void instantQueriesAgreeWithPrometheus() {
    List<String> failures = new ArrayList<>();
    for (String query : QUERIES) {
      String[] params = {"query", query, "time", seconds(evalTimeMs)};
      compare(query + " @ instant", prom.get("/api/v1/query", params), narthex.get("/api/v1/query", params),
          failures);
    }
    assertThat(failures).as("queries whose answers differ").isEmpty();
  }

  @Test
  @Order(2)
  @Execution(ExecutionMode.SAME_THREAD)
  void rangeQueriesAgreeWithPrometheus() {
    List<String> failures = new ArrayList<>();
    for (String query : QUERIES) {
      String[] params = {"query", query, "start", seconds(evalTimeMs - RANGE_MS), "end", seconds(evalTimeMs),
          "step", Long.toString(STEP_MS / 1000)};
      compare(query + " @ range", prom.get("/api/v1/query_range", params),
          narthex.get("/api/v1/query_range", params), failures);
    }
    assertThat(failures).as("queries whose answers differ").isEmpty();
  }

  @Test
  @Order(3)
  @Execution(ExecutionMode.SAME_THREAD)
  void seriesLabelsAndLabelValuesAgreeWithPrometheus() throws Exception {
    String start = seconds(evalTimeMs - RANGE_MS);
    String end = seconds(evalTimeMs);
    List<String[]> requests = List.of(
        new String[] {"/api/v1/series", "match[]", "up", "start", start, "end", end},
        new String[] {"/api/v1/series", "match[]", "{__name__=~\"node_cpu.*\", mode=~\"idle|user\"}",
            "start", start, "end", end},
        new String[] {"/api/v1/series", "match[]", "go_goroutines", "match[]", "process_start_time_seconds",
            "start", start, "end", end},
        new String[] {"/api/v1/labels"},
        new String[] {"/api/v1/labels", "match[]", "{job=\"node\"}"},
        new String[] {"/api/v1/label/__name__/values"},
        new String[] {"/api/v1/label/job/values"},
        new String[] {"/api/v1/label/mode/values", "match[]", "node_cpu_seconds_total"});
    for (String[] request : requests) {
      String path = request[0];
      String[] params = java.util.Arrays.copyOfRange(request, 1, request.length);
      // Prometheus keeps scraping, and its new series reach Narthex a moment later: retry until both agree.
      await(path + " agreeing").atMost(Duration.ofSeconds(30))
          .pollDelay(Duration.ZERO).pollInterval(Duration.ofSeconds(1))
          .untilAsserted(() -> {
            JsonNode actual = narthex.data(path, params);
            JsonNode expected = prom.data(path, params);
            assertThat(sortedStrings(actual)).as(path + " " + String.join(" ", params))
                .isEqualTo(sortedStrings(expected));
          });
    }
  }

  /**
   * Prometheus remote-writes the metadata of every family it scrapes (type, help, unit); Narthex's
   * {@code /api/v1/metadata} must equal Prometheus's own for them, compared as sets of entries per family.
   */
  @Test
  @Order(4)
  @Execution(ExecutionMode.SAME_THREAD)
  void metricMetadataAgreesWithPrometheus() {
    java.util.Map<String, Set<String>> expected = metadataByFamily(prom.data("/api/v1/metadata"));
    assertThat(expected).as("Prometheus's own metadata").containsKeys("go_goroutines", "node_cpu_seconds_total",
        "prometheus_http_requests_total");
    // Metadata travels on its own interval (1s here), so the last families may arrive a moment after the samples.
    await("Narthex holding the metadata Prometheus has").atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> {
          java.util.Map<String, Set<String>> actual = metadataByFamily(narthex.data("/api/v1/metadata"));
          java.util.Map<String, Set<String>> differing = new java.util.TreeMap<>();
          expected.forEach((family, entries) -> {
            if (!entries.equals(actual.get(family))) {
              differing.put(family, entries);
            }
          });
          assertThat(differing).as("families whose metadata differs (Prometheus's shown); Narthex has "
              + actual.size() + " families").isEmpty();
        });
    JsonNode one = narthex.data("/api/v1/metadata", "metric", "node_cpu_seconds_total");
    assertThat(one.path("node_cpu_seconds_total").path(0).path("type").asText()).isEqualTo("counter");
  }

  private static java.util.Map<String, Set<String>> metadataByFamily(JsonNode data) {
    java.util.Map<String, Set<String>> out = new java.util.TreeMap<>();
    data.fields().forEachRemaining(family -> {
      Set<String> entries = new java.util.TreeSet<>();
      family.getValue().forEach(entry -> entries.add(entry.toString()));
      out.put(family.getKey(), entries);
    });
    return out;
  }

  @Test
  @Order(5)
  @Execution(ExecutionMode.SAME_THREAD)
  void narthexStopsCleanlyOnSigterm() throws Exception {
    narthexProcess.stop();
    assertThat(narthexProcess.logTail()).contains("Narthex stopped");
  }

  private static void compare(String what, PromApi.Response expected, PromApi.Response actual, List<String> failures) {
    String difference = ResultComparison.difference(expected, actual, false);
    if (difference != null) {
      failures.add(what + ": " + difference);
    } else if (ResultComparison.isEmpty(expected) && !what.startsWith("absent(up)")) {
      failures.add(what + ": Prometheus answered no series, so this query checks nothing");
    }
  }

  private static long millis(JsonNode secondsNode) {
    return ResultComparison.millis(secondsNode);
  }

  private static String seconds(long ms) {
    return ResultComparison.seconds(ms);
  }

  private static List<String> sortedStrings(JsonNode array) {
    return ResultComparison.sortedStrings(array);
  }
}
