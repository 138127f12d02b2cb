package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Dynamic membership on real processes (issue 18): under steady remote-write load, the 3-ingester cluster of
 * {@code deploy/local/cluster.sh} (3 shards, replication factor 3) grows to 4 and 5 ingesters, shrinks back to 3,
 * and has a node replaced after {@code kill -9} (a new node joins, then the dead one is forgotten). Every replica move
 * is a Raft membership change while the shard takes writes.
 *
 * <p>Checked: every acknowledged sample reads back, series by series; each change answers server faults (5xx or no
 * answer) for no longer, from the first refused write's start to the last's, than one election (the randomized
 * timeout's upper bound) per replica it moved, and never a 4xx; at the end, each shard's replicas hold the same
 * applied index and series.
 */
// Measures time: never beside the classes that run concurrently (their lock), and after the rest of the module.
@ResourceLock("timing-oracles")
@Order(Order.DEFAULT + 1)
class RingMembershipTest {
  /** The lowest election timeout that keeps the 6 JVMs of this test stable on 2 cores; Ratis waits up to twice it. */
  private static final Duration ELECTION_TIMEOUT = Duration.ofMillis(500);
  private static final Duration ELECTION_BOUND = ELECTION_TIMEOUT.multipliedBy(2);
  /** As RaftClusterFailureTest's: a kill -9 of a leader is a failover, not a move. */
  private static final Duration FAILOVER_BOUND = Duration.ofSeconds(15);
  private static final String TENANT = "e2e-ring";

  @TempDir
  static Path work;

  private static LocalCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    LocalCluster.assumeRunnable();
    assertThat(Path.of("..", "app", "target", "narthex.jar").toAbsolutePath().normalize())
        .as("the app module's shaded jar, built before e2e by ./mvnw verify").exists();
    cluster = LocalCluster.in(work.resolve("ring"))
        .withExtraFlags("--ingester.raft.election-timeout=" + ELECTION_TIMEOUT.toMillis() + "ms",
            "--ingester.raft.write-timeout=6s");
    log("cluster up in %s", seconds(cluster.up()));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** A ring change the test made, and the writes that started from it until the next one. */
  record Phase(String name, long startNanos, Duration took, int moves) {}

  @Test
  void growsShrinksAndReplacesANodeUnderLoadLosingNoAcknowledgedSample() throws Exception {
    long testStart = System.nanoTime();
    List<Phase> phases = new ArrayList<>();
    List<AcknowledgedLoad.WriteResult> results;
    AcknowledgedLoad load = new AcknowledgedLoad(cluster.distributorPort(), TENANT, 2, 100, Duration.ofMillis(100));
    try (load) {
      load.start();
      await("a first write acknowledged").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
          .until(() -> load.acknowledgedSamples() > 0);

      phases.add(change("join ingester-4", () -> cluster.join(4)));
      assertThat(replicasOf(ring(), "ingester-4")).as("ingester-4's share of 9 replicas over 4 nodes").hasSize(2);
      awaitBlocksRings("ingester-4", true, "ingester-1", "ingester-2");
      phases.add(change("join ingester-5", () -> cluster.join(5)));
      assertThat(replicasOf(ring(), "ingester-5")).as("ingester-5's share of 9 replicas over 5 nodes").isNotEmpty();
      phases.add(change("leave ingester-5", () -> cluster.leave(5)));
      phases.add(change("leave ingester-4", () -> cluster.leave(4)));
      awaitBlocksRings("ingester-4", false, "ingester-1", "ingester-2");
      assertThat(shards(ring())).as("back on the first 3").allSatisfy(replicas ->
          assertThat(replicas).containsExactlyInAnyOrder("ingester-1", "ingester-2", "ingester-3"));

      phases.add(change("kill -9 ingester-3", () -> {
        cluster.kill9("ingester-3");
        // The failover is over once a write started after the kill is acknowledged.
        long killNanos = System.nanoTime();
        await("a write after the kill acknowledged").atMost(FAILOVER_BOUND).pollInterval(Duration.ofMillis(100))
            .until(() -> load.results().stream().anyMatch(r -> r.ok() && r.startNanos() > killNanos));
        return Duration.ZERO;
      }));
      phases.add(change("join ingester-6 (-ingester.ring.auto-join)", () -> cluster.autoJoin(6)));
      assertThat(replicasOf(ring(), "ingester-6")).as("ingester-6's share, joined by itself").isNotEmpty();
      phases.add(change("forget ingester-3", () -> {
        HttpResponse<String> forgot = cluster.ringChange("ingester-1", "forget?id=ingester-3");
        assertThat(forgot.statusCode()).as("forget answered: %s", forgot.body()).isEqualTo(200);
        // Client faults: 4xx with their stable ids, and the ring unchanged.
        HttpResponse<String> noId = cluster.ringChange("ingester-1", "forget");
        assertThat(noId.statusCode()).isEqualTo(400);
        assertThat(noId.body()).contains("(err-narthex-ingester-ring-invalid-request)");
        HttpResponse<String> again = cluster.ringChange("ingester-1", "forget?id=ingester-3");
        assertThat(again.statusCode()).as("a second forget answered: %s", again.body()).isEqualTo(409);
        assertThat(again.body()).contains("ingester-3", "(err-narthex-ingester-ring-change-refused)");
        return Duration.ZERO;
      }));
      JsonNode last = ring();
      assertThat(nodeIds(last)).containsExactlyInAnyOrder("ingester-1", "ingester-2", "ingester-6");
      assertThat(shards(last)).allSatisfy(replicas ->
          assertThat(replicas).containsExactlyInAnyOrder("ingester-1", "ingester-2", "ingester-6"));
      assertThat(last.path("pending_moves").size()).isZero();
      // The load runs on until every writer had a write started after the last change acknowledged, so that a
      // refusal the change caused late still counts.
      long settled = System.nanoTime();
      await("every writer acknowledged after the last change").atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100)).until(() -> load.results().stream()
              .filter(r -> r.ok() && r.startNanos() > settled).map(AcknowledgedLoad.WriteResult::writer)
              .distinct().count() == 2);
    } finally {
      results = load.results();
    }

    long end = System.nanoTime();
    List<String> faults = new ArrayList<>();
    for (int i = 0; i < phases.size(); i++) {
      Phase phase = phases.get(i);
      long to = i + 1 < phases.size() ? phases.get(i + 1).startNanos() : end;
      List<AcknowledgedLoad.WriteResult> during = results.stream()
          .filter(r -> r.startNanos() >= phase.startNanos() && r.startNanos() < to).toList();
      List<AcknowledgedLoad.WriteResult> failed = during.stream().filter(r -> !r.ok()).toList();
      // From the first refused write's start to the last's: how long new writes were refused. A refused write's
      // own wait (up to the write timeout) is not part of it, so one slow refusal is not a long window.
      Duration window = failed.isEmpty() ? Duration.ZERO : Duration.ofNanos(
          failed.stream().mapToLong(AcknowledgedLoad.WriteResult::startNanos).max().orElseThrow()
              - failed.stream().mapToLong(AcknowledgedLoad.WriteResult::startNanos).min().orElseThrow());
      long[] latencies = during.stream().filter(AcknowledgedLoad.WriteResult::ok)
          .mapToLong(r -> r.endNanos() - r.startNanos()).sorted().toArray();
      log("%s: %s, %d replica move(s); writes %d acknowledged, %d failed, 5xx window %s; latency p50 %s p99 %s",
          phase.name(), seconds(phase.took()), phase.moves(), latencies.length, failed.size(), seconds(window),
          millis(percentile(latencies, 0.5)), millis(percentile(latencies, 0.99)));
      failed.stream().filter(r -> !r.serverFault()).findFirst().ifPresent(r -> faults.add(phase.name()
          + " answered a write " + r.status() + ": " + r.body().strip()));
      Duration bound = phase.name().startsWith("kill") ? FAILOVER_BOUND
          : ELECTION_BOUND.multipliedBy(Math.max(1, phase.moves()));
      if (window.compareTo(bound) > 0) {
        faults.add(phase.name() + ": server faults for " + seconds(window) + ", over " + seconds(bound) + "; first "
            + failed.getFirst().status() + " " + failed.getFirst().body().strip());
      }
    }
    assertThat(faults).as("writes refused beyond the bounds").isEmpty();

    Duration readBack = awaitAllAcknowledgedQueryable(load, Duration.ofSeconds(30));
    log("%d acknowledged samples of %d series all read back after %s", load.acknowledgedSamples(), load.series(),
        seconds(readBack));
    log("replicas converged after %s", seconds(awaitReplicasConverged(load.series(), Duration.ofSeconds(30))));
    log("test took %s", seconds(Duration.ofNanos(System.nanoTime() - testStart)));
  }

  private interface Change {
    Duration run() throws Exception;
  }

  /** Runs a ring change, and counts the replicas it moved from the ring before and after. */
  private static Phase change(String name, Change change) throws Exception {
    List<Set<String>> before = shards(ring());
    long start = System.nanoTime();
    change.run();
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    List<Set<String>> after = shards(ring());
    int moves = 0;
    for (int shard = 0; shard < after.size(); shard++) {
      Set<String> added = new HashSet<>(after.get(shard));
      added.removeAll(before.get(shard));
      moves += added.size();
    }
    log("%s done in %s, %d replica move(s); shards now %s", name, seconds(took), moves, after);
    return new Phase(name, start, took, moves);
  }

  /** The ring as ingester-1 or, should it not answer, ingester-2 has applied it. */
  private static JsonNode ring() {
    JsonNode ring = cluster.ring("ingester-1");
    if (ring == null) {
      ring = cluster.ring("ingester-2");
    }
    assertThat(ring).as("GET /ingester/ring on ingester-1 and -2").isNotNull();
    return ring;
  }

  /**
   * Waits until the store-gateway and compactor rings on each of {@code on} (the first three ingester processes, which
   * run those components and follow the ingester ring; a joined one runs the ingester only) list {@code node} as a
   * member, or no longer do.
   */
  private static void awaitBlocksRings(String node, boolean member, String... on) {
    await(node + (member ? " in" : " out of") + " the store-gateway and compactor rings").atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
          for (String process : on) {
            for (String path : List.of("/store-gateway/ring", "/compactor/ring")) {
              JsonNode page = cluster.get(process, path);
              assertThat(page).as("GET %s on %s", path, process).isNotNull();
              List<String> members = new ArrayList<>();
              page.path("members").forEach(m -> members.add(m.path("id").asText()));
              if (member) {
                assertThat(members).as("%s on %s", path, process).contains(node);
              } else {
                assertThat(members).as("%s on %s", path, process).doesNotContain(node);
              }
            }
          }
        });
  }

  private static List<Set<String>> shards(JsonNode ring) {
    List<Set<String>> out = new ArrayList<>();
    for (JsonNode replicas : ring.path("shards")) {
      Set<String> ids = new HashSet<>();
      replicas.forEach(id -> ids.add(id.asText()));
      out.add(ids);
    }
    return out;
  }

  private static List<Integer> replicasOf(JsonNode ring, String node) {
    List<Set<String>> shards = shards(ring);
    List<Integer> out = new ArrayList<>();
    for (int shard = 0; shard < shards.size(); shard++) {
      if (shards.get(shard).contains(node)) {
        out.add(shard);
      }
    }
    return out;
  }

  private static List<String> nodeIds(JsonNode ring) {
    List<String> out = new ArrayList<>();
    ring.path("nodes").forEach(node -> out.add(node.path("id").asText()));
    return out;
  }

  /** Waits until the querier returns every acknowledged sample; fails with what is missing. */
  private static Duration awaitAllAcknowledgedQueryable(AcknowledgedLoad load, Duration timeout) {
    assertThat(load.acknowledgedSamples()).as("acknowledged samples").isPositive();
    long start = System.nanoTime();
    await("every acknowledged sample queryable").atMost(timeout)
        .pollDelay(Duration.ZERO).pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertThat(load.missing(load.queryAll(cluster.querierPort())))
            .as("acknowledged samples not queryable").isEmpty());
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /**
   * Waits until, for every shard, each replica the ring lists reports the same commit and applied index and the same
   * series of the test's tenant, and the shards hold all {@code series} between them.
   */
  private static Duration awaitReplicasConverged(int series, Duration timeout) {
    long start = System.nanoTime();
    AtomicReference<String> last = new AtomicReference<>("");
    try {
      await("replicas converged").atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500))
          .until(() -> {
            List<Set<String>> shards = shards(ring());
            Map<Integer, Map<String, String>> perShard = new TreeMap<>();
            for (String node : new java.util.TreeSet<>(shards.stream().flatMap(Set::stream).toList())) {
              JsonNode status = cluster.shards(node, TENANT);
              if (status == null) {
                last.set(node + " does not answer");
                return false;
              }
              for (JsonNode replica : status.get("replicas")) {
                perShard.computeIfAbsent(replica.get("shard").asInt(), s -> new TreeMap<>()).put(node,
                    "commit=" + replica.path("commitIndex").asLong() + " applied="
                        + replica.path("appliedIndex").asLong() + " series="
                        + replica.path("seriesPerTenant").path(TENANT).asLong());
              }
            }
            last.set(perShard.toString());
            long total = 0;
            for (int shard = 0; shard < shards.size(); shard++) {
              Map<String, String> replicas = perShard.getOrDefault(shard, Map.of());
              if (!replicas.keySet().equals(shards.get(shard)) || replicas.values().stream().distinct().count() != 1) {
                return false;
              }
              String any = replicas.values().iterator().next();
              total += Long.parseLong(any.substring(any.indexOf("series=") + 7));
            }
            return perShard.size() == shards.size() && total == series;
          });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("replicas did not converge within " + timeout + ": " + last.get() + "\n"
          + cluster.diagnostics(), e);
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  private static long percentile(long[] sorted, double q) {
    return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }

  private static String millis(long nanos) {
    return String.format("%.0fms", nanos / 1e6);
  }

  private static String seconds(Duration duration) {
    return String.format("%.2fs", duration.toMillis() / 1000.0);
  }

  private static void log(String format, Object... args) {
    System.out.printf("[ring-membership] " + format + "%n", args);
  }
}
