package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.narthex.app.Narthex;
import io.narthex.app.NarthexOptions;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blocks made by Debian's {@code promtool tsdb create-blocks-from openmetrics}, uploaded through the block upload
 * API (backfill), answer PromQL exactly as a real Prometheus 2.42 does when it opens the same blocks; and the
 * bytes per sample of our own blocks next to promtool's for the same samples.
 */
class PromtoolBlocksTest {
  private static final String TENANT = "backfill";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir
  Path work;

  private static HttpResponse<String> post(String url, byte[] body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("X-Scope-OrgID", TENANT)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Uploads one block directory through start, files and finish, as mimirtool's backfill does. */
  static void upload(int port, Path blockDir) throws Exception {
    String base = "http://127.0.0.1:" + port + "/api/v1/upload/block/" + blockDir.getFileName();
    HttpResponse<String> start = post(base + "/start", Files.readAllBytes(blockDir.resolve("meta.json")));
    assertThat(start.statusCode()).as("start: %s", start.body()).isEqualTo(200);
    List<Path> files = new ArrayList<>();
    files.add(blockDir.resolve("index"));
    try (Stream<Path> chunks = Files.list(blockDir.resolve("chunks"))) {
      chunks.sorted().forEach(files::add);
    }
    for (Path file : files) {
      String path = blockDir.relativize(file).toString();
      HttpResponse<String> sent = post(base + "/files?path=" + URLEncoder.encode(path, StandardCharsets.UTF_8),
          Files.readAllBytes(file));
      assertThat(sent.statusCode()).as("%s: %s", path, sent.body()).isEqualTo(200);
    }
    HttpResponse<String> finish = post(base + "/finish", new byte[0]);
    assertThat(finish.statusCode()).as("finish: %s", finish.body()).isEqualTo(200);
  }

  static List<Path> blockDirs(Path dir) throws Exception {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(p -> p.getFileName().toString().length() == 26 && Files.isDirectory(p)).sorted()
          .toList();
    }
  }

  @Test
  void promtoolBlocksUploadedThroughTheApiAnswerLikePrometheusOverTheSameBlocks() throws Exception {
    Promtool promtool = Promtool.installed();
    String prometheusBinary = ExternalProcess.which("prometheus");
    ExternalProcess.assumeInstalled(prometheusBinary != null,
        "prometheus is not installed (apt-get install prometheus; .ci/run does this)");
    long endMs = System.currentTimeMillis() / 1000 * 1000 - 60_000;
    long startMs = endMs - Duration.ofHours(3).toMillis();
    List<WriteRequest> data = DemoData.requests(startMs, endMs, 60);
    Path openMetrics = work.resolve("demo.om");
    Files.writeString(openMetrics, Promtool.openMetrics(data));
    Path made = Files.createDirectories(work.resolve("promtool-blocks"));
    promtool.run("tsdb", "create-blocks-from", "openmetrics", openMetrics.toString(), made.toString());
    List<Path> blocks = blockDirs(made);
    assertThat(blocks).hasSizeBetween(2, 3);

    Path prometheusData = work.resolve("prometheus-data");
    Promtool.copyTree(made, prometheusData);
    Path config = work.resolve("prometheus.yml");
    Files.writeString(config, "global:\n  scrape_interval: 1h\n");
    int prometheusPort = ExternalProcess.freePort();
    try (ExternalProcess prometheus = ExternalProcess.start("prometheus-backfill", List.of(prometheusBinary,
            "--config.file=" + config, "--storage.tsdb.path=" + prometheusData,
            "--web.listen-address=127.0.0.1:" + prometheusPort));
        Narthex narthex = Narthex.start(NarthexOptions.parse(
            "--server.http-listen-port=0", "--server.grpc-listen-port=0",
            "--ingester.raft-listen-port=" + ExternalProcess.freePort(),
            "--blocks-storage.tsdb.dir=" + work.resolve("tsdb"),
            "--blocks-storage.filesystem.dir=" + work.resolve("bucket"),
            "--blocks-storage.bucket-store.sync-dir=" + work.resolve("tsdb-sync"),
            "--blocks-storage.bucket-store.sync-interval=1s",
            "--compactor.block-upload-enabled",
            "--querier.query-store-after=0s"))) {
      for (Path block : blocks) {
        upload(narthex.httpPort(), block);
      }
      prometheus.awaitHttpOk("http://127.0.0.1:" + prometheusPort + "/-/ready", Duration.ofSeconds(60));
      PromApi prom = new PromApi("http://127.0.0.1:" + prometheusPort, null);
      PromApi ours = new PromApi("http://127.0.0.1:" + narthex.httpPort() + "/prometheus", TENANT);
      // The store-gateway picks the uploaded blocks up on its next sync; until then the querier skips blocks this
      // fresh. Wait until every block answers: samples in each one's range.
      for (Path block : blocks) {
        com.fasterxml.jackson.databind.JsonNode meta =
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(block.resolve("meta.json").toFile());
        long middleMs = (meta.get("minTime").asLong() + meta.get("maxTime").asLong()) / 2;
        await().atMost(Duration.ofSeconds(30)).until(() -> {
          PromApi.Response count = ours.get("/api/v1/query", "query", "count(demo_num_cpus)",
              "time", ResultComparison.seconds(middleMs));
          return count.status() == 200 && !ResultComparison.isEmpty(count);
        });
      }

      // Every window lies inside the data: where a window starts before the first sample, increase() extrapolates
      // differently in Prometheus 2.42 and the 3.x we follow (3.x stops the zero cutoff at half a sample
      // interval: promqltest functions.test, "Zero cutoff for left-side extrapolation").
      int compared = 0;
      for (long evalMs : new long[] {endMs - Duration.ofMinutes(20).toMillis(), endMs - Duration.ofMinutes(100).toMillis()}) {
        for (String query : BlocksStorageTest.QUERIES) {
          PromApi.Response want = prom.get("/api/v1/query", "query", query, "time", ResultComparison.seconds(evalMs));
          PromApi.Response got = ours.get("/api/v1/query", "query", query, "time", ResultComparison.seconds(evalMs));
          assertThat(ResultComparison.difference(want, got, false)).as("instant %s at %d", query, evalMs).isNull();
          compared += ResultComparison.isEmpty(want) ? 0 : 1;
        }
      }
      for (String query : BlocksStorageTest.QUERIES) {
        String[] range = {"query", query, "start", ResultComparison.seconds(startMs + Duration.ofMinutes(65).toMillis()),
            "end", ResultComparison.seconds(endMs), "step", "60"};
        PromApi.Response want = prom.get("/api/v1/query_range", range);
        PromApi.Response got = ours.get("/api/v1/query_range", range);
        assertThat(ResultComparison.difference(want, got, false)).as("range %s", query).isNull();
        compared += ResultComparison.isEmpty(want) ? 0 : 1;
      }
      assertThat(compared).isGreaterThanOrEqualTo(3 * BlocksStorageTest.QUERIES.size() - 3);
      PromApi.Response wantSeries = prom.get("/api/v1/series", "match[]", "{__name__=~\"demo_.+\"}",
          "start", ResultComparison.seconds(startMs), "end", ResultComparison.seconds(endMs));
      PromApi.Response gotSeries = ours.get("/api/v1/series", "match[]", "{__name__=~\"demo_.+\"}",
          "start", ResultComparison.seconds(startMs), "end", ResultComparison.seconds(endMs));
      assertThat(ResultComparison.sortedStrings(gotSeries.body().get("data")))
          .isEqualTo(ResultComparison.sortedStrings(wantSeries.body().get("data")));
    }
  }

  private static long blockBytes(Path blockDir) throws Exception {
    try (Stream<Path> files = Files.walk(blockDir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  /**
   * Two hours of node-exporter-shaped samples (the series of a real node-exporter scrape, every 15 s) as one block
   * cut by Narthex and one made by promtool from the same samples: prints both sizes in bytes per sample.
   */
  @Test
  void ourBlocksTakeNoMoreBytesPerSampleThanPrometheusBlocksForNodeExporterData() throws Exception {
    Promtool promtool = Promtool.installed();
    String nodeExporterBinary = ExternalProcess.which("prometheus-node-exporter");
    ExternalProcess.assumeInstalled(nodeExporterBinary != null,
        "prometheus-node-exporter is not installed (apt-get install prometheus-node-exporter; .ci/run does this)");
    String exposition;
    int nodeExporterPort = ExternalProcess.freePort();
    try (ExternalProcess nodeExporter = ExternalProcess.start("node-exporter-bytes",
        List.of(nodeExporterBinary, "--web.listen-address=127.0.0.1:" + nodeExporterPort))) {
      nodeExporter.awaitHttpOk("http://127.0.0.1:" + nodeExporterPort + "/metrics", Duration.ofSeconds(30));
      exposition = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nodeExporterPort + "/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString()).body();
    }
    long rangeMs = Duration.ofHours(2).toMillis();
    long startMs = (System.currentTimeMillis() - Duration.ofHours(6).toMillis()) / rangeMs * rangeMs;
    List<WriteRequest> data = NodeExporterLikeData.requests(exposition, startMs, startMs + rangeMs, 40);
    long samples = data.stream().flatMap(r -> r.getTimeseriesList().stream()).mapToLong(TimeSeries::getSamplesCount)
        .sum();

    Path openMetrics = work.resolve("node.om");
    Files.writeString(openMetrics, Promtool.openMetrics(data));
    Path made = Files.createDirectories(work.resolve("promtool-node-blocks"));
    promtool.run("tsdb", "create-blocks-from", "openmetrics", openMetrics.toString(), made.toString());
    List<Path> theirs = blockDirs(made);
    assertThat(theirs).hasSize(1);

    try (Narthex narthex = Narthex.start(NarthexOptions.parse(
        "--server.http-listen-port=0", "--server.grpc-listen-port=0",
        "--ingester.raft-listen-port=" + ExternalProcess.freePort(),
        "--blocks-storage.tsdb.dir=" + work.resolve("tsdb"),
        "--blocks-storage.filesystem.dir=" + work.resolve("bucket"),
        "--blocks-storage.bucket-store.sync-dir=" + work.resolve("tsdb-sync"),
        // Backfills hours at once: far over Mimir's default 10k samples/s for one tenant.
        "--distributor.ingestion-rate-limit=1e9", "--distributor.ingestion-burst-size=1000000000"))) {
      RemoteWriteClient writer = new RemoteWriteClient(narthex.httpPort());
      for (WriteRequest request : data) {
        HttpResponse<String> response = writer.push(TENANT, request);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      }
      HttpResponse<String> flushed = HTTP.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + narthex.httpPort() + "/ingester/flush"))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(flushed.statusCode()).as(flushed.body()).isEqualTo(204);
    }
    List<Path> ours = blockDirs(work.resolve("bucket").resolve(TENANT));
    assertThat(ours).hasSize(1);
    long ourBytes = blockBytes(ours.getFirst());
    long theirBytes = blockBytes(theirs.getFirst());
    double ourPerSample = (double) ourBytes / samples;
    double theirPerSample = (double) theirBytes / samples;
    System.out.printf("bytes per sample, %d node-exporter-shaped series, %d samples over 2h at 15s:"
            + " Narthex block %d bytes (%.3f B/sample), promtool block %d bytes (%.3f B/sample), ratio %.3f%n",
        data.getFirst().getTimeseriesCount(), samples, ourBytes, ourPerSample, theirBytes, theirPerSample,
        ourPerSample / theirPerSample);
    assertThat(ourPerSample).isLessThanOrEqualTo(theirPerSample * 1.05);
  }
}
