package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.app.Narthex;
import io.narthex.app.NarthexOptions;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Issue 15's oracle: one rule file (recording rules, a rule reading the previous rule's output, alerts with
 * {@code for}, {@code keep_firing_for} and templated labels and annotations) runs in Debian's Prometheus 2.42 and in
 * an in-JVM Narthex (through the rules config API), on the same data written to both by remote write.
 *
 * <p>Both evaluate the groups at the same instants: Prometheus runs from the directory holding the rule file at
 * {@code data-ruler/<tenant>/<namespace>}, the file name Narthex hashes into a group's offset, and Narthex's query
 * offset is 0 ({@code -ruler.evaluation-delay-duration=0s}). The whole scenario's samples are written before its
 * first evaluation (up to ~30 s ahead, within the 10 m creation grace period), each half-way between two
 * evaluation instants, so neither system races its ingestion. So the comparisons are exact, with no tolerance:
 * the recorded series and {@code ALERTS}/{@code ALERTS_FOR_STATE} queried over the scenario at every evaluation
 * instant (timestamps and values, the state transitions being where {@code ALERTS} changes), and the alerts'
 * labels, annotations, states and {@code activeAt} seen by polling {@code /api/v1/alerts} of both. The only
 * timing with a tolerance is when the API shows a state: within one interval plus one poll of Prometheus.
 */
// Measures time: never beside the classes that run concurrently (their lock), and after the rest of the module.
@ResourceLock("timing-oracles")
@Order(Order.DEFAULT + 1)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RulerPrometheusOracleTest {
  private static final String TENANT = "oracle-tenant";
  private static final String NAMESPACE = "oracle";
  private static final long INTERVAL_MS = 1_000;
  private static final long POLL_MS = 150;
  /** Scenario steps: sample {@code i} is at {@code start + i * INTERVAL_MS + INTERVAL_MS / 2}. */
  private static final int FIRST_STEP = -3;
  private static final int STEPS = 20;

  private static final String RECORDING_GROUP = """
      name: recording
      interval: 1s
      rules:
        - record: oracle:tick
          expr: vector(1)
        - record: host:demo_requests:rate3s
          expr: sum by (host) (rate(demo_requests_total[3s]))
        - record: demo:temperature:max
          expr: max(demo_temperature)
          labels:
            team: storage
        - record: demo:temperature:max_doubled
          expr: demo:temperature:max * 2
        - record: demo:hosts_hot:count
          expr: count(demo_temperature > 50)
        - record: host:demo_temperature:hot
          expr: demo_temperature > 50
      """;

  private static final String ALERTING_GROUP = """
      name: alerts
      interval: 1s
      rules:
        - alert: HostHot
          expr: demo_temperature > 50
          for: 3s
          keep_firing_for: 3s
          labels:
            origin: oracle
            severity: '{{ if gt $value 85.0 }}page{{ else }}ticket{{ end }}'
          annotations:
            summary: '{{ $labels.host }} is at {{ $value | humanize }} degrees'
            share: '{{ with query "sum(demo_temperature)" }}{{ . | first | value | humanize }}{{ end }} total, {{ printf "%.1f" $value }}'
            fraction: '{{ $value | humanizePercentage }} / {{ 90061 | humanizeDuration }} / {{ 1234567 | humanize }}'
            host_upper: '{{ $labels.host | toUpper }} {{ reReplaceAll "(.*)" "[$1]" $labels.host }}'
        - alert: RequestsFast
          expr: rate(demo_requests_total[3s]) > 15
          annotations:
            summary: '{{ $labels.host }} at {{ $value | humanize }}/s'
      """;

  @TempDir
  static Path work;

  private static ExternalProcess prometheus;
  private static Narthex narthexServer;
  private static PromApi prom;
  private static PromApi narthex;
  private static long phaseMs;
  private static long startMs;
  private static final List<Observation> promSeen = new ArrayList<>();
  private static final List<Observation> narthexSeen = new ArrayList<>();

  /** One alert as {@code /api/v1/alerts} showed it, and when (wall clock) it was first shown so. */
  record Observation(String labels, String state, String annotations, String activeAt, String keepFiringSince,
      String value, long firstSeenMs) {
    String withoutTime() {
      return labels + " " + state + " activeAt=" + activeAt + " keepFiringSince=" + keepFiringSince + " value="
          + value + " " + annotations;
    }
  }

  @BeforeAll
  static void startBoth() throws Exception {
    String binary = ExternalProcess.which("prometheus");
    ExternalProcess.assumeInstalled(binary != null,
        "prometheus is not installed (apt-get install prometheus; .ci/run does this): skipping the ruler's "
            + "comparison with a real Prometheus");

    int narthexHttp = ExternalProcess.freePort();
    narthexServer = Narthex.start(NarthexOptions.parse(
        "--server.http-listen-port=" + narthexHttp, "--server.grpc-listen-port=" + ExternalProcess.freePort(),
        "--ingester.raft-listen-port=" + ExternalProcess.freePort(),
        "--blocks-storage.tsdb.dir=" + work.resolve("narthex/tsdb"),
        "--blocks-storage.filesystem.dir=" + work.resolve("narthex/bucket"),
        "--blocks-storage.bucket-store.sync-dir=" + work.resolve("narthex/sync"),
        "--compactor.data-dir=" + work.resolve("narthex/compactor"),
        "--ruler.evaluation-delay-duration=0s"));
    await().atMost(Duration.ofSeconds(30)).until(narthexServer::ready);
    narthex = new PromApi("http://127.0.0.1:" + narthexHttp + "/prometheus", TENANT);

    // The same relative file name as Narthex's data-ruler/<tenant>/<namespace>, so both hash the same offsets.
    Path ruleFile = work.resolve("data-ruler").resolve(TENANT).resolve(NAMESPACE);
    Files.createDirectories(ruleFile.getParent());
    Files.writeString(ruleFile, "groups:\n" + indentAsListItem(RECORDING_GROUP) + indentAsListItem(ALERTING_GROUP));
    Files.writeString(work.resolve("prometheus.yml"), """
        global:
          evaluation_interval: 1s
        rule_files:
          - data-ruler/%s/%s
        """.formatted(TENANT, NAMESPACE));
    int promPort = ExternalProcess.freePort();
    prometheus = ExternalProcess.start("prometheus-ruler-oracle", List.of("sh", "-c",
        "cd '" + work + "' && exec '" + binary + "' --config.file=prometheus.yml --storage.tsdb.path=data"
            + " --web.enable-remote-write-receiver --web.listen-address=127.0.0.1:" + promPort));
    prometheus.awaitHttpOk("http://127.0.0.1:" + promPort + "/-/ready", Duration.ofSeconds(30));
    prom = new PromApi("http://127.0.0.1:" + promPort, null);

    for (String group : List.of(RECORDING_GROUP, ALERTING_GROUP)) {
      HttpResponse<String> set = post("http://127.0.0.1:" + narthexHttp + "/prometheus/config/v1/rules/" + NAMESPACE,
          "application/yaml", group.getBytes(), TENANT);
      assertThat(set.statusCode()).as(set.body()).isEqualTo(202);
    }

    long promPhase = awaitTickPhase(prom);
    long narthexPhase = awaitTickPhase(narthex);
    assertThat(narthexPhase).as("Narthex's evaluation phase (ms within the second), Prometheus's %d", promPhase)
        .isEqualTo(promPhase);
    phaseMs = promPhase;

    long nowMs = System.currentTimeMillis();
    // 5-6 s before the first sample for two writes, one through Raft: a loaded CI machine took more than the 1-2 s
    // of 4 intervals' lead.
    startMs = nextInstant(nowMs + 8 * INTERVAL_MS);
    WriteRequest data = scenario();
    HttpResponse<String> toProm = post("http://127.0.0.1:" + promPort + "/api/v1/write", "application/x-protobuf",
        RemoteWriteClient.snappy(data.toByteArray()), null);
    HttpResponse<String> toNarthex = new RemoteWriteClient(narthexHttp).push(TENANT, data);
    assertThat(toProm.statusCode()).as("Prometheus: " + toProm.body()).isEqualTo(204);
    assertThat(toNarthex.statusCode()).as("Narthex: " + toNarthex.body()).isEqualTo(200);
    assertThat(System.currentTimeMillis()).as("the data is in before the scenario's first sample")
        .isLessThan(startMs + FIRST_STEP * INTERVAL_MS);

    // Not a condition to wait for: the scenario runs on the wall clock; poll both APIs through it.
    long endMs = startMs + (STEPS + 1) * INTERVAL_MS;
    while (System.currentTimeMillis() < endMs) {
      long polledMs = System.currentTimeMillis();
      observe(prom, promSeen, polledMs);
      observe(narthex, narthexSeen, polledMs);
      Thread.sleep(POLL_MS);
    }
    // Two instants past the last: both groups have evaluated and written it (not a sleep: a late ruler waits).
    long pastLastMs = startMs + (STEPS + 2) * INTERVAL_MS;
    for (PromApi api : List.of(prom, narthex)) {
      await("the last instant's writes").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
          .until(() -> {
            JsonNode result = api.data("/api/v1/query", "query", "timestamp(oracle:tick)",
                "time", seconds(System.currentTimeMillis())).get("result");
            return !result.isEmpty()
                && ResultComparison.millis(result.get(0).get("value").get(1)) >= pastLastMs;
          });
    }
  }

  @AfterAll
  static void stopBoth() throws Exception {
    if (prometheus != null) {
      prometheus.close();
    }
    if (narthexServer != null) {
      narthexServer.close();
    }
  }

  /**
   * The scenario (steps of 1 s). Host a is hot (80, then 90) over steps 3-11: pending, firing after 3 s, kept
   * firing 3 s after it cools, then resolved. Host b is hot for two steps only: pending, then dropped. Host c turns
   * hot at step 8 and stays so. The request counters change pace, and host b's resets.
   */
  private static WriteRequest scenario() {
    WriteRequest.Builder request = WriteRequest.newBuilder();
    request.addTimeseries(steps(new String[] {"__name__", "demo_temperature", "host", "a"},
        i -> i >= 3 && i < 6 ? 80 : i >= 6 && i < 12 ? 90 : 20));
    request.addTimeseries(steps(new String[] {"__name__", "demo_temperature", "host", "b"},
        i -> i == 5 || i == 6 ? 70 : 30.5));
    request.addTimeseries(steps(new String[] {"__name__", "demo_temperature", "host", "c"},
        i -> i >= 8 ? 55.25 + i : 40));
    request.addTimeseries(steps(new String[] {"__name__", "demo_requests_total", "host", "a"},
        i -> 1000 + 10 * (i - FIRST_STEP) + (i > 10 ? 15 * (i - 10) : 0)));
    request.addTimeseries(steps(new String[] {"__name__", "demo_requests_total", "host", "b"},
        i -> i < 9 ? 500 + 20 * (i - FIRST_STEP) : 7 * (i - 8)));
    return request.build();
  }

  private static TimeSeries steps(String[] labels, IntToDoubleFunction value) {
    int count = STEPS - FIRST_STEP;
    long[] timestamps = new long[count];
    double[] values = new double[count];
    for (int k = 0; k < count; k++) {
      int step = FIRST_STEP + k;
      timestamps[k] = startMs + step * INTERVAL_MS + INTERVAL_MS / 2;
      values[k] = value.applyAsDouble(step);
    }
    return RemoteWriteClient.series(labels, timestamps, values);
  }

  @Test
  @Order(1)
  void recordedSeriesEqualPrometheusAtEveryEvaluationInstant() {
    List<String> failures = new ArrayList<>();
    for (String query : List.of("host:demo_requests:rate3s", "demo:temperature:max", "demo:temperature:max_doubled",
        "demo:hosts_hot:count", "host:demo_temperature:hot",
        "oracle:tick")) {
      compareRange(query, failures);
    }
    assertThat(failures).as("recorded series that differ from Prometheus's").isEmpty();
  }

  @Test
  @Order(2)
  void alertSeriesAndStateTransitionsEqualPrometheus() {
    List<String> failures = new ArrayList<>();
    compareRange("ALERTS", failures);
    compareRange("ALERTS_FOR_STATE", failures);
    assertThat(failures).as("ALERTS series that differ from Prometheus's").isEmpty();
    // The scenario does go through every state: pending only, pending then firing, firing kept then resolved.
    JsonNode alerts = prom.data("/api/v1/query_range", "query", "ALERTS", "start", seconds(startMs),
        "end", seconds(startMs + STEPS * INTERVAL_MS), "step", "1").get("result");
    assertThat(ResultComparison.sortedStrings(labelsOf(alerts))).contains(
        "{__name__=ALERTS, alertname=HostHot, alertstate=pending, host=b, origin=oracle, severity=ticket}",
        "{__name__=ALERTS, alertname=HostHot, alertstate=firing, host=a, origin=oracle, severity=page}",
        "{__name__=ALERTS, alertname=HostHot, alertstate=firing, host=c, origin=oracle, severity=ticket}");
  }

  @Test
  @Order(3)
  void alertsApiShowsTheSameAlertsAnnotationsAndStatesAsPrometheus() {
    assertThat(promSeen).as("Prometheus showed an alert held by keep_firing_for")
        .anyMatch(seen -> !seen.keepFiringSince().isEmpty() && seen.state().equals("firing"));
    assertThat(distinct(narthexSeen)).as("alerts as /api/v1/alerts showed them, Prometheus's expected")
        .containsExactlyElementsOf(distinct(promSeen));
    Map<String, Long> promFirst = firstSeen(promSeen);
    Map<String, Long> narthexFirst = firstSeen(narthexSeen);
    promFirst.forEach((what, atMs) -> assertThat(narthexFirst.get(what))
        .as("when Narthex first showed %s (Prometheus at %d)", what, atMs)
        .isBetween(atMs - INTERVAL_MS - POLL_MS, atMs + INTERVAL_MS + POLL_MS));
  }

  @Test
  @Order(4)
  void rulesApiDescribesTheRulesAsPrometheus() {
    assertThat(rules(narthex)).as("rules as /api/v1/rules shows them (Prometheus's expected)")
        .isEqualTo(rules(prom));
  }

  /** Each rule's fields that do not depend on timing, in group and rule order. */
  private static List<String> rules(PromApi api) {
    List<String> out = new ArrayList<>();
    for (JsonNode group : api.data("/api/v1/rules").get("groups")) {
      for (JsonNode rule : group.get("rules")) {
        Map<String, String> fields = new TreeMap<>();
        fields.put("group", group.get("name").asText());
        fields.put("interval", group.get("interval").asText());
        for (String field : List.of("name", "query", "type", "health", "lastError", "state", "duration",
            "keepFiringFor")) {
          fields.put(field, rule.path(field).asText());
        }
        fields.put("labels", ResultComparison.toMap(rule.path("labels")).toString());
        fields.put("annotations", ResultComparison.toMap(rule.path("annotations")).toString());
        out.add(fields.toString());
      }
    }
    return out;
  }

  private static void compareRange(String query, List<String> failures) {
    String[] params = {"query", query, "start", seconds(startMs), "end", seconds(startMs + STEPS * INTERVAL_MS),
        "step", "1"};
    PromApi.Response expected = prom.get("/api/v1/query_range", params);
    String difference = ResultComparison.difference(expected, narthex.get("/api/v1/query_range", params), false);
    if (difference != null) {
      failures.add(query + ": " + difference);
    } else if (ResultComparison.isEmpty(expected)) {
      failures.add(query + ": Prometheus recorded nothing, so this checks nothing");
    }
  }

  private static void observe(PromApi api, List<Observation> seen, long polledMs) {
    for (JsonNode alert : api.data("/api/v1/alerts").get("alerts")) {
      Observation observation = new Observation(ResultComparison.toMap(alert.get("labels")).toString(),
          alert.get("state").asText(), ResultComparison.toMap(alert.get("annotations")).toString(),
          toMs(alert.get("activeAt").asText()), toMs(alert.path("keepFiringSince").asText()),
          alert.get("value").asText(), polledMs);
      if (seen.stream().noneMatch(o -> o.withoutTime().equals(observation.withoutTime()))) {
        seen.add(observation);
      }
    }
  }

  /**
   * A time of {@code /api/v1/alerts} (or "" when absent) to the millisecond: Prometheus shows the evaluation instant to
   * the nanosecond (its group offset is hashed in nanoseconds), Narthex to the millisecond, the precision of the
   * samples both write.
   */
  private static String toMs(String time) {
    return time.isEmpty() ? "" : java.time.Instant.parse(time).truncatedTo(java.time.temporal.ChronoUnit.MILLIS)
        .toString();
  }

  private static List<String> distinct(List<Observation> seen) {
    return new ArrayList<>(new TreeSet<>(seen.stream().map(Observation::withoutTime).toList()));
  }

  /** When each alert was first shown in each state. */
  private static Map<String, Long> firstSeen(List<Observation> seen) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (Observation observation : seen) {
      out.merge(observation.labels() + " " + observation.state(), observation.firstSeenMs(), Math::min);
    }
    return out;
  }

  private static JsonNode labelsOf(JsonNode result) {
    com.fasterxml.jackson.databind.node.ArrayNode out = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
        .arrayNode();
    result.forEach(series -> out.add(series.get("metric")));
    return out;
  }

  /** The millisecond phase of the evaluation instants, from the timestamp of {@code oracle:tick}. */
  private static long awaitTickPhase(PromApi api) {
    long[] phase = new long[1];
    await("oracle:tick recorded").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          JsonNode result = api.data("/api/v1/query", "query", "timestamp(oracle:tick)",
              "time", seconds(System.currentTimeMillis())).get("result");
          if (result.isEmpty()) {
            return false;
          }
          phase[0] = Math.floorMod(ResultComparison.millis(result.get(0).get("value").get(1)), INTERVAL_MS);
          return true;
        });
    return phase[0];
  }

  private static long nextInstant(long afterMs) {
    long base = afterMs - Math.floorMod(afterMs, INTERVAL_MS) + phaseMs;
    return base < afterMs ? base + INTERVAL_MS : base;
  }

  private static String indentAsListItem(String group) {
    StringBuilder out = new StringBuilder();
    boolean first = true;
    for (String line : group.split("\n")) {
      out.append(first ? "  - " : "    ").append(line).append('\n');
      first = false;
    }
    return out.toString();
  }

  private static String seconds(long ms) {
    return ResultComparison.seconds(ms);
  }

  private static HttpResponse<String> post(String url, String contentType, byte[] body, String tenant)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType.equals("application/x-protobuf")) {
      request.header("Content-Encoding", "snappy").header("X-Prometheus-Remote-Write-Version", "0.1.0");
    }
    if (tenant != null) {
      request.header("X-Scope-OrgID", tenant);
    }
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
        .send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
