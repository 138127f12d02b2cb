package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.narthex.app.Narthex;
import io.narthex.app.NarthexOptions;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import io.narthex.objstore.LocalS3Server;
import io.narthex.proto.prompb.WriteRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Long-term storage end to end, on the S3 backend (s3proxy in-process, over HTTPS): a flush cuts Prometheus-format
 * blocks that Debian's promtool reads back sample for sample, queries over data then held only in blocks (read
 * through the store-gateway) answer exactly as the head did, and an S3 outage during a cut loses nothing and
 * uploads each block once.
 */
class BlocksStorageTest {
  private static final String TENANT = "team-a";
  private static final String OTHER_TENANT = "team-b";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  /** PromQL over DemoData: selectors, range functions, aggregations, joins, histogram quantiles, offsets. */
  static final List<String> QUERIES = List.of(
      "demo_cpu_usage_seconds_total",
      "rate(demo_cpu_usage_seconds_total[5m])",
      "sum by (mode) (rate(demo_cpu_usage_seconds_total[5m]))",
      "increase(demo_cpu_usage_seconds_total[1h])",
      "resets(demo_cpu_usage_seconds_total[2h])",
      "demo_memory_usage_bytes{type=~\"free|used\"}",
      "avg_over_time(demo_memory_usage_bytes[10m])",
      "max_over_time(demo_disk_usage_bytes[30m])",
      "deriv(demo_disk_usage_bytes[10m])",
      "demo_disk_usage_bytes offset 1h",
      "histogram_quantile(0.9, sum by (le) (rate(demo_api_request_duration_seconds_bucket[5m])))",
      "sum(rate(demo_api_request_duration_seconds_count{status=\"500\"}[5m]))"
          + " / sum(rate(demo_api_request_duration_seconds_count[5m]))",
      "topk(2, demo_memory_usage_bytes)",
      "count by (instance) (demo_cpu_usage_seconds_total)",
      "demo_num_cpus * on(instance) group_left sum by (instance) (rate(demo_cpu_usage_seconds_total[5m]))",
      "demo_intermittent_metric",
      "count_over_time(demo_intermittent_metric[30m])",
      "time() - demo_batch_last_success_timestamp_seconds");

  private static LocalS3Server s3;

  @TempDir
  Path work;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = new LocalS3Server();
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  private Narthex start(String bucketName) throws Exception {
    return Narthex.start(NarthexOptions.parse(
        "--server.http-listen-port=0", "--server.grpc-listen-port=0",
        "--ingester.raft-listen-port=" + ExternalProcess.freePort(),
        "--blocks-storage.tsdb.dir=" + work.resolve("tsdb"),
        "--blocks-storage.bucket-store.sync-dir=" + work.resolve("tsdb-sync"),
        "--blocks-storage.backend=s3",
        "--blocks-storage.s3.endpoint=127.0.0.1:" + s3.httpsPort(),
        "--blocks-storage.s3.bucket-name=" + bucketName,
        "--blocks-storage.s3.access-key-id=" + LocalS3Server.ACCESS_KEY,
        "--blocks-storage.s3.secret-access-key=" + LocalS3Server.SECRET_KEY,
        "--blocks-storage.s3.bucket-lookup-type=path",
        "--blocks-storage.s3.http.insecure-skip-verify",
        "--blocks-storage.s3.max-retries=1",
        // Shipped data leaves the heads at once, so later answers come from the blocks alone.
        "--blocks-storage.tsdb.retention-period=0s",
        "--blocks-storage.tsdb.ship-interval=1s",
        "--blocks-storage.bucket-store.sync-interval=1s",
        "--querier.query-store-after=0s",
        // Backfills hours at once: far over Mimir's default 10k samples/s for one tenant.
        "--distributor.ingestion-rate-limit=1e9", "--distributor.ingestion-burst-size=1000000000"));
  }

  private static Bucket bucket(String name) {
    return Buckets.s3("e2e", s3.config(name, 2));
  }

  private static HttpResponse<String> flush(Narthex narthex) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + narthex.httpPort() + "/ingester/flush"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Series in the heads of this process's shard replicas, for {@code tenant}. */
  private static long headSeries(Narthex narthex, String tenant) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + narthex.httpPort() + "/ingester/shards")).header("X-Scope-OrgID", tenant)
        .build(),
        HttpResponse.BodyHandlers.ofString());
    long series = 0;
    for (JsonNode replica : JSON.readTree(response.body()).get("replicas")) {
      series += replica.path("seriesPerTenant").path(tenant).asLong(0);
    }
    return series;
  }

  private static List<WriteRequest> load(Narthex narthex, String tenant, long startMs, long endMs) throws Exception {
    RemoteWriteClient writer = new RemoteWriteClient(narthex.httpPort());
    List<WriteRequest> requests = DemoData.requests(startMs, endMs, 60);
    for (WriteRequest request : requests) {
      HttpResponse<String> response = writer.push(tenant, request);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }
    return requests;
  }

  /** Every query as an instant query at {@code evalMs} and a range query over the data, plus metadata reads. */
  private static Map<String, PromApi.Response> answers(PromApi api, long startMs, long endMs, long evalMs) {
    Map<String, PromApi.Response> out = new LinkedHashMap<>();
    String time = ResultComparison.seconds(evalMs);
    String start = ResultComparison.seconds(startMs + 600_000);
    String end = ResultComparison.seconds(endMs);
    for (String query : QUERIES) {
      out.put("instant " + query, api.get("/api/v1/query", "query", query, "time", time));
      out.put("range " + query, api.get("/api/v1/query_range", "query", query, "start", start, "end", end,
          "step", "60"));
    }
    out.put("series", api.get("/api/v1/series", "match[]", "{__name__=~\"demo_.+\"}", "start",
        ResultComparison.seconds(startMs), "end", end));
    out.put("labels", api.get("/api/v1/labels", "start", ResultComparison.seconds(startMs), "end", end));
    out.put("values", api.get("/api/v1/label/instance/values", "start", ResultComparison.seconds(startMs),
        "end", end));
    return out;
  }

  private static void assertSameAnswers(Map<String, PromApi.Response> expected, Map<String, PromApi.Response> got) {
    int nonEmpty = 0;
    for (Map.Entry<String, PromApi.Response> entry : expected.entrySet()) {
      PromApi.Response want = entry.getValue();
      PromApi.Response actual = got.get(entry.getKey());
      assertThat(want.status()).as("%s: %s", entry.getKey(), want.raw()).isEqualTo(200);
      assertThat(actual.status()).as("%s: %s", entry.getKey(), actual.raw()).isEqualTo(200);
      if (entry.getKey().startsWith("instant ") || entry.getKey().startsWith("range ")) {
        assertThat(ResultComparison.difference(want, actual, false))
            .as("%s%nbefore: %s%nafter:  %s", entry.getKey(), timestamps(want), timestamps(actual)).isNull();
        nonEmpty += ResultComparison.isEmpty(want) ? 0 : 1;
      } else {
        assertThat(ResultComparison.sortedStrings(actual.body().get("data")))
            .as(entry.getKey()).isEqualTo(ResultComparison.sortedStrings(want.body().get("data")));
      }
    }
    // The comparison is only as strong as the answers that hold data.
    assertThat(nonEmpty).isGreaterThanOrEqualTo(2 * QUERIES.size() - 2);
  }

  @Test
  void flushedBlocksAnswerExactlyAsTheHeadDidAndPromtoolReadsThemBackSampleForSample() throws Exception {
    long endMs = System.currentTimeMillis() / 1000 * 1000 - 60_000;
    long startMs = endMs - Duration.ofHours(3).toMillis();
    long evalMs = endMs - Duration.ofMinutes(95).toMillis();
    s3.createBucket("flush");
    try (Narthex narthex = start("flush"); Bucket bucket = bucket("flush")) {
      List<WriteRequest> ingested = load(narthex, TENANT, startMs, endMs);
      load(narthex, OTHER_TENANT, endMs - Duration.ofMinutes(20).toMillis(), endMs);
      PromApi api = new PromApi("http://127.0.0.1:" + narthex.httpPort() + "/prometheus", TENANT);
      Map<String, PromApi.Response> fromHead = answers(api, startMs, endMs, evalMs);

      HttpResponse<String> flushed = flush(narthex);

      assertThat(flushed.statusCode()).as(flushed.body()).isEqualTo(204);
      assertThat(headSeries(narthex, TENANT)).isZero();
      List<String> blocks = Promtool.blocks(bucket, TENANT);
      // Three hours of data span two or three 2h-aligned ranges: one block each.
      assertThat(blocks).hasSizeBetween(2, 3);
      assertThat(bucket.exists(TENANT + "/bucket-index.json.gz")).isTrue();
      assertSameAnswers(fromHead, answers(api, startMs, endMs, evalMs));
      // The other tenant's blocks stay its own.
      PromApi other = new PromApi("http://127.0.0.1:" + narthex.httpPort() + "/prometheus", OTHER_TENANT);
      assertThat(other.get("/api/v1/series", "match[]", "demo_num_cpus", "start",
          ResultComparison.seconds(startMs), "end", ResultComparison.seconds(endMs)).body().get("data"))
          .hasSize(3);
      assertThat(Promtool.blocks(bucket, OTHER_TENANT)).hasSizeBetween(1, 2).doesNotContainAnyElementsOf(blocks);

      Promtool promtool = Promtool.installed();
      Path dataDir = Files.createDirectories(work.resolve("promtool-data"));
      Files.createDirectories(dataDir.resolve("wal")); // promtool tsdb dump opens the directory as a TSDB
      for (String ulid : blocks) {
        Promtool.download(bucket, TENANT, ulid, dataDir);
      }
      String list = promtool.run("tsdb", "list", dataDir.toString());
      assertThat(list).contains(blocks);
      for (String ulid : blocks) {
        assertThat(promtool.run("tsdb", "analyze", dataDir.toString(), ulid)).contains("Block ID: " + ulid);
      }
      Map<String, List<long[]>> dumped = Promtool.parseDump(promtool.run("tsdb", "dump", dataDir.toString()));
      Map<String, List<long[]>> expected = Promtool.samplesOf(ingested);
      assertThat(dumped.keySet()).isEqualTo(expected.keySet());
      for (Map.Entry<String, List<long[]>> series : expected.entrySet()) {
        assertThat(dumped.get(series.getKey())).as(series.getKey())
            .usingElementComparator(BlocksStorageTest::compareSamples)
            .containsExactlyElementsOf(series.getValue());
      }
    }
  }

  /** The first series' step timestamps of a range answer, gaps spelled out, for failure messages. */
  private static String timestamps(PromApi.Response response) {
    StringBuilder out = new StringBuilder();
    for (JsonNode series : response.body().get("data").get("result")) {
      JsonNode values = series.get("values");
      if (values == null) {
        continue;
      }
      out.append(series.get("metric")).append(": ");
      long previous = -1;
      for (JsonNode point : values) {
        long t = ResultComparison.millis(point.get(0));
        if (previous >= 0 && t - previous != 60_000) {
          out.append(" gap ").append(previous).append("..").append(t);
        }
        previous = t;
      }
      out.append(" first ").append(ResultComparison.millis(values.get(0).get(0))).append(" last ").append(previous)
          .append(" n=").append(values.size()).append('\n');
      break;
    }
    return out.toString();
  }

  /** Same timestamp and value; any two NaNs are equal, since promtool prints staleness markers as NaN. */
  static int compareSamples(long[] a, long[] b) {
    if (a[0] != b[0]) {
      return Long.compare(a[0], b[0]);
    }
    double x = Double.longBitsToDouble(a[1]);
    double y = Double.longBitsToDouble(b[1]);
    return Double.isNaN(x) && Double.isNaN(y) ? 0 : Long.compare(a[1], b[1]);
  }

  @Test
  void anS3OutageKeepsCutBlocksOnLocalDiskLosesNothingAndUploadsEachBlockOnce() throws Exception {
    long endMs = System.currentTimeMillis() / 1000 * 1000 - 60_000;
    long startMs = endMs - Duration.ofMinutes(150).toMillis();
    long evalMs = endMs - Duration.ofMinutes(50).toMillis();
    s3.createBucket("outage");
    try (Narthex narthex = start("outage"); Bucket bucket = bucket("outage")) {
      load(narthex, TENANT, startMs, endMs);
      PromApi api = new PromApi("http://127.0.0.1:" + narthex.httpPort() + "/prometheus", TENANT);
      Map<String, PromApi.Response> before = answers(api, startMs, endMs, evalMs);
      long seriesBefore = headSeries(narthex, TENANT);

      s3.stop();
      HttpResponse<String> duringOutage;
      try {
        duringOutage = flush(narthex);
        // The cut blocks wait on local disk and left the heads' memory; queries answer from them meanwhile.
        assertThat(duringOutage.statusCode()).as(duringOutage.body()).isEqualTo(503);
        assertThat(duringOutage.body()).contains("retried");
        assertThat(seriesBefore).isPositive();
        assertThat(headSeries(narthex, TENANT)).isZero();
        assertSameAnswers(before, answers(api, startMs, endMs, evalMs));
        // Several shipper intervals fail meanwhile, and none puts the blocks back in the heads.
        await("heads still empty while uploads fail").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(30))
            .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(500))
            .until(() -> headSeries(narthex, TENANT) == 0);
      } finally {
        s3.restart();
      }

      // The shipper retries the blocks on its own, and a flush finds nothing left: one block per range.
      await().atMost(Duration.ofSeconds(60)).until(() -> !Promtool.blocks(bucket, TENANT).isEmpty());
      HttpResponse<String> afterOutage = flush(narthex);
      assertThat(afterOutage.statusCode()).as(afterOutage.body()).isEqualTo(204);
      List<String> blocks = Promtool.blocks(bucket, TENANT);
      Set<Long> rangeStarts = new HashSet<>();
      List<String> ranges = new ArrayList<>();
      for (String ulid : blocks) {
        JsonNode meta;
        try (var in = bucket.get(TENANT + "/" + ulid + "/meta.json")) {
          meta = JSON.readTree(in);
        }
        rangeStarts.add(meta.get("minTime").asLong());
        ranges.add(meta.get("minTime").asLong() + "-" + meta.get("maxTime").asLong());
      }
      assertThat(rangeStarts).as("one block per range: %s", ranges).hasSize(blocks.size());
      assertThat(blocks).hasSizeBetween(2, 3);
      assertSameAnswers(before, answers(api, startMs, endMs, evalMs));
    }
  }
}
