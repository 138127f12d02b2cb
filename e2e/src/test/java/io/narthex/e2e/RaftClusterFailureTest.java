package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.proto.prompb.WriteRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Failures of real processes: a 3-ingester cluster (3 shards, replication factor 3, each shard a Raft group) with a
 * distributor and a querier, started by {@code deploy/local/cluster.sh}, loses ingesters to SIGKILL. Whatever the
 * distributor acknowledged with a 2xx must stay queryable; without a quorum a write must fail with a 5xx.
 *
 * <p>The load is {@link AcknowledgedLoad}'s: writers own disjoint series, and each sample read back is checked
 * exactly against what the distributor acknowledged.
 *
 * <p>One cluster serves every test (its start and stop took half of each test's time): each test writes as its own
 * tenant, so its acknowledged samples and series counts are its own, and starts with every process up and every
 * replica at the same Raft index, whatever the test before it killed.
 */
// Measures time: never beside the classes that run concurrently (their lock), and after the rest of the module.
@ResourceLock("timing-oracles")
@Order(Order.DEFAULT + 1)
class RaftClusterFailureTest {
  private static final int WRITERS = 3;
  private static final int SERIES_PER_WRITER = 100;
  private static final Duration FAILOVER_BOUND = Duration.ofSeconds(15);

  @TempDir
  static Path work;

  private static LocalCluster cluster;
  /** The limits of {@link #LIMITED_TENANT}, reloaded every second; only the tenant-limits test changes them. */
  private static Path runtimeConfig;

  /** The test's own tenant, {@code e2e-raft-<test method>}. */
  private String tenant;
  /** The test's writers, as its tenant; {@link AcknowledgedLoad#start()} only where a test wants steady load. */
  private AcknowledgedLoad load;

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
    load = new AcknowledgedLoad(cluster.distributorPort(), tenant, WRITERS, SERIES_PER_WRITER, Duration.ofMillis(100));
    try {
      log("%s: every process up and ready in %s, replicas at the same index %s later", tenant,
          seconds(cluster.up()), seconds(awaitReplicasEqual(Duration.ofSeconds(60), false)));
    } catch (Exception e) {
      throw new AssertionError("cluster not restored for " + tenant + ": " + e + "\n" + cluster.diagnostics(), e);
    }
  }

  @AfterEach
  void stopLoad() throws InterruptedException {
    load.close();
  }

  @Test
  void killOneReplicaUnderLoadLosesNoAcknowledgedSample() throws Exception {
    String victim = cluster.busiestLeader("ingester-1");
    List<String> survivors = LocalCluster.INGESTERS.stream().filter(name -> !name.equals(victim)).toList();

    load.start();
    try {
      Thread.sleep(5_000); // not a condition: the load runs steadily for a while before the kill
      assertThat(successes(load.results(), Long.MIN_VALUE)).as("writes acknowledged before the kill").isNotEmpty();
      long killNanos = System.nanoTime();
      cluster.kill9(victim);
      log("kill -9 %s (it led the most shards)", victim);
      try {
        await("a write started after the kill acknowledged").atMost(Duration.ofSeconds(45))
            .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
            .until(() -> !successes(load.results(), killNanos).isEmpty());
        Thread.sleep(5_000); // not a condition: the load runs on after the failover, so later gaps count too
      } catch (ConditionTimeoutException noFailover) {
        // The failover assertions below report the outage.
      }
      load.close();

      Failover failover = Failover.of(load.results(), killNanos, System.nanoTime());
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
      load.close();
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
    AcknowledgedLoad.QueryAnswer alone = load.query(cluster.querierPort());
    log("read with only %s alive; querier warnings: %s", victim, alone.warnings());
    assertThat(load.missing(alone.samples())).as("acknowledged samples missing from the restarted %s", victim).isEmpty();
  }

  @Test
  void gracefulStopOfALeaderHandsOverLeadershipAndRefusesNoWrite() throws Exception {
    String leader = cluster.busiestLeader("ingester-1");

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
      load.close();
    }
    Failover failover = Failover.of(load.results(), stopNanos, System.nanoTime());
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
      load.close();
    }

    assertThat(load.results().stream().filter(r -> !r.ok()).map(AcknowledgedLoad.WriteResult::body).toList())
        .as("load writes refused").isEmpty();
    assertThat(successes(load.results(), badPushesDoneNanos)).as("load acknowledged after the bad pushes").isNotEmpty();
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

    AcknowledgedLoad.WriteResult refused = load.writeRound(0);
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
    assertThat(load.missing(load.queryAll(cluster.querierPort()))).as("acknowledged samples missing").isEmpty();
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

  private void writeAllOrFail() {
    for (int writer = 0; writer < WRITERS; writer++) {
      AcknowledgedLoad.WriteResult result = load.writeRound(writer);
      assertThat(result.status()).as("write of a healthy cluster: %s", result.body()).isEqualTo(200);
    }
  }

  private Duration awaitWritesAcknowledged(Duration timeout) {
    long start = System.nanoTime();
    AtomicReference<AcknowledgedLoad.WriteResult> last = new AtomicReference<>();
    try {
      await("a write acknowledged").atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500))
          .until(() -> {
            last.set(load.writeRound(0));
            return last.get().ok();
          });
    } catch (ConditionTimeoutException e) {
      AcknowledgedLoad.WriteResult answer = last.get();
      throw new AssertionError("no write acknowledged within " + timeout + "; last answer "
          + (answer == null ? "none" : answer.status() + " " + answer.body()) + "\n" + cluster.diagnostics(), e);
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /** The acknowledged writes started after {@code startedAfterNanos}. */
  private static List<AcknowledgedLoad.WriteResult> successes(List<AcknowledgedLoad.WriteResult> results,
      long startedAfterNanos) {
    return results.stream().filter(r -> r.ok() && r.startNanos() > startedAfterNanos).toList();
  }

  /**
   * What the load saw around a kill.
   *
   * @param longestGap the longest time between two consecutive acknowledgements, the later one after the kill
   * @param recovery from the kill to the acknowledgement of the first write started after it
   */
  record Failover(int acknowledged, int failed, Map<Integer, Integer> failuresByStatus, List<String> firstFailures,
      Duration longestGap, Duration recovery, Duration maxLatencyBeforeKill) {
    static Failover of(List<AcknowledgedLoad.WriteResult> results, long killNanos, long stopNanos) {
      List<Long> ackTimes = results.stream().filter(AcknowledgedLoad.WriteResult::ok)
          .map(AcknowledgedLoad.WriteResult::endNanos).sorted().toList();
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
      for (AcknowledgedLoad.WriteResult r : results) {
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

  /** Waits until the querier returns every acknowledged sample; fails with what is missing. */
  private Duration awaitAllAcknowledgedQueryable(Duration timeout) {
    long total = load.acknowledgedSamples();
    assertThat(total).as("acknowledged samples").isPositive();
    long start = System.nanoTime();
    AtomicInteger attempts = new AtomicInteger();
    await("every acknowledged sample queryable").atMost(timeout)
        .pollDelay(Duration.ZERO).pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> {
          List<String> problems;
          List<String> warnings = List.of();
          try {
            AcknowledgedLoad.QueryAnswer answer = load.query(cluster.querierPort());
            warnings = answer.warnings();
            problems = load.missing(answer.samples());
          } catch (AssertionError | RuntimeException e) {
            problems = List.of(String.valueOf(e.getMessage()));
          }
          if (problems.isEmpty()) {
            log("%d acknowledged samples of %d series all read back after %d attempt(s)%s", total,
                load.series(), attempts.get() + 1,
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
            return allTestSeries ? series == load.series() : series >= 0;
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
