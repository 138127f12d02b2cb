package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.narthex.app.Narthex;
import io.narthex.app.NarthexOptions;
import io.narthex.proto.prompb.WriteRequest;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The compactor end to end on a filesystem bucket: 2h blocks cut by the ingesters merge into a 6h block without
 * changing a single answer, and promtool reads the result; retention and delete_series remove exactly what they
 * should, for one tenant only; a compactor killed with kill -9 between upload and deletion marks finishes the job
 * on restart with nothing lost or doubled.
 *
 * <p>Each test has its own directory, bucket and ports, so the tests run at once: most of their time is waiting for
 * compaction intervals, deletion delays and graceful stops.
 */
// Shares the CPU with other classes, never with a timing oracle (those take the lock exclusively).
@ResourceLock(value = "timing-oracles", mode = ResourceAccessMode.READ)
@Execution(ExecutionMode.CONCURRENT)
class CompactorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  // HTTP/1.1: the JDK client's h2c connections to Armeria failed a /metrics read with "EOF reached while reading"
  // once in CI (twoHourBlocksMerge..., 2026-12-07), as bench and TenantHeaderProxy already avoid.
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final long RANGE_MS = Duration.ofHours(6).toMillis();

  @TempDir
  Path work;

  /** One Raft port for every restart of the test's process: the shard's Raft log remembers its peer address. */
  private int raftPort;

  private List<String> flags(String... extra) throws Exception {
    if (raftPort == 0) {
      raftPort = ExternalProcess.freePort();
    }
    List<String> defaults = new ArrayList<>(List.of(
        "--server.http-listen-port=0", "--server.grpc-listen-port=0",
        "--ingester.raft-listen-port=" + raftPort,
        "--blocks-storage.tsdb.dir=" + work.resolve("tsdb"),
        "--blocks-storage.filesystem.dir=" + work.resolve("bucket"),
        "--blocks-storage.bucket-store.sync-dir=" + work.resolve("tsdb-sync"),
        "--compactor.data-dir=" + work.resolve("compactor"),
        "--blocks-storage.tsdb.retention-period=0s",
        "--blocks-storage.bucket-store.sync-interval=1s",
        // The gateways and queriers stop reading a marked block 4s after its mark, well before its deletion at 8s.
        "--blocks-storage.bucket-store.ignore-deletion-marks-delay=4s",
        "--querier.query-store-after=0s",
        "--compactor.block-ranges=2h,6h",
        "--compactor.first-level-compaction-wait-period=0s",
        "--compactor.deletion-delay=8s",
        // Backfills hours at once: far over Mimir's default 10k samples/s for one tenant.
        "--distributor.ingestion-rate-limit=1e9", "--distributor.ingestion-burst-size=1000000000"));
    List<String> flags = new ArrayList<>();
    for (String flag : defaults) {
      String name = flag.substring(0, flag.indexOf('='));
      if (java.util.Arrays.stream(extra).noneMatch(e -> e.startsWith(name + "="))) {
        flags.add(flag);
      }
    }
    flags.addAll(List.of(extra));
    return flags;
  }

  private static void flush(Narthex narthex) throws Exception {
    HttpResponse<String> flushed = HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + narthex.httpPort() + "/ingester/flush"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(flushed.statusCode()).as(flushed.body()).isEqualTo(204);
  }

  private static void load(int port, String tenant, List<WriteRequest> requests) throws Exception {
    RemoteWriteClient writer = new RemoteWriteClient(port);
    for (WriteRequest request : requests) {
      HttpResponse<String> response = writer.push(tenant, request);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }
  }

  /** Block ULID to its meta.json, for the tenant's complete blocks not marked for deletion. */
  private Map<String, JsonNode> liveBlocks(String tenant) throws Exception {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    Path dir = work.resolve("bucket").resolve(tenant);
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> blocks = Files.list(dir)) {
      for (Path block : blocks.sorted().toList()) {
        if (Files.exists(block.resolve("meta.json")) && !Files.exists(block.resolve("deletion-mark.json"))) {
          out.put(block.getFileName().toString(), JSON.readTree(block.resolve("meta.json").toFile()));
        }
      }
    }
    return out;
  }

  private long blockDirs(String tenant) throws Exception {
    try (Stream<Path> blocks = Files.list(work.resolve("bucket").resolve(tenant))) {
      return blocks.filter(b -> b.getFileName().toString().length() == 26).count();
    }
  }

  private static long bytes(Path dir) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  /** A metric's value from the process's /metrics (summed over label sets). */
  static double metric(Narthex narthex, String name) throws Exception {
    String text = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + narthex.httpPort() + "/metrics"))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
    double sum = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  private static Map<String, PromApi.Response> answers(PromApi api, long startMs, long endMs) {
    Map<String, PromApi.Response> out = new LinkedHashMap<>();
    for (String query : BlocksStorageTest.QUERIES) {
      out.put("range " + query, api.get("/api/v1/query_range", "query", query,
          "start", ResultComparison.seconds(startMs + 600_000), "end", ResultComparison.seconds(endMs), "step", "60"));
      out.put("instant " + query, api.get("/api/v1/query", "query", query,
          "time", ResultComparison.seconds(endMs - 3_600_000)));
    }
    return out;
  }

  private static void assertSame(Map<String, PromApi.Response> want, Map<String, PromApi.Response> got) {
    for (Map.Entry<String, PromApi.Response> entry : want.entrySet()) {
      assertThat(entry.getValue().status()).as(entry.getKey()).isEqualTo(200);
      assertThat(ResultComparison.difference(entry.getValue(), got.get(entry.getKey()), false))
          .as(entry.getKey()).isNull();
    }
  }

  @Test
  void twoHourBlocksMergeIntoOneWithoutChangingAnAnswerAndPromtoolReadsIt() throws Exception {
    long windowStartMs = (System.currentTimeMillis() - Duration.ofHours(9).toMillis()) / RANGE_MS * RANGE_MS;
    // An hour past the 6h window: a newer block shows the window is complete, as Prometheus's planner wants.
    long endMs = windowStartMs + RANGE_MS + Duration.ofHours(1).toMillis();
    String tenant = "compact-me";
    Promtool promtool = Promtool.installed();
    // The compactor's next run is an hour away here: the answers come from the 2h blocks.
    Map<String, PromApi.Response> fromTwoHourBlocks;
    try (Narthex narthex = Narthex.start(NarthexOptions.parse(flags("--compactor.compaction-interval=1h")
        .toArray(String[]::new)))) {
      load(narthex.httpPort(), tenant, DemoData.requests(windowStartMs, endMs, 60));
      flush(narthex);
      fromTwoHourBlocks = answers(new PromApi("http://127.0.0.1:" + narthex.httpPort() + "/prometheus", tenant),
          windowStartMs, endMs);
    }
    Map<String, JsonNode> before = liveBlocks(tenant);
    assertThat(before).hasSize(4);
    Map<String, JsonNode> inWindow = new LinkedHashMap<>();
    before.forEach((ulid, meta) -> {
      if (meta.get("maxTime").asLong() <= windowStartMs + RANGE_MS) {
        inWindow.put(ulid, meta);
      }
    });
    assertThat(inWindow).hasSize(3);
    long bytesBefore = 0;
    long samples = 0;
    for (Map.Entry<String, JsonNode> block : inWindow.entrySet()) {
      bytesBefore += bytes(work.resolve("bucket").resolve(tenant).resolve(block.getKey()));
      samples += block.getValue().get("stats").get("numSamples").asLong();
    }

    try (Narthex narthex = Narthex.start(NarthexOptions.parse(flags("--compactor.compaction-interval=2s")
        .toArray(String[]::new)))) {
      PromApi api = new PromApi("http://127.0.0.1:" + narthex.httpPort() + "/prometheus", tenant);
      await().atMost(Duration.ofSeconds(120)).until(() -> liveBlocks(tenant).size() == 2);
      JsonNode compacted = liveBlocks(tenant).values().stream()
          .filter(meta -> meta.get("compaction").get("level").asInt() == 2).findFirst().orElseThrow();
      String ulid = compacted.get("ulid").asText();
      assertThat(compacted.get("compaction").get("level").asInt()).isEqualTo(2);
      List<String> sources = new ArrayList<>();
      compacted.get("compaction").get("sources").forEach(s -> sources.add(s.asText()));
      assertThat(sources).containsExactlyInAnyOrderElementsOf(inWindow.keySet());
      assertThat(compacted.get("minTime").asLong()).isEqualTo(inWindow.values().iterator().next().get("minTime")
          .asLong());
      assertThat(compacted.get("stats").get("numSamples").asLong()).isEqualTo(samples);
      // The store-gateway and querier drop the sources after the ignore delay; the answers stay the same.
      await().atMost(Duration.ofSeconds(60)).until(() -> blockDirs(tenant) == 2);
      assertSame(fromTwoHourBlocks, answers(api, windowStartMs, endMs));

      Path copy = Files.createDirectories(work.resolve("promtool-data"));
      Files.createDirectories(copy.resolve("wal"));
      Promtool.copyTree(work.resolve("bucket").resolve(tenant).resolve(ulid), copy.resolve(ulid));
      assertThat(promtool.run("tsdb", "analyze", copy.toString(), ulid)).contains("Block ID: " + ulid);
      long bytesAfter = bytes(work.resolve("bucket").resolve(tenant).resolve(ulid));
      double seconds = metric(narthex, "narthex_compactor_group_compaction_duration_seconds_sum");
      assertThat(seconds).as("compaction time in /metrics").isPositive();
      System.out.printf("compaction: 3 blocks of 2h into 1 of 6h, %d samples in %.2fs (%.0f samples/s, download to"
              + " upload); bytes per sample %.3f before, %.3f after%n",
          samples, seconds, samples / seconds, (double) bytesBefore / samples, (double) bytesAfter / samples);
    }
  }

  /** {@code ids} series {@code metric_a{id}} with a sample every minute over {@code [startMs, endMs)}. */
  private static List<WriteRequest> minuteSeries(long startMs, long endMs, int ids) {
    List<WriteRequest> out = new ArrayList<>();
    for (long from = startMs; from < endMs; from += Duration.ofHours(1).toMillis()) {
      WriteRequest.Builder request = WriteRequest.newBuilder();
      for (int id = 0; id < ids; id++) {
        List<Long> timestamps = new ArrayList<>();
        for (long t = from; t < Math.min(endMs, from + Duration.ofHours(1).toMillis()); t += 60_000) {
          timestamps.add(t);
        }
        long[] ts = timestamps.stream().mapToLong(Long::longValue).toArray();
        double[] values = new double[ts.length];
        for (int i = 0; i < ts.length; i++) {
          values[i] = ts[i] / 60_000.0 + id;
        }
        request.addTimeseries(RemoteWriteClient.series(
            new String[] {"__name__", "metric_a", "id", Integer.toString(id)}, ts, values));
      }
      out.add(request.build());
    }
    return out;
  }

  private static int countSamples(PromApi api, String selector, long fromMs, long toMs) {
    PromApi.Response response = api.get("/api/v1/query", "query", "count_over_time(" + selector + "["
        + ((toMs - fromMs) / 1000) + "s])", "time", ResultComparison.seconds(toMs));
    assertThat(response.status()).as(response.raw()).isEqualTo(200);
    int count = 0;
    for (JsonNode series : response.body().get("data").get("result")) {
      count += series.get("value").get(1).asInt();
    }
    return count;
  }

  @Test
  void retentionAndDeleteSeriesRemoveExactlyTheirDataAndTouchNoOtherTenant() throws Exception {
    long twoHoursMs = Duration.ofHours(2).toMillis();
    long startMs = (System.currentTimeMillis() - Duration.ofHours(13).toMillis()) / twoHoursMs * twoHoursMs;
    long endMs = startMs + Duration.ofHours(10).toMillis();
    // Blocks ending at or before the cutoff expire for tenant "retained": the cutoff sits an hour past a block edge.
    long cutoffMs = startMs + Duration.ofHours(4).toMillis() + Duration.ofHours(1).toMillis();
    long retentionMinutes = (System.currentTimeMillis() - cutoffMs) / 60_000;
    Path runtime = work.resolve("runtime.yaml");
    Files.writeString(runtime, "overrides:\n  retained:\n    compactor_blocks_retention_period: " + retentionMinutes
        + "m\n");
    long deleteFromMs = startMs + Duration.ofHours(6).toMillis();
    long deleteToMs = startMs + Duration.ofHours(8).toMillis() - 1;
    try (Narthex narthex = Narthex.start(NarthexOptions.parse(flags("--compactor.compaction-interval=1h",
        "--compactor.block-ranges=2h", "--runtime-config.file=" + runtime).toArray(String[]::new)))) {
      for (String tenant : List.of("retained", "deleter")) {
        load(narthex.httpPort(), tenant, minuteSeries(startMs, endMs, 3));
      }
      flush(narthex);
    }
    Map<String, JsonNode> retainedBefore = liveBlocks("retained");
    assertThat(retainedBefore).hasSize(5);
    List<String> expired = new ArrayList<>();
    retainedBefore.forEach((ulid, meta) -> {
      if (meta.get("maxTime").asLong() <= cutoffMs) {
        expired.add(ulid);
      }
    });
    assertThat(expired).hasSize(2);
    Map<String, JsonNode> deleterBefore = liveBlocks("deleter");

    try (Narthex narthex = Narthex.start(NarthexOptions.parse(flags("--compactor.compaction-interval=2s",
        "--compactor.block-ranges=2h", "--runtime-config.file=" + runtime).toArray(String[]::new)))) {
      PromApi deleter = new PromApi("http://127.0.0.1:" + narthex.httpPort() + "/prometheus", "deleter");
      PromApi retained = new PromApi("http://127.0.0.1:" + narthex.httpPort() + "/prometheus", "retained");
      HttpResponse<String> deleted = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
              + narthex.httpPort() + "/prometheus/api/v1/admin/tsdb/delete_series?match%5B%5D="
              + java.net.URLEncoder.encode("metric_a{id=\"1\"}", java.nio.charset.StandardCharsets.UTF_8)
              + "&start=" + ResultComparison.seconds(deleteFromMs) + "&end=" + ResultComparison.seconds(deleteToMs)))
          .header("X-Scope-OrgID", "deleter").POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);

      // At once: the deleted samples are gone for "deleter" only.
      assertThat(countSamples(deleter, "metric_a{id=\"1\"}", deleteFromMs - 1, deleteToMs)).isZero();
      assertThat(countSamples(deleter, "metric_a{id=\"0\"}", deleteFromMs - 1, deleteToMs)).isEqualTo(120);
      assertThat(countSamples(deleter, "metric_a{id=\"1\"}", startMs + Duration.ofHours(8).toMillis() - 1,
          endMs - 1)).isEqualTo(120);
      assertThat(countSamples(retained, "metric_a{id=\"1\"}", deleteFromMs - 1, deleteToMs)).isEqualTo(120);

      // Retention deletes exactly the expired blocks of "retained"; the rewrite drops the samples from storage.
      await().atMost(Duration.ofSeconds(90)).until(() -> {
        Map<String, JsonNode> live = liveBlocks("retained");
        return live.size() == 3 && !live.keySet().removeAll(expired) && blockDirs("retained") == 3;
      });
      await().atMost(Duration.ofSeconds(90)).until(() -> liveBlocks("deleter").size() == deleterBefore.size()
          && !liveBlocks("deleter").keySet().equals(deleterBefore.keySet()));
      assertThat(liveBlocks("deleter").keySet()).hasSize(5);
      Promtool promtool = Promtool.installed();
      Path copy = Files.createDirectories(work.resolve("deleter-blocks"));
      Files.createDirectories(copy.resolve("wal"));
      for (String ulid : liveBlocks("deleter").keySet()) {
        Promtool.copyTree(work.resolve("bucket").resolve("deleter").resolve(ulid), copy.resolve(ulid));
      }
      Map<String, List<long[]>> stored = Promtool.parseDump(promtool.run("tsdb", "dump", copy.toString()));
      List<long[]> idOne = stored.get("{__name__=metric_a, id=1}");
      assertThat(idOne).noneMatch(s -> s[0] >= deleteFromMs && s[0] <= deleteToMs).hasSize(600 - 120);
      assertThat(stored.get("{__name__=metric_a, id=0}")).hasSize(600);
      // The other tenant keeps every sample of its live blocks.
      assertThat(countSamples(retained, "metric_a", cutoffMs, endMs - 1)).isEqualTo(3 * 5 * 60 - 3);
      assertThat(liveBlocks("deleter").values()).allSatisfy(meta ->
          assertThat(meta.get("compaction").get("level").asInt()).isEqualTo(1));

      // Deleting a tenant, as Mimir's API does, removes its blocks and nothing of the other tenant.
      String base = "http://127.0.0.1:" + narthex.httpPort() + "/compactor/delete_tenant";
      HttpResponse<String> marked = HTTP.send(HttpRequest.newBuilder(URI.create(base))
          .header("X-Scope-OrgID", "retained").POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(marked.statusCode()).as(marked.body()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(60)).until(() -> JSON.readTree(HTTP.send(HttpRequest.newBuilder(
              URI.create(base + "_status")).header("X-Scope-OrgID", "retained").build(),
          HttpResponse.BodyHandlers.ofString()).body()).get("blocks_deleted").asBoolean());
      assertThat(liveBlocks("retained")).isEmpty();
      assertThat(liveBlocks("deleter")).hasSize(5);
      assertThat(countSamples(deleter, "metric_a{id=\"0\"}", startMs, endMs - 1)).isEqualTo(600 - 1);
    }
  }

  /**
   * Moves the expiry of the tenant's compactor lease, which a killed compactor left in the bucket, to the past: the
   * minute a crashed holder blocks its tenant passes at once. That the next compactor waits for it, and no longer,
   * is the compactor module's {@code compactsATenantLeftLeasedByACrashedCompactorOnceTheLeaseExpiresNotAfterAnInterval}.
   */
  private void expireLeaseLeftBy(String tenant) throws Exception {
    Path lease = work.resolve("bucket").resolve(tenant).resolve("compactor-lease.json");
    assertThat(lease).as("the lease of the killed compactor").exists();
    com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode)
        JSON.readTree(lease.toFile());
    assertThat(json.path("owner").asText()).isNotEmpty();
    json.put("expires_at_ms", System.currentTimeMillis() - 1);
    Files.writeString(lease, json.toString());
  }

  @Test
  void aCompactorKilledBetweenUploadAndDeletionMarksFinishesOnRestartWithNothingLostOrDoubled() throws Exception {
    Promtool promtool = Promtool.installed();
    long windowStartMs = (System.currentTimeMillis() - Duration.ofHours(9).toMillis()) / RANGE_MS * RANGE_MS;
    long endMs = windowStartMs + RANGE_MS + Duration.ofHours(1).toMillis();
    List<WriteRequest> ingested = minuteSeries(windowStartMs, endMs, 20);
    try (Narthex narthex = Narthex.start(NarthexOptions.parse(flags("--compactor.compaction-interval=1h")
        .toArray(String[]::new)))) {
      load(narthex.httpPort(), "crash", ingested);
      flush(narthex);
    }
    assertThat(liveBlocks("crash")).hasSize(4);
    Path binary = Path.of("..", "bin", "narthex").toAbsolutePath().normalize();
    List<String> command = new ArrayList<>(List.of(binary.toString(), "--target=compactor",
        "--server.http-listen-port=" + ExternalProcess.freePort(),
        "--blocks-storage.tsdb.dir=" + work.resolve("compactor-process"),
        "--blocks-storage.filesystem.dir=" + work.resolve("bucket"),
        "--compactor.data-dir=" + work.resolve("compactor-process-scratch"),
        "--compactor.block-ranges=2h,6h", "--compactor.first-level-compaction-wait-period=0s",
        "--compactor.deletion-delay=1h", "--compactor.compaction-interval=1h"));
    List<String> paused = new ArrayList<>(command);
    paused.add("--compactor.testing.pause-after-upload=5m");
    try (ExternalProcess compactor = ExternalProcess.start("compactor-crash", paused)) {
      // The compacted block is uploaded; its sources are not marked yet when the process dies.
      await().atMost(Duration.ofSeconds(120)).until(() -> liveBlocks("crash").size() == 5);
      compactor.kill9();
    }
    assertThat(liveBlocks("crash").values()).filteredOn(meta -> meta.get("compaction").get("level").asInt() == 2)
        .hasSize(1);
    expireLeaseLeftBy("crash");

    try (ExternalProcess compactor = ExternalProcess.start("compactor-restart", command)) {
      await().atMost(Duration.ofSeconds(120)).until(() -> liveBlocks("crash").size() == 2);
      // A pass that compacted again would show a second level-2 block within 2s.
      await("no second level-2 block").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(30))
          .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200))
          .until(() -> liveBlocks("crash").values().stream()
              .filter(meta -> meta.get("compaction").get("level").asInt() == 2).count() == 1);
    }
    Map<String, JsonNode> live = liveBlocks("crash");
    assertThat(live.values()).filteredOn(meta -> meta.get("compaction").get("level").asInt() == 2).hasSize(1);
    Path copy = Files.createDirectories(work.resolve("crash-blocks"));
    Files.createDirectories(copy.resolve("wal"));
    for (String ulid : live.keySet()) {
      Promtool.copyTree(work.resolve("bucket").resolve("crash").resolve(ulid), copy.resolve(ulid));
    }
    Map<String, List<long[]>> stored = Promtool.parseDump(promtool.run("tsdb", "dump", copy.toString()));
    Map<String, List<long[]>> expected = Promtool.samplesOf(ingested);
    assertThat(stored.keySet()).isEqualTo(expected.keySet());
    expected.forEach((series, samples) -> assertThat(stored.get(series)).as(series)
        .usingElementComparator(BlocksStorageTest::compareSamples).containsExactlyElementsOf(samples));
  }
}
