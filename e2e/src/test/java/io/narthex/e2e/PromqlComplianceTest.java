package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.narthex.app.Narthex;
import io.narthex.app.NarthexOptions;
import io.narthex.proto.prompb.WriteRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every query of the PromQL compliance tester's list ({@code ../shared/queries/compliance.txt}) against a real
 * Prometheus and Narthex holding the same demo-shaped data, both loaded through remote write. Each query runs as an
 * instant query and as a range query; the answers must agree (or both be errors). Queries whose answers may
 * legitimately differ (Prometheus 2.42 versus the 3.x semantics we follow) are listed with their reason in
 * {@code compliance-skip.txt}.
 */
class PromqlComplianceTest {
  private static final Path QUERIES = Path.of("..", "..", "shared", "queries", "compliance.txt");
  private static final long RANGE_MS = Duration.ofMinutes(30).toMillis();
  private static final long STEP_MS = Duration.ofMinutes(1).toMillis();

  @TempDir
  static Path work;

  private static ExternalProcess prometheus;
  private static Narthex narthex;
  private static PromApi prom;
  private static PromApi narthexApi;
  private static int narthexPort;
  private static long evalTimeMs;
  /** Instant queries whose Prometheus answer held data: the comparison is only as strong as this count. */
  private static int nonEmptyAnswers;

  @BeforeAll
  static void loadBoth() throws Exception {
    assumeTrue(Files.exists(QUERIES), "../shared/queries/compliance.txt is absent (a user's clone): skipping the"
        + " PromQL compliance comparison");
    String prometheusBinary = ExternalProcess.which("prometheus");
    ExternalProcess.assumeInstalled(prometheusBinary != null, "prometheus is not installed (apt-get install prometheus; .ci/run does"
        + " this): skipping the PromQL compliance comparison");

    narthex = Narthex.start(NarthexOptions.parse("--server.http-listen-port=0", "--server.grpc-listen-port=0",
        "--ingester.raft-listen-port=" + ExternalProcess.freePort(), "--auth.multitenancy-enabled=false", "--blocks-storage.tsdb.dir=" + work.resolve("narthex"),
        // Backfills hours at once: far over Mimir's default 10k samples/s for one tenant.
        "--distributor.ingestion-rate-limit=1e9", "--distributor.ingestion-burst-size=1000000000"));
    narthexPort = narthex.httpPort();
    int prometheusPort = ExternalProcess.freePort();
    Path config = work.resolve("prometheus.yml");
    Files.writeString(config, "global:\n  scrape_interval: 1h\n");
    prometheus = ExternalProcess.start("prometheus-compliance", List.of(prometheusBinary,
        "--config.file=" + config,
        "--storage.tsdb.path=" + work.resolve("prometheus-data"),
        "--web.enable-remote-write-receiver",
        "--web.listen-address=127.0.0.1:" + prometheusPort));
    prometheus.awaitHttpOk("http://127.0.0.1:" + prometheusPort + "/-/ready", Duration.ofSeconds(60));
    prom = new PromApi("http://127.0.0.1:" + prometheusPort, null);
    narthexApi = new PromApi("http://127.0.0.1:" + narthexPort + "/prometheus", null);

    // Two hours of data ending a minute ago; evaluate 15 minutes before the end so negative offsets find data.
    long endMs = System.currentTimeMillis() / 1000 * 1000 - 60_000;
    // 5s past a 10s boundary: subquery steps (multiples of 10s or 1m since the epoch) then never fall exactly on a
    // window's left edge, where Prometheus 2.x (closed) and 3.x (left-open) disagree.
    long fifteenMinutesBefore = endMs - Duration.ofMinutes(15).toMillis();
    evalTimeMs = fifteenMinutesBefore - Math.floorMod(fifteenMinutesBefore, 10_000L) + 5_000;
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    RemoteWriteClient narthexWriter = new RemoteWriteClient(narthexPort);
    for (WriteRequest request : DemoData.requests(endMs - Duration.ofHours(2).toMillis(), endMs, 60)) {
      HttpResponse<String> toNarthex = narthexWriter.push(null, request);
      assertThat(toNarthex.statusCode()).as(toNarthex.body()).isEqualTo(200);
      HttpResponse<String> toPrometheus = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + prometheusPort + "/api/v1/write"))
          .header("Content-Type", "application/x-protobuf")
          .header("Content-Encoding", "snappy")
          .header("X-Prometheus-Remote-Write-Version", "0.1.0")
          .POST(HttpRequest.BodyPublishers.ofByteArray(RemoteWriteClient.snappy(request.toByteArray())))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(toPrometheus.statusCode()).as(toPrometheus.body()).isBetween(200, 299);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (prometheus != null) {
      prometheus.close();
    }
    if (narthex != null) {
      narthex.close();
    }
  }

  record Query(String text, boolean mustFail) {}

  static List<Query> queries() throws IOException {
    List<Query> out = new ArrayList<>();
    for (String line : Files.readAllLines(QUERIES, StandardCharsets.UTF_8)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      boolean mustFail = line.startsWith("[fail] ");
      out.add(new Query(mustFail ? line.substring("[fail] ".length()) : line, mustFail));
    }
    return out;
  }

  /** Query text to the reason it is skipped, from {@code compliance-skip.txt} ({@code <query> ## <reason>}). */
  static Map<String, String> skipList() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    try (var in = PromqlComplianceTest.class.getResourceAsStream("/compliance-skip.txt")) {
      if (in == null) {
        return out;
      }
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        int separator = line.indexOf(" ## ");
        if (!line.isBlank() && !line.startsWith("#") && separator > 0) {
          out.put(line.substring(0, separator), line.substring(separator + 4).trim());
        }
      }
    }
    return out;
  }

  @Test
  void everyComplianceQueryAgreesWithPrometheus() throws Exception {
    List<Query> queries = queries();
    Map<String, String> skips = skipList();
    assertThat(queries.stream().map(Query::text).toList())
        .as("every entry of compliance-skip.txt names a query of the list")
        .containsAll(skips.keySet());
    List<String> failures = new ArrayList<>();
    List<String> skippedButAgreeing = new ArrayList<>();
    int compared = 0;
    for (Query query : queries) {
      String difference = differenceFor(query);
      if (skips.containsKey(query.text())) {
        if (difference == null) {
          skippedButAgreeing.add(query.text());
        }
        continue;
      }
      compared++;
      if (difference != null) {
        failures.add(query.text() + "\n    " + difference);
      }
    }
    System.out.printf("compliance: %d passed, %d failed, %d skipped; %d of %d instant answers held data%n",
        compared - failures.size(), failures.size(), skips.size(), nonEmptyAnswers, queries.size());
    if (!skippedButAgreeing.isEmpty()) {
      System.out.println("compliance: skipped queries that now agree (remove them from compliance-skip.txt): "
          + skippedButAgreeing);
    }
    Files.writeString(Path.of("target", "compliance-report.txt"), String.join("\n", failures) + "\n");
    assertThat(failures).as("compliance queries whose answers differ from Prometheus").isEmpty();
    assertThat(nonEmptyAnswers).as("queries answered with data, so that agreement means something")
        .isGreaterThan(queries.size() * 3 / 4);
  }

  @Test
  void promtoolQueriesNarthex() throws Exception {
    String promtool = ExternalProcess.which("promtool");
    ExternalProcess.assumeInstalled(promtool != null, "promtool is not installed (it comes with Debian's prometheus package)");
    String url = "http://127.0.0.1:" + narthexPort + "/prometheus";
    String time = ResultComparison.seconds(evalTimeMs);
    String instant = run(promtool, "query", "instant", "--time=" + time, url,
        "sum by (instance) (rate(demo_cpu_usage_seconds_total[5m]))");
    assertThat(instant).contains("demo.promlabs.com:10000").contains("demo.promlabs.com:10002");
    String range = run(promtool, "query", "range", "--start=" + ResultComparison.seconds(evalTimeMs - 300_000),
        "--end=" + time, "--step=1m", url, "demo_num_cpus{instance=\"demo.promlabs.com:10001\"}");
    assertThat(range).contains("demo_num_cpus").contains("6 @[");

    // A sample of the compliance list, every 40th query that must succeed, both ways.
    List<Query> queries = queries().stream().filter(q -> !q.mustFail()).toList();
    for (int i = 0; i < queries.size(); i += 40) {
      String query = queries.get(i).text();
      run(promtool, "query", "instant", "--time=" + time, url, query);
      run(promtool, "query", "range", "--start=" + ResultComparison.seconds(evalTimeMs - 600_000), "--end=" + time,
          "--step=1m", url, query);
    }
  }

  @Test
  void badQueriesGetBadDataWithThePositionPrometheusGives() {
    List<String> bad = List.of(
        "sum(rate(demo_num_cpus[5m])",
        "rate(demo_num_cpus)",
        "demo_num_cpus[5m] + 1",
        "histogram_quantile(\"x\", demo_num_cpus)",
        "demo_num_cpus offset",
        "1 > 2",
        "sum without(instance) by (job) (demo_num_cpus)",
        "demo_num_cpus{instance=~\"(\"}",
        "label_replace(demo_num_cpus, \"a\", \"b\")",
        "demo_num_cpus[5m:1m:1m]",
        "}");
    String time = ResultComparison.seconds(evalTimeMs);
    List<String> failures = new ArrayList<>();
    for (String query : bad) {
      PromApi.Response expected = prom.get("/api/v1/query", "query", query, "time", time);
      PromApi.Response actual = narthexApi.get("/api/v1/query", "query", query, "time", time);
      assertThat(expected.status()).as("Prometheus rejects " + query).isEqualTo(400);
      if (actual.status() != 400 || !"bad_data".equals(actual.body().path("errorType").asText())) {
        failures.add(query + ": Narthex " + actual.status() + " " + actual.raw());
        continue;
      }
      String prefix = "invalid parameter \"query\": ";
      String expectedError = expected.body().get("error").asText();
      String actualError = actual.body().get("error").asText();
      String expectedPosition = position(expectedError.substring(prefix.length()));
      if (!actualError.startsWith(prefix) || !position(actualError.substring(prefix.length())).equals(expectedPosition)) {
        failures.add(query + ": Narthex \"" + actualError + "\", Prometheus \"" + expectedError + "\"");
      }
    }
    PromApi.Response tooManySteps = narthexApi.get("/api/v1/query_range", "query", "demo_num_cpus",
        "start", "0", "end", time, "step", "1");
    assertThat(tooManySteps.status()).isEqualTo(400);
    assertThat(tooManySteps.body().get("error").asText()).isEqualTo(prom.get("/api/v1/query_range",
        "query", "demo_num_cpus", "start", "0", "end", time, "step", "1").body().get("error").asText());
    assertThat(failures).as("bad queries answered unlike Prometheus").isEmpty();
  }

  /** The {@code line:column} an error message starts with, or the empty string. */
  private static String position(String message) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+:\\d+):").matcher(message);
    return m.find() ? m.group(1) : "";
  }

  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
    return output;
  }

  /** The first difference between Prometheus's and Narthex's answers, or null when they agree. */
  private static String differenceFor(Query query) {
    boolean ordered = query.text().startsWith("sort(") || query.text().startsWith("sort_desc(");
    String[] instant = {"query", query.text(), "time", ResultComparison.seconds(evalTimeMs)};
    String[] range = {"query", query.text(), "start", ResultComparison.seconds(evalTimeMs - RANGE_MS),
        "end", ResultComparison.seconds(evalTimeMs), "step", Long.toString(STEP_MS / 1000)};
    PromApi.Response expected = prom.get("/api/v1/query", instant);
    if (expected.status() == 200 && !ResultComparison.isEmpty(expected)) {
      nonEmptyAnswers++;
    }
    String difference = compare(expected, narthexApi.get("/api/v1/query", instant), ordered);
    if (difference != null) {
      return "instant: " + difference;
    }
    difference = compare(prom.get("/api/v1/query_range", range), narthexApi.get("/api/v1/query_range", range),
        false);
    return difference == null ? null : "range: " + difference;
  }

  private static String compare(PromApi.Response expected, PromApi.Response actual, boolean ordered) {
    if (expected.status() != 200 || actual.status() != 200) {
      if (expected.status() != 200 && actual.status() != 200) {
        return actual.status() >= 500
            ? "both fail, but Narthex with a server error " + actual.status() + ": " + actual.raw()
            : null;
      }
      return "Prometheus " + expected.status() + " " + abbreviate(expected.raw()) + ", Narthex " + actual.status()
          + " " + abbreviate(actual.raw());
    }
    String difference = ResultComparison.difference(expected, actual, ordered);
    return difference == null ? null : abbreviate(difference);
  }

  private static String abbreviate(String s) {
    return s.length() <= 600 ? s : s.substring(0, 600) + "...";
  }
}
