package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.narthex.proto.prompb.WriteRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blocks in a cluster of real processes (deploy/local/cluster.sh): three ingesters that are also three
 * store-gateways splitting the blocks by hash, each block on two of them. After every ingester flushes, the
 * querier answers from the store-gateways exactly as it did from the heads, also with one store-gateway killed.
 */
class BlocksClusterTest {
  private static final String TENANT = "cluster-blocks";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir
  Path work;

  private LocalCluster cluster;

  @BeforeAll
  static void clusterScriptCanRun() {
    LocalCluster.assumeRunnable();
    assertThat(Path.of("..", "app", "target", "narthex.jar").toAbsolutePath().normalize())
        .as("the app module's shaded jar, built before e2e by ./mvnw verify").exists();
  }

  @AfterEach
  void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static Map<String, PromApi.Response> answers(PromApi api, long startMs, long endMs) {
    Map<String, PromApi.Response> out = new java.util.LinkedHashMap<>();
    for (String query : BlocksStorageTest.QUERIES) {
      out.put("range " + query, api.get("/api/v1/query_range", "query", query,
          "start", ResultComparison.seconds(startMs + 600_000), "end", ResultComparison.seconds(endMs), "step", "60"));
    }
    return out;
  }

  private static String firstDifference(Map<String, PromApi.Response> want, Map<String, PromApi.Response> got) {
    for (Map.Entry<String, PromApi.Response> entry : want.entrySet()) {
      String difference = ResultComparison.difference(entry.getValue(), got.get(entry.getKey()), false);
      if (difference != null) {
        return entry.getKey() + ": " + difference;
      }
    }
    return null;
  }

  @Test
  void storeGatewaysSplitTheFlushedBlocksAndAnswerLikeTheHeadsEvenWithOneOfThemDown() throws Exception {
    cluster = LocalCluster.in(work.resolve("blocks")).withExtraFlags(
        "--blocks-storage.tsdb.retention-period=0s",
        "--blocks-storage.bucket-store.sync-interval=1s", "--querier.query-store-after=0s",
        // Backfills hours at once: far over Mimir's default 10k samples/s for one tenant.
        "--distributor.ingestion-rate-limit=1e9", "--distributor.ingestion-burst-size=1000000000");
    cluster.up();
    long endMs = System.currentTimeMillis() / 1000 * 1000 - 60_000;
    long startMs = endMs - Duration.ofHours(3).toMillis();
    RemoteWriteClient writer = new RemoteWriteClient(cluster.distributorPort());
    for (WriteRequest request : DemoData.requests(startMs, endMs, 60)) {
      HttpResponse<String> response = writer.push(TENANT, request);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }
    PromApi api = new PromApi("http://127.0.0.1:" + cluster.querierPort() + "/prometheus", TENANT);
    Map<String, PromApi.Response> fromHeads = answers(api, startMs, endMs);
    assertThat(fromHeads.values()).allSatisfy(answer -> assertThat(ResultComparison.isEmpty(answer)).isFalse());

    // Each ingester ships the shards it leads.
    for (String ingester : LocalCluster.INGESTERS) {
      HttpResponse<String> flushed = HTTP.send(HttpRequest.newBuilder(URI.create(
              "http://127.0.0.1:" + cluster.ingesterHttpPort(ingester) + "/ingester/flush"))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(flushed.statusCode()).as("%s: %s", ingester, flushed.body()).isEqualTo(204);
    }
    Path tenantBlocks = cluster.dir().resolve("data/blocks").resolve(TENANT);
    List<Path> blocks;
    try (Stream<Path> dirs = Files.list(tenantBlocks)) {
      blocks = dirs.filter(d -> Files.exists(d.resolve("meta.json"))).toList();
    }
    // Three shards, each with two or three 2h ranges of the 3h of data.
    assertThat(blocks).hasSizeBetween(6, 9);

    // The querier's bucket index and the gateways' syncs catch up within a few sync intervals.
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2))
        .until(() -> firstDifference(fromHeads, answers(api, startMs, endMs)) == null);
    // Each block sits on exactly two of the three gateways (which ones is the hash's choice: one gateway may well
    // hold every block, another none). One copy already answers, so the second owners' syncs are waited for too.
    await("each block on two gateways").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(this::heldBlocks, held -> held == 2 * blocks.size());

    cluster.kill9("ingester-2");
    assertThat(firstDifference(fromHeads, answers(api, startMs, endMs))).isNull();
  }

  /** Block directories in the three gateways' sync directories together. */
  private int heldBlocks() throws IOException {
    int held = 0;
    for (String ingester : LocalCluster.INGESTERS) {
      Path synced = cluster.dir().resolve("data").resolve(ingester).resolve("tsdb-sync").resolve(TENANT);
      try (Stream<Path> dirs = Files.exists(synced) ? Files.list(synced) : Stream.empty()) {
        held += (int) dirs.count();
      }
    }
    return held;
  }
}
