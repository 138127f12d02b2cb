package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.proto.prompb.WriteRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failures of real processes: a 3-ingester cluster (3 shards, replication factor 3, each shard a Raft group) with a
 * distributor and a querier, started by {@code deploy/local/cluster.sh}, loses ingesters to SIGKILL. Whatever the
 * distributor acknowledged with a 2xx must stay queryable; without a quorum a write must fail with a 5xx.
 *
 * <p>Writers own disjoint series ({@code e2e_load{writer, idx}}); each round writes one sample to each of a
 * writer's series, at a timestamp newer than the writer's last, with a value derived from series and timestamp,
 * so a sample read back can be checked exactly.
 *
 * <p>One cluster serves every test (its start and stop took half of each test's time): each test writes as its own
 * tenant, so its acknowledged samples and series counts are its own, and starts with every process up and every
 * replica at the same Raft index, whatever the test before it killed.
 */
class RaftClusterFailureTest {
  private static final int WRITERS = 3;
  private static final int SERIES_PER_WRITER = 100;
  /** Values are (timestamp - VALUE_BASE_MS) * 1000 + series number: integers, exact as doubles. */
  private static final long VALUE_BASE_MS = System.currentTimeMillis() - 3_600_000L;
  private static final Duration FAILOVER_BOUND = Duration.ofSeconds(15);

  @TempDir
  static Path work;

  private static LocalCluster cluster;
  /** The limits of {@link #LIMITED_TENANT}, reloaded every second; only the tenant-limits test changes them. */
  private static Path runtimeConfig;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  /** The test's own tenant, {@code e2e-raft-<test method>}. */
  private String tenant;
  /** For each writer, the timestamps of its rounds that the distributor acknowledged with a 2xx. */
  private final Map<Integer, List<Long>> acked = new ConcurrentHashMap<>();

  @BeforeAll
  static void startCluster() throws Exception {
    LocalCluster.assumeRunnable();
    assertThat(Path.of("..", "app", "target", "narthex.jar").toAbsolutePath().normalize())
        .as("the app module's shaded jar, built before e2e by ./mvnw verify").exists();
    runtimeConfig = work.resolve("runtime.yaml");
    java.nio.file.Files.writeString(runtimeConfig, limits(100, 1_000_000));
    // A write gives up on its shard's quorum after 6s instead of 15s: losing the quorum answers 5xx sooner, and the
    // slowest acknowledged write seen around a failover took under 3s.
    cluster = LocalCluster.in(work.resolve("raft-failure"))
        .withExtraFlags("--runtime-config.file=" + runtimeConfig, "--runtime-config.reload-period=1s",
            "--ingester.raft.write-timeout=6s");
    log("cluster up in %s", seconds(cluster.up()));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Restarts what the test before stopped, and waits until every replica has the same Raft indexes. */
  @BeforeEach
  void everyProcessUpAndEveryReplicaCaughtUp(TestInfo test) {
    tenant = "e2e-raft-" + test.getTestMethod().orElseThrow().getName();
    try {
      log("%s: every process up and ready in %s, replicas at the same index %s later", tenant,
          seconds(cluster.up()), seconds(awaitReplicasEqual(Duration.ofSeconds(60), false)));
    } catch (Exception e) {
      throw new AssertionError("cluster not restored for " + tenant + ": " + e + "\n" + cluster.diagnostics(), e);
    }
  }

  @Test
  void killOneReplicaUnderLoadLosesNoAcknowledgedSample() throws Exception {
    String victim = cluster.busiestLeader("ingester-1");
    List<String> survivors = LocalCluster.INGESTERS.stream().filter(name -> !name.equals(victim)).toList();

    List<WriteResult> results = Collections.synchronizedList(new ArrayList<>());
    LoadGenerator load = new LoadGenerator(results);
    load.start();
    try {
      Thread.sleep(5_000); // not a condition: the load runs steadily for a while before the kill
      assertThat(successes(results, Long.MIN_VALUE)).as("writes acknowledged before the kill").isNotEmpty();
      long killNanos = System.nanoTime();
      cluster.kill9(victim);
      log("kill -9 %s (it led the most shards)", victim);
      try {
        await("a write started after the kill acknowledged").atMost(Duration.ofSeconds(45))
            .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
            .until(() -> !successes(results, killNanos).isEmpty());
        Thread.sleep(5_000); // not a condition: the load runs on after the failover, so later gaps count too
      } catch (ConditionTimeoutException noFailover) {
        // The failover assertions below report the outage.
      }
      load.stop();

      Failover failover = Failover.of(results, killNanos, System.nanoTime());
      log("writes: %d acknowledged, %d failed %s; longest gap between acknowledged writes around the kill %s;"
              + " first write started after the kill acknowledged %s after it; latency before the kill max %s",
          failover.acknowledged(), failover.failed(), failover.failuresByStatus(), seconds(failover.longestGap()),
          seconds(failover.recovery()), seconds(failover.maxLatencyBeforeKill()));
      assertThat(failover.longestGap()).as("failover time (longest gap between acknowledged writes)")
          .isLessThan(FAILOVER_BOUND);
      assertThat(failover.failuresByStatus().keySet())
          .as("no write may be refused as a client fault while a replica is down: %s", failover.firstFailures())
          .allMatch(status -> status >= 500);
    } finally {
      load.stop();
    }

    log("all acknowledged samples queryable after %s", seconds(awaitAllAcknowledgedQueryable(Duration.ofSeconds(30))));

    Duration restart = cluster.up();
    Duration catchUp = awaitReplicasEqual(Duration.ofSeconds(60));
    log("%s restarted and ready in %s, caught up (applied index and series equal on every replica) %s later",
        victim, seconds(restart), seconds(catchUp));

    // The restarted replica alone must serve every acknowledged sample: with the others gone the querier reads it.
    for (String survivor : survivors) {
      cluster.kill9(survivor);
    }
    QueryAnswer alone = queryAll();
    log("read with only %s alive; querier warnings: %s", victim, alone.warnings());
    assertThat(missing(alone.samples())).as("acknowledged samples missing from the restarted %s", victim).isEmpty();
  }

  @Test
  void gracefulStopOfALeaderHandsOverLeadershipAndRefusesNoWrite() throws Exception {
    String leader = cluster.busiestLeader("ingester-1");

    List<WriteResult> results = Collections.synchronizedList(new ArrayList<>());
    LoadGenerator load = new LoadGenerator(results);
    load.start();
    long stopNanos;
    try {
      Thread.sleep(4_000); // not a condition: the load runs steadily for a while before the stop
      stopNanos = System.nanoTime();
      cluster.terminate(leader);
      log("SIGTERM %s (it led the most shards) stopped it in %s", leader,
          seconds(Duration.ofNanos(System.nanoTime() - stopNanos)));
      Thread.sleep(4_000); // not a condition: the load runs on across the handover, so a refused write would show
    } finally {
      load.stop();
    }
    Failover failover = Failover.of(results, stopNanos, System.nanoTime());
    log("writes: %d acknowledged, %d failed %s; longest gap between acknowledged writes %s",
        failover.acknowledged(), failover.failed(), failover.failuresByStatus(), seconds(failover.longestGap()));
    assertThat(failover.failed()).as("writes refused while a leader stopped gracefully: %s",
        failover.firstFailures()).isZero();
    assertThat(cluster.busiestLeader(LocalCluster.INGESTERS.stream().filter(n -> !n.equals(leader)).findFirst()
        .orElseThrow())).as("the stopped node leads nothing").isNotEqualTo(leader);
    log("all acknowledged samples queryable after %s", seconds(awaitAllAcknowledgedQueryable(Duration.ofSeconds(30))));
  }

  @Test
  void badSamplesAndTenantLimitsGetTheir4xxWhileTheClusterKeepsIngesting() throws Exception {
    List<WriteResult> results = Collections.synchronizedList(new ArrayList<>());
    LoadGenerator load = new LoadGenerator(results);
    load.start();
    RemoteWriteClient writer = new RemoteWriteClient(cluster.distributorPort());
    long nowMs = System.currentTimeMillis();
    long badPushesDoneNanos;
    try {
      await("every shard holding the tenant's current samples").atMost(Duration.ofSeconds(30))
          .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200))
          .until(() -> everyReplicaHoldsSeriesOf(tenant));
      // A label set over 512 bytes used to stop every replica's apply thread for good.
      String longValue = "v".repeat(600);
      HttpResponse<String> longLabel = writer.push(tenant, WriteRequest.newBuilder()
          .addTimeseries(RemoteWriteClient.series(new String[] {"__name__", "e2e_long_label", "path", longValue},
              new long[] {nowMs}, new double[] {1}))
          .build());
      assertThat(longLabel.statusCode()).as(longLabel.body()).isEqualTo(200);

      for (long oldMs : new long[] {nowMs - Duration.ofDays(30).toMillis(), 0}) {
        HttpResponse<String> old = writer.push(tenant, WriteRequest.newBuilder()
            .addTimeseries(RemoteWriteClient.series(new String[] {"__name__", "e2e_old", "idx", "0"},
                new long[] {oldMs}, new double[] {1}))
            .addTimeseries(RemoteWriteClient.series(new String[] {"__name__", "e2e_fresh", "at", Long.toString(oldMs)},
                new long[] {nowMs}, new double[] {2}))
            .build());
        assertThat(old.statusCode()).as(old.body()).isEqualTo(400);
        assertThat(old.body()).contains("err-narthex-sample-timestamp-too-old").contains("e2e_old")
            .doesNotContain("e2e_fresh");
      }
      badPushesDoneNanos = System.nanoTime();
      Thread.sleep(2_000); // not a condition: the load runs on after the bad pushes, so a refusal they caused shows
    } finally {
      load.stop();
    }

    assertThat(results.stream().filter(r -> !r.ok()).map(WriteResult::body).toList())
        .as("load writes refused").isEmpty();
    assertThat(successes(results, badPushesDoneNanos)).as("load acknowledged after the bad pushes").isNotEmpty();
    PromApi api = new PromApi("http://127.0.0.1:" + cluster.querierPort() + "/prometheus", tenant);
    String at = Double.toString(nowMs / 1000.0);
    PromApi.Response stored = api.get("/api/v1/query", "query", "e2e_long_label", "time", at);
    assertThat(stored.body().at("/data/result/0/metric/path").asText()).isEqualTo("v".repeat(600));
    PromApi.Response fresh = api.get("/api/v1/query", "query", "count(e2e_fresh)", "time", at);
    assertThat(fresh.body().at("/data/result/0/value/1").asText()).as("valid rest of each batch").isEqualTo("2");
    PromApi.Response old = api.get("/api/v1/query", "query", "count_over_time(e2e_old[1y])", "time", at);
    assertThat(old.body().at("/data/result").size()).as(old.raw()).isZero();

    tenantLimitsAnswerWithTheirIdsAndFollowTheRuntimeConfig(writer, runtimeConfig);
  }

  private static final String LIMITED_TENANT = "e2e-limits";

  private static String limits(int maxSeries, int burst) {
    return "overrides:\n  " + LIMITED_TENANT + ":\n    max_global_series_per_user: " + maxSeries
        + "\n    ingestion_rate: 1\n    ingestion_burst_size: " + burst + "\n";
  }

  /** {@code count} series {@code e2e_limited{id}} from {@code firstId}, one sample each at {@code timestampMs}. */
  private static HttpResponse<String> pushLimited(RemoteWriteClient writer, int firstId, int count, long timestampMs)
      throws Exception {
    WriteRequest.Builder request = WriteRequest.newBuilder();
    for (int id = firstId; id < firstId + count; id++) {
      request.addTimeseries(RemoteWriteClient.series(new String[] {"__name__", "e2e_limited", "id", Integer.toString(id)},
          new long[] {timestampMs}, new double[] {id}));
    }
    return writer.push(LIMITED_TENANT, request.build());
  }

  private int limitedSeries(long atMs) {
    PromApi api = new PromApi("http://127.0.0.1:" + cluster.querierPort() + "/prometheus", LIMITED_TENANT);
    return api.get("/api/v1/query", "query", "count(e2e_limited)", "time", Double.toString(atMs / 1000.0))
        .body().at("/data/result/0/value/1").asInt();
  }

  private void tenantLimitsAnswerWithTheirIdsAndFollowTheRuntimeConfig(RemoteWriteClient writer, Path runtimeConfig)
      throws Exception {
    long t = System.currentTimeMillis();
    assertThat(pushLimited(writer, 0, 60, t).statusCode()).isEqualTo(200);
    // Past the tenant's 100 series, counted over the three shards, not a third of it on each.
    HttpResponse<String> over = pushLimited(writer, 60, 60, t);
    assertThat(over.statusCode()).as(over.body()).isEqualTo(400);
    assertThat(over.body()).contains("err-narthex-max-series-per-user", "-ingester.max-global-series-per-user");
    assertThat(limitedSeries(t)).as("series stored: exactly up to the limit").isEqualTo(100);
    HttpResponse<String> known = pushLimited(writer, 0, 60, t + 15_000);
    assertThat(known.statusCode()).as("new samples of the tenant's series: %s", known.body()).isEqualTo(200);

    java.nio.file.Files.writeString(runtimeConfig, limits(200, 1_000_000));
    await("the raised series limit applied").atMost(Duration.ofSeconds(30))
        .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500))
        .untilAsserted(() -> {
          HttpResponse<String> raised = pushLimited(writer, 100, 20, t + 30_000);
          assertThat(raised.statusCode()).as("series limit raised without a restart: %s", raised.body())
              .isEqualTo(200);
        });

    java.nio.file.Files.writeString(runtimeConfig, limits(200, 50));
    AtomicReference<HttpResponse<String>> limited = new AtomicReference<>();
    await("the lowered ingestion rate applied").atMost(Duration.ofSeconds(30))
        .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500))
        .untilAsserted(() -> {
          limited.set(pushLimited(writer, 0, 120, t + 45_000));
          assertThat(limited.get().statusCode())
              .as("ingestion rate lowered without a restart: %s", limited.get().body()).isEqualTo(429);
        });
    assertThat(limited.get().body())
        .contains("err-narthex-tenant-max-ingestion-rate", "-distributor.ingestion-rate-limit");
  }

  @Test
  void losingTheQuorumGives5xxAndNoAcknowledgedSampleIsLost() throws Exception {
    for (int round = 0; round < 5; round++) {
      writeAllOrFail();
    }
    String leader = cluster.busiestLeader("ingester-1");
    String other = LocalCluster.INGESTERS.stream().filter(name -> !name.equals(leader)).findFirst().orElseThrow();
    cluster.kill9(leader);
    cluster.kill9(other);
    log("kill -9 %s and %s", leader, other);

    WriteResult refused = write(0, nextTimestamp(0));
    Duration took = refused.took();
    log("write without a quorum answered %d after %s: %s", refused.status(), seconds(took), refused.body().strip());
    assertThat(refused.status()).as("a write without a quorum is a server fault: %s", refused.body()).isBetween(500, 599);
    assertThat(refused.body()).as("the error names the shard").containsPattern("shard \\d");
    assertThat(took).as("time to the 5xx").isLessThan(Duration.ofSeconds(20));

    Duration restart = cluster.up();
    log("%s and %s restarted and ready in %s", leader, other, seconds(restart));
    log("all acknowledged samples queryable %s after ready",
        seconds(awaitAllAcknowledgedQueryable(Duration.ofSeconds(30))));
    log("writes acknowledged again %s after ready", seconds(awaitWritesAcknowledged(Duration.ofSeconds(30))));
    assertThat(missing(queryAll().samples())).as("acknowledged samples missing").isEmpty();
  }

  @Test
  void fullClusterRestartKeepsEveryAcknowledgedSample() throws Exception {
    for (int round = 0; round < 10; round++) {
      writeAllOrFail();
    }
    Map<String, Long> pids = new TreeMap<>();
    for (String ingester : LocalCluster.INGESTERS) {
      pids.put(ingester, cluster.pid(ingester));
    }
    Duration down = cluster.down();
    pids.forEach((ingester, pid) -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
        .as(ingester + " stopped by cluster.sh down").isFalse());
    Duration up = cluster.up();
    log("full restart: down in %s, up and ready in %s", seconds(down), seconds(up));
    log("all acknowledged samples queryable %s after ready",
        seconds(awaitAllAcknowledgedQueryable(Duration.ofSeconds(30))));
    log("writes acknowledged again %s after ready", seconds(awaitWritesAcknowledged(Duration.ofSeconds(30))));
    log("replicas equal %s later", seconds(awaitReplicasEqual(Duration.ofSeconds(30))));
  }

  // ---- writing

  record WriteResult(int writer, long timestampMs, int status, String body, long startNanos, long endNanos) {
    boolean ok() {
      return status >= 200 && status < 300;
    }

    Duration took() {
      return Duration.ofNanos(endNanos - startNanos);
    }
  }

  private final Map<Integer, Long> lastTimestamp = new ConcurrentHashMap<>();

  /** A timestamp near now and after every one the writer used before. */
  private long nextTimestamp(int writer) {
    return lastTimestamp.merge(writer, System.currentTimeMillis(), (last, now) -> Math.max(last + 1, now));
  }

  private static double value(int writer, int idx, long timestampMs) {
    return (timestampMs - VALUE_BASE_MS) * 1000.0 + writer * SERIES_PER_WRITER + idx;
  }

  private static String key(int writer, int idx) {
    return writer + "/" + idx;
  }

  /** One round of a writer: one sample for each of its series, in one request. Records it when acknowledged. */
  private WriteResult write(int writer, long timestampMs) {
    WriteRequest.Builder request = WriteRequest.newBuilder();
    for (int idx = 0; idx < SERIES_PER_WRITER; idx++) {
      request.addTimeseries(RemoteWriteClient.series(
          new String[] {"__name__", "e2e_load", "idx", Integer.toString(idx), "writer", Integer.toString(writer)},
          new long[] {timestampMs}, new double[] {value(writer, idx, timestampMs)}));
    }
    HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.distributorPort() + "/api/v1/push"))
        .timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/x-protobuf")
        .header("Content-Encoding", "snappy")
        .header("X-Prometheus-Remote-Write-Version", "0.1.0")
        .header("X-Scope-OrgID", tenant)
        .POST(HttpRequest.BodyPublishers.ofByteArray(RemoteWriteClient.snappy(request.build().toByteArray())))
        .build();
    long start = System.nanoTime();
    int status;
    String body;
    try {
      HttpResponse<String> response = http.send(post, HttpResponse.BodyHandlers.ofString());
      status = response.statusCode();
      body = response.body();
    } catch (java.io.IOException e) {
      status = -1;
      body = e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status = -1;
      body = e.toString();
    }
    WriteResult result = new WriteResult(writer, timestampMs, status, body, start, System.nanoTime());
    if (result.ok()) {
      acked.computeIfAbsent(writer, w -> Collections.synchronizedList(new ArrayList<>())).add(timestampMs);
    }
    return result;
  }

  private void writeAllOrFail() {
    for (int writer = 0; writer < WRITERS; writer++) {
      WriteResult result = write(writer, nextTimestamp(writer));
      assertThat(result.status()).as("write of a healthy cluster: %s", result.body()).isEqualTo(200);
    }
  }

  private Duration awaitWritesAcknowledged(Duration timeout) {
    long start = System.nanoTime();
    AtomicReference<WriteResult> last = new AtomicReference<>();
    try {
      await("a write acknowledged").atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500))
          .until(() -> {
            last.set(write(0, nextTimestamp(0)));
            return last.get().ok();
          });
    } catch (ConditionTimeoutException e) {
      WriteResult answer = last.get();
      throw new AssertionError("no write acknowledged within " + timeout + "; last answer "
          + (answer == null ? "none" : answer.status() + " " + answer.body()) + "\n" + cluster.diagnostics(), e);
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /** A few virtual threads, each writing one round of its series after another, ~10 rounds a second. */
  private final class LoadGenerator {
    private final List<WriteResult> results;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    LoadGenerator(List<WriteResult> results) {
      this.results = results;
    }

    void start() {
      for (int writer = 0; writer < WRITERS; writer++) {
        int w = writer;
        threads.add(Thread.ofVirtual().name("load-" + w).start(() -> {
          while (running) {
            results.add(write(w, nextTimestamp(w)));
            try {
              Thread.sleep(100); // paces the load; not a wait for a condition
            } catch (InterruptedException e) {
              return;
            }
          }
        }));
      }
    }

    void stop() throws InterruptedException {
      running = false;
      for (Thread thread : threads) {
        thread.join(Duration.ofSeconds(90));
      }
    }
  }

  /** The acknowledged writes started after {@code startedAfterNanos}. */
  private static List<WriteResult> successes(List<WriteResult> results, long startedAfterNanos) {
    synchronized (results) {
      return results.stream().filter(r -> r.ok() && r.startNanos() > startedAfterNanos).toList();
    }
  }

  /**
   * What the load saw around a kill.
   *
   * @param longestGap the longest time between two consecutive acknowledgements, the later one after the kill
   * @param recovery from the kill to the acknowledgement of the first write started after it
   */
  record Failover(int acknowledged, int failed, Map<Integer, Integer> failuresByStatus, List<String> firstFailures,
      Duration longestGap, Duration recovery, Duration maxLatencyBeforeKill) {
    static Failover of(List<WriteResult> all, long killNanos, long stopNanos) {
      List<WriteResult> results;
      synchronized (all) {
        results = new ArrayList<>(all);
      }
      List<Long> ackTimes = results.stream().filter(WriteResult::ok).map(WriteResult::endNanos).sorted().toList();
      // The load's end counts as an acknowledgement, so a cluster that never recovers shows the whole outage.
      List<Long> points = new ArrayList<>(ackTimes);
      points.add(stopNanos);
      long longestGap = 0;
      for (int i = 1; i < points.size(); i++) {
        if (points.get(i) > killNanos) {
          longestGap = Math.max(longestGap, points.get(i) - points.get(i - 1));
        }
      }
      long recovery = results.stream().filter(r -> r.ok() && r.startNanos() > killNanos)
          .mapToLong(r -> r.endNanos() - killNanos).min().orElse(Long.MAX_VALUE);
      long maxLatency = results.stream().filter(r -> r.endNanos() < killNanos)
          .mapToLong(r -> r.endNanos() - r.startNanos()).max().orElse(0);
      Map<Integer, Integer> byStatus = new TreeMap<>();
      List<String> firstFailures = new ArrayList<>();
      for (WriteResult r : results) {
        if (!r.ok()) {
          if (byStatus.merge(r.status(), 1, Integer::sum) == 1) {
            firstFailures.add(r.status() + ": " + r.body().strip());
          }
        }
      }
      int failed = byStatus.values().stream().mapToInt(Integer::intValue).sum();
      return new Failover(ackTimes.size(), failed, byStatus, firstFailures, Duration.ofNanos(longestGap),
          Duration.ofNanos(recovery), Duration.ofNanos(maxLatency));
    }
  }

  // ---- reading back

  record QueryAnswer(Map<String, Map<Long, Double>> samples, List<String> warnings) {}

  /** Every sample of every {@code e2e_load} series of the last hour, by series. */
  private QueryAnswer queryAll() {
    PromApi api = new PromApi("http://127.0.0.1:" + cluster.querierPort() + "/prometheus", tenant);
    String time = String.format("%.3f", (System.currentTimeMillis() + 1_000) / 1000.0);
    PromApi.Response response = api.get("/api/v1/query", "query", "e2e_load[1h]", "time", time);
    if (response.status() != 200 || response.body() == null) {
      throw new AssertionError("query answered " + response.status() + ": " + response.raw());
    }
    Map<String, Map<Long, Double>> samples = new HashMap<>();
    for (JsonNode series : response.body().path("data").path("result")) {
      JsonNode metric = series.get("metric");
      Map<Long, Double> values = samples.computeIfAbsent(
          key(metric.path("writer").asInt(), metric.path("idx").asInt()), k -> new HashMap<>());
      for (JsonNode point : series.get("values")) {
        values.put(Math.round(point.get(0).asDouble() * 1000), Double.parseDouble(point.get(1).asText()));
      }
    }
    List<String> warnings = new ArrayList<>();
    response.body().path("warnings").forEach(w -> warnings.add(w.asText()));
    return new QueryAnswer(samples, warnings);
  }

  /** Series by series, the acknowledged samples that {@code samples} lacks or has with another value. */
  private List<String> missing(Map<String, Map<Long, Double>> samples) {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<Integer, List<Long>> entry : acked.entrySet()) {
      int writer = entry.getKey();
      List<Long> timestamps;
      synchronized (entry.getValue()) {
        timestamps = List.copyOf(entry.getValue());
      }
      for (int idx = 0; idx < SERIES_PER_WRITER; idx++) {
        Map<Long, Double> got = samples.getOrDefault(key(writer, idx), Map.of());
        List<Long> lacking = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        for (long timestamp : timestamps) {
          Double value = got.get(timestamp);
          if (value == null) {
            lacking.add(timestamp);
          } else if (value != value(writer, idx, timestamp)) {
            wrong.add(timestamp + "=" + value);
          }
        }
        if (!lacking.isEmpty() || !wrong.isEmpty()) {
          problems.add("e2e_load{writer=\"" + writer + "\",idx=\"" + idx + "\"}: " + lacking.size() + " of "
              + timestamps.size() + " acknowledged samples missing " + head(lacking)
              + (wrong.isEmpty() ? "" : ", wrong values " + head(wrong)));
        }
      }
    }
    return problems;
  }

  private static String head(List<?> list) {
    return list.size() <= 5 ? list.toString() : list.subList(0, 5) + "...";
  }

  /** Waits until the querier returns every acknowledged sample; fails with what is missing. */
  private Duration awaitAllAcknowledgedQueryable(Duration timeout) {
    int total = acked.values().stream().mapToInt(List::size).sum() * SERIES_PER_WRITER;
    assertThat(total).as("acknowledged samples").isPositive();
    long start = System.nanoTime();
    AtomicInteger attempts = new AtomicInteger();
    await("every acknowledged sample queryable").atMost(timeout)
        .pollDelay(Duration.ZERO).pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> {
          List<String> problems;
          List<String> warnings = List.of();
          try {
            QueryAnswer answer = queryAll();
            warnings = answer.warnings();
            problems = missing(answer.samples());
          } catch (AssertionError | RuntimeException e) {
            problems = List.of(String.valueOf(e.getMessage()));
          }
          if (problems.isEmpty()) {
            log("%d acknowledged samples of %d series all read back after %d attempt(s)%s", total,
                WRITERS * SERIES_PER_WRITER, attempts.get() + 1,
                warnings.isEmpty() ? "" : " (warnings: " + warnings + ")");
          } else if (attempts.getAndIncrement() == 0) {
            log("not yet all acknowledged samples read back (%d series incomplete, e.g. %s; warnings %s)",
                problems.size(), problems.getFirst(), warnings);
          }
          assertThat(problems).as("acknowledged samples not queryable after %s (%d series; warnings %s)",
              timeout, problems.size(), warnings).isEmpty();
        });
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /**
   * Waits until every running ingester reports, for every shard, the same commit and applied index and the same
   * series, and holds all of the test's series.
   */
  private Duration awaitReplicasEqual(Duration timeout) {
    return awaitReplicasEqual(timeout, true);
  }

  /** As {@link #awaitReplicasEqual(Duration)}; with {@code allTestSeries} false, the test need not have written. */
  private Duration awaitReplicasEqual(Duration timeout, boolean allTestSeries) {
    long start = System.nanoTime();
    AtomicReference<String> last = new AtomicReference<>("");
    try {
      await("replicas converged").atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500))
          .until(() -> {
            long series = replicasEqual(start, last);
            return allTestSeries ? series == (long) WRITERS * SERIES_PER_WRITER : series >= 0;
          });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("replicas did not converge within " + timeout + ": " + last.get() + "\n"
          + cluster.diagnostics(), e);
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /**
   * One look at every ingester's shards: when they all agree, the number of the test's series they hold, else -1.
   * Logs the replicas' state when it differs from the one in {@code last}, then stores it there.
   */
  private long replicasEqual(long startNanos, AtomicReference<String> last) {
    Map<Integer, Map<String, String>> perShard = new TreeMap<>();
    boolean complete = true;
    for (String ingester : LocalCluster.INGESTERS) {
      JsonNode status = cluster.shards(ingester, tenant);
      if (status == null) {
        complete = false;
        continue;
      }
      for (JsonNode replica : status.get("replicas")) {
        perShard.computeIfAbsent(replica.get("shard").asInt(), s -> new TreeMap<>()).put(ingester,
            "commit=" + replica.path("commitIndex").asLong() + " applied=" + replica.path("appliedIndex").asLong()
                + " series=" + replica.path("seriesPerTenant").path(tenant).asLong());
      }
    }
    long seriesSum = 0;
    boolean equal = complete && !perShard.isEmpty();
    for (Map<String, String> replicas : perShard.values()) {
      equal &= replicas.size() == LocalCluster.INGESTERS.size() && replicas.values().stream().distinct().count() == 1;
      String any = replicas.values().iterator().next();
      seriesSum += Long.parseLong(any.substring(any.indexOf("series=") + 7));
    }
    if (!perShard.toString().equals(last.get())) {
      log("  +%s replicas: %s", seconds(Duration.ofNanos(System.nanoTime() - startNanos)), perShard);
    }
    last.set(perShard.toString());
    return equal ? seriesSum : -1;
  }

  /** Whether every ingester answers and every replica it holds has series of {@code tenant}. */
  private boolean everyReplicaHoldsSeriesOf(String tenant) {
    for (String ingester : LocalCluster.INGESTERS) {
      JsonNode status = cluster.shards(ingester, tenant);
      if (status == null || status.path("replicas").isEmpty()) {
        return false;
      }
      for (JsonNode replica : status.get("replicas")) {
        if (replica.path("seriesPerTenant").path(tenant).asLong() == 0) {
          return false;
        }
      }
    }
    return true;
  }

  // ---- small things

  private static String seconds(Duration duration) {
    return duration.toNanos() == Long.MAX_VALUE ? "never" : String.format("%.2fs", duration.toMillis() / 1000.0);
  }

  private static void log(String format, Object... args) {
    System.out.printf("[raft-failure] " + format + "%n", args);
  }
}
