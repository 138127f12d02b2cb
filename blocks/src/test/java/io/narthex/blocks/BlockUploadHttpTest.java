package io.narthex.blocks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.narthex.common.TenantResolver;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import io.narthex.tsdb.block.BlockFiles;
import io.narthex.tsdb.block.BlockMeta;
import io.narthex.tsdb.block.BlockMetaFile;
import io.narthex.tsdb.block.BlockReader;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The block upload API end to end: a real Armeria server on a loopback port, a filesystem bucket. */
class BlockUploadHttpTest {
  private static final String TENANT = "team-a";
  private static final List<Matcher> ALL = List.of(Matcher.of(Matcher.Type.REGEX, "__name__", ".+"));

  @TempDir Path root;
  @TempDir Path local;
  @TempDir Path scratch;
  private Bucket bucket;
  private Server server;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void open() throws Exception {
    bucket = Buckets.filesystem("upload-test", root);
    startServer(BlockUploadLimits.DEFAULTS.withEnabled(true));
  }

  private final BlockUploadMetrics metrics = new BlockUploadMetrics(new PrometheusRegistry());

  private void startServer(BlockUploadLimits limits) {
    startServer(tenant -> limits);
  }

  private void startServer(Function<String, BlockUploadLimits> limitsByTenant) {
    if (server != null) {
      server.stop(); // Armeria takes 2 s to stop whatever the grace period: not waited for, ports are random.
    }
    ServerBuilder sb = Server.builder().http(0);
    new BlockUploadHttp(new BlockUploadService(bucket, limitsByTenant, scratch, 1, Clock.systemUTC(), metrics),
        TenantResolver.DEFAULT)
        .bind(sb);
    server = sb.build();
    server.start().join();
  }

  @AfterEach
  void close() throws Exception {
    server.stop();
    bucket.close();
  }

  @Test
  void uploadedBlockIsListedByTheBucketIndexAndReadsBackTheSameSeries() throws Exception {
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(5));
    double finishedBefore = metrics.finished.labelValues(TENANT).get();

    assertThat(post(block.ulid(), "start", metaJson(block))).satisfies(ok());
    assertThat(post(block.ulid(), "files?path=index", file(block, "index"))).satisfies(ok());
    assertThat(post(block.ulid(), "files?path=chunks%2F000001", file(block, "chunks/000001"))).satisfies(ok());
    assertThat(get(block.ulid(), "check").body()).isEqualTo("{\"result\":\"uploading\"}");
    assertThat(bucket.exists(TENANT + "/" + block.ulid() + "/meta.json")).isFalse();
    assertThat(post(block.ulid(), "finish", new byte[0])).satisfies(ok());

    assertThat(get(block.ulid(), "check").body()).isEqualTo("{\"result\":\"complete\"}");
    BucketIndex index = BucketIndex.read(bucket, TENANT).orElseThrow();
    assertThat(index.block(block.ulid())).hasValueSatisfying(b -> {
      assertThat(b.minTimeMs()).isEqualTo(block.minTimeMs());
      assertThat(b.maxTimeMs()).isEqualTo(block.maxTimeMs());
      assertThat(b.source()).isEqualTo("upload");
      assertThat(b.labels()).isEqualTo(Map.of("__org_id__", TENANT));
      assertThat(b.segmentsNum()).isEqualTo(1);
    });
    BlockMetaFile stored = BlockMetaFile.parse(bucket.get(TENANT + "/" + block.ulid() + "/meta.json").readAllBytes());
    assertThat(stored.stats()).isEqualTo(new BlockMetaFile.Stats(block.numSamples(), 5, block.numChunks()));
    assertThat(stored.externalLabels()).isEqualTo(Map.of("__org_id__", TENANT));
    assertThat(bucket.list(TENANT + "/" + block.ulid() + "/", true)).containsExactly(
        TENANT + "/" + block.ulid() + "/chunks/000001", TENANT + "/" + block.ulid() + "/index",
        TENANT + "/" + block.ulid() + "/meta.json");
    List<EncodedSeries> expected = BlockReader.open(block.ulid(), BlockFiles.directory(block.dir()))
        .select(Long.MIN_VALUE, Long.MAX_VALUE, ALL);
    List<EncodedSeries> actual = BlockReader.open(block.ulid(), new BucketBlockFiles(bucket, TENANT, block.ulid()))
        .select(Long.MIN_VALUE, Long.MAX_VALUE, ALL);
    assertThat(actual).extracting(EncodedSeries::labels)
        .isEqualTo(expected.stream().map(EncodedSeries::labels).toList()).hasSize(5);
    assertThat(metrics.finished.labelValues(TENANT).get()).isEqualTo(finishedBefore + 1);
  }

  @Test
  void rejectsABlockIdThatIsNotAULID() throws Exception {
    HttpResponse<String> response = post("not-a-ulid", "start", "{}".getBytes(StandardCharsets.UTF_8));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("invalid block ID \"not-a-ulid\"", "err-narthex-block-upload-invalid-block-id");
    assertThat(bucket.list("", true)).isEmpty();
  }

  @Test
  void rejectsMetaJsonNamingAnotherBlock() throws Exception {
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(1));
    BlockMeta other = TestBlocks.write(local, TestBlocks.series(1));

    HttpResponse<String> response = post(other.ulid(), "start", metaJson(block));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("meta.json ulid " + block.ulid() + " does not match the block ID "
        + other.ulid(), "err-narthex-block-upload-invalid-meta");
    assertThat(bucket.list("", true)).isEmpty();
  }

  @Test
  void rejectsFilePathsOtherThanIndexAndChunkSegments() throws Exception {
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(1));
    assertThat(post(block.ulid(), "start", metaJson(block))).satisfies(ok());

    for (String path : List.of("../../other-tenant/01JBZ5XQ8M3W2K9H7N6P4R1S0T/index", "/etc/passwd", "../index",
        "chunks/../index", "chunks/000001/../../x", "meta.json", "chunks/1", "chunks/0000001", "tombstones",
        "index/", "./index", "chunks\\000001", "")) {
      HttpResponse<String> response = post(block.ulid(),
          "files?path=" + URLEncoder.encode(path, StandardCharsets.UTF_8), new byte[] {1, 2, 3});
      assertThat(response.statusCode()).as("%s answered: %s", path, response.body()).isEqualTo(400);
      // Armeria itself refuses a ".." in the request target; everything else reaches our check.
      assertThat(response.body()).as(path).containsAnyOf("err-narthex-block-upload-invalid-file-path",
          path.contains("..") ? "Invalid request path" : "err-narthex-block-upload-invalid-file-path");
    }
    assertThat(bucket.list("", true)).containsExactly(TENANT + "/" + block.ulid() + "/uploading-meta.json");
  }

  /**
   * Refused files race their own bodies: the JDK client sends the body after the headers, and the refusal is
   * decided from the headers alone. Cancelling the unread body made Armeria answer about 1 in 400 of them with a
   * bare 500 in place of the 400; 2,000 refusals catch that with a chance of about 99 %.
   */
  @Test
  void everyRefusedFileIsAnswered400WhileItsBodyIsStillArriving() throws Exception {
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(1));
    assertThat(post(block.ulid(), "start", metaJson(block))).satisfies(ok());

    Map<Integer, Integer> statuses = new java.util.TreeMap<>();
    for (int i = 0; i < 2_000; i++) {
      statuses.merge(post(block.ulid(), "files?path=meta.json", new byte[] {1, 2, 3}).statusCode(), 1, Integer::sum);
    }

    assertThat(statuses).isEqualTo(Map.of(400, 2_000));
    assertThat(bucket.list("", true)).containsExactly(TENANT + "/" + block.ulid() + "/uploading-meta.json");
  }

  @Test
  void finishWithoutAnIndexFailsAndLeavesNothingVisible() throws Exception {
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(2));
    assertThat(post(block.ulid(), "start", metaJson(block))).satisfies(ok());
    assertThat(post(block.ulid(), "files?path=chunks/000001", file(block, "chunks/000001"))).satisfies(ok());
    double invalidBefore = metrics.failed.labelValues("invalid_block").get();

    HttpResponse<String> response = post(block.ulid(), "finish", new byte[0]);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("missing index file", "err-narthex-block-upload-invalid-block");
    assertThat(metrics.failed.labelValues("invalid_block").get()).isEqualTo(invalidBefore + 1);
    assertThat(get(block.ulid(), "check").body())
        .isEqualTo("{\"result\":\"failed\",\"error\":\"missing index file (err-narthex-block-upload-invalid-block)\"}");
    assertNotVisible(block);
  }

  @Test
  void finishWithACorruptedChunkFailsAndLeavesNothingVisibleUntilTheChunkIsSentAgain() throws Exception {
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(3));
    byte[] corrupted = file(block, "chunks/000001");
    corrupted[corrupted.length / 2] ^= 0x5a;
    assertThat(post(block.ulid(), "start", metaJson(block))).satisfies(ok());
    assertThat(post(block.ulid(), "files?path=index", file(block, "index"))).satisfies(ok());
    assertThat(post(block.ulid(), "files?path=chunks/000001", corrupted)).satisfies(ok());

    HttpResponse<String> response = post(block.ulid(), "finish", new byte[0]);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("error validating block", "err-narthex-block-upload-invalid-block")
        .doesNotContain(scratch.toString());
    assertNotVisible(block);

    assertThat(post(block.ulid(), "files?path=chunks/000001", file(block, "chunks/000001"))).satisfies(ok());
    assertThat(post(block.ulid(), "finish", new byte[0])).satisfies(ok());
    assertThat(BucketIndex.read(bucket, TENANT).orElseThrow().block(block.ulid())).isPresent();
  }

  @Test
  void existingBlockIsAConflict() throws Exception {
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(1));
    BlockShipper.upload(bucket, TENANT, block.dir());

    HttpResponse<String> start = post(block.ulid(), "start", metaJson(block));
    HttpResponse<String> files = post(block.ulid(), "files?path=index", file(block, "index"));
    HttpResponse<String> finish = post(block.ulid(), "finish", new byte[0]);

    assertThat(List.of(start.statusCode(), files.statusCode(), finish.statusCode())).containsOnly(409);
    assertThat(start.body()).isEqualTo("block " + block.ulid() + " already exists (err-narthex-block-upload-block-exists)\n");
    assertThat(bucket.exists(TENANT + "/" + block.ulid() + "/uploading-meta.json")).isFalse();
  }

  @Test
  void missingTenantHeaderIsUnauthorizedWhenMultitenancyIsOn() throws Exception {
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(1));
    HttpRequest request = HttpRequest.newBuilder(uri(block.ulid(), "start"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(metaJson(block))).build();

    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).isEqualTo("no org id\n");
    assertThat(bucket.list("", true)).isEmpty();
  }

  @Test
  void filesAndFinishBeforeStartAreNotFound() throws Exception {
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(1));

    assertThat(post(block.ulid(), "files?path=index", file(block, "index")).statusCode()).isEqualTo(404);
    assertThat(post(block.ulid(), "finish", new byte[0]).statusCode()).isEqualTo(404);
    assertThat(get(block.ulid(), "check").statusCode()).isEqualTo(404);
    assertThat(bucket.list("", true)).isEmpty();
  }

  @Test
  void rejectsMetaJsonWithBadTimesOrVersion() throws Exception {
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(1));
    BlockMetaFile meta = BlockMetaFile.parse(metaJson(block));
    long future = System.currentTimeMillis() + Duration.ofHours(1).toMillis();

    HttpResponse<String> inFuture = post(block.ulid(), "start", withTimes(meta, future, future + 1000).toJson());
    HttpResponse<String> emptyRange = post(block.ulid(), "start", withTimes(meta, 1000, 1000).toJson());
    HttpResponse<String> version2 = post(block.ulid(), "start", new BlockMetaFile(meta.ulid(), meta.minTimeMs(),
        meta.maxTimeMs(), meta.stats(), meta.compaction(), 2, meta.thanos()).toJson());
    HttpResponse<String> malformed = post(block.ulid(), "start", "{\"ulid\":".getBytes(StandardCharsets.UTF_8));

    assertThat(inFuture.statusCode()).isEqualTo(400);
    assertThat(inFuture.body()).contains("greater than the present", "err-narthex-block-upload-too-far-in-future");
    assertThat(emptyRange.statusCode()).isEqualTo(400);
    assertThat(emptyRange.body()).contains("invalid minTime/maxTime: minTime=1000, maxTime=1000");
    assertThat(version2.statusCode()).isEqualTo(400);
    assertThat(version2.body()).contains("version must be 1");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(malformed.body()).contains("malformed request body");
    assertThat(bucket.list("", true)).isEmpty();
  }

  @Test
  void rejectsSeriesWithMoreLabelNamesThanTheLimit() throws Exception {
    startServer(new BlockUploadLimits(true, 0, 3, Duration.ofMinutes(10)));
    BlockMeta block = TestBlocks.write(local, List.of(
        TestBlocks.series(Labels.of("__name__", "up", "job", "a"), 1),
        TestBlocks.series(Labels.of("__name__", "up", "job", "b", "instance", "x", "zone", "z"), 2)));
    upload(block);

    HttpResponse<String> response = post(block.ulid(), "finish", new byte[0]);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("has 4 label names, more than the limit of 3", "zone=\"z\"",
        "err-narthex-block-upload-max-label-names-per-series");
    assertNotVisible(block);
  }

  @Test
  void rejectsFilesAndBlocksOverTheSizeLimit() throws Exception {
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(50));
    long indexBytes = Files.size(block.dir().resolve("index"));
    long chunkBytes = Files.size(block.dir().resolve("chunks/000001"));
    startServer(new BlockUploadLimits(true, Math.max(indexBytes, chunkBytes) + 1, 30, Duration.ofMinutes(10)));
    upload(block);

    HttpResponse<String> response = post(block.ulid(), "finish", new byte[0]);

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.body()).contains("exceeds the maximum block size limit",
        "err-narthex-block-upload-block-too-large");
    assertNotVisible(block);
  }

  @Test
  void uploadsAreRejectedWhenDisabled() throws Exception {
    startServer(new BlockUploadLimits(false, 0, 30, Duration.ofMinutes(10)));
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(1));

    HttpResponse<String> response = post(block.ulid(), "start", metaJson(block));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).isEqualTo("block upload is disabled (err-narthex-block-upload-disabled)\n");
  }

  @Test
  void uploadsAreDisabledByDefault() throws Exception {
    startServer(BlockUploadLimits.DEFAULTS);
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(1));

    HttpResponse<String> response = post(block.ulid(), "start", metaJson(block));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("block upload is disabled", "err-narthex-block-upload-disabled");
    assertThat(bucket.list("", true)).isEmpty();
  }

  @Test
  void uploadsAreEnabledOnlyForTheTenantsGivenThem() throws Exception {
    startServer(tenant -> BlockUploadLimits.DEFAULTS.withEnabled(tenant.equals(TENANT)));
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(1));

    HttpResponse<String> other = post("team-b", block.ulid(), "start", metaJson(block));
    assertThat(other.statusCode()).isEqualTo(400);
    assertThat(other.body()).contains("err-narthex-block-upload-disabled");
    assertThat(bucket.list("team-b/", true)).isEmpty();

    upload(block);
    assertThat(post(block.ulid(), "finish", new byte[0])).satisfies(ok());
  }

  @Test
  void rejectsAFileOverTheDefaultBlockSizeLimitBeforeReadingIt() throws Exception {
    BlockUploadService service = new BlockUploadService(bucket, BlockUploadLimits.DEFAULTS.withEnabled(true), scratch);
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(1));
    service.start(TENANT, block.ulid(), metaJson(block));
    InputStream unreadable = new InputStream() {
      @Override
      public int read() {
        throw new AssertionError("the body must not be read");
      }
    };

    assertThatThrownBy(() -> service.uploadFile(TENANT, block.ulid(), "index", unreadable,
        BlockUploadLimits.DEFAULT_MAX_BLOCK_SIZE_BYTES + 1))
        .isInstanceOfSatisfying(BlockUploadException.class, e -> {
          assertThat(e.httpStatus()).isEqualTo(413);
          assertThat(e.getMessage()).contains("maximum block size limit of 10737418240 bytes",
              "-compactor.block-upload-max-block-size-bytes", "err-narthex-block-upload-block-too-large");
        });
    assertThat(bucket.exists(TENANT + "/" + block.ulid() + "/index")).isFalse();
  }

  @Test
  void storedMetaJsonDropsTheNarthexSectionAndOtherKeysTheClientSent() throws Exception {
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(1));
    BlockMetaFile sent = BlockMetaFile.parse(metaJson(block));
    BlockMetaFile.Narthex narthex = new BlockMetaFile.Narthex(Set.of("01JC0000000000000000000001"));
    byte[] withExtras = new BlockMetaFile(sent.ulid(), sent.minTimeMs(), sent.maxTimeMs(), sent.stats(),
        sent.compaction(), sent.version(), sent.thanos(), narthex, Map.of("futureField", true)).toJson();

    assertThat(post(block.ulid(), "start", withExtras)).satisfies(ok());
    assertThat(post(block.ulid(), "files?path=index", file(block, "index"))).satisfies(ok());
    assertThat(post(block.ulid(), "files?path=chunks/000001", file(block, "chunks/000001"))).satisfies(ok());
    assertThat(post(block.ulid(), "finish", new byte[0])).satisfies(ok());

    BlockMetaFile stored = BlockMetaFile.parse(bucket.get(TENANT + "/" + block.ulid() + "/meta.json").readAllBytes());
    assertThat(stored.narthex()).isNull();
    assertThat(stored.otherFields()).isEmpty();
  }

  private void upload(BlockMeta block) throws Exception {
    assertThat(post(block.ulid(), "start", metaJson(block))).satisfies(ok());
    assertThat(post(block.ulid(), "files?path=index", file(block, "index"))).satisfies(ok());
    assertThat(post(block.ulid(), "files?path=chunks/000001", file(block, "chunks/000001"))).satisfies(ok());
  }

  private void assertNotVisible(BlockMeta block) throws Exception {
    assertThat(bucket.exists(TENANT + "/" + block.ulid() + "/meta.json")).isFalse();
    assertThat(BucketIndexUpdater.update(bucket, TENANT).block(block.ulid())).isEmpty();
  }

  private static BlockMetaFile withTimes(BlockMetaFile meta, long minTimeMs, long maxTimeMs) {
    return new BlockMetaFile(meta.ulid(), minTimeMs, maxTimeMs, meta.stats(), meta.compaction(), meta.version(),
        meta.thanos());
  }

  private static byte[] metaJson(BlockMeta block) throws Exception {
    return Files.readAllBytes(block.dir().resolve("meta.json"));
  }

  private static byte[] file(BlockMeta block, String path) throws Exception {
    return Files.readAllBytes(block.dir().resolve(path));
  }

  private URI uri(String block, String operation) {
    return URI.create("http://127.0.0.1:" + server.activeLocalPort() + BlockUploadHttp.PATH_PREFIX + block + "/"
        + operation);
  }

  private HttpResponse<String> post(String block, String operation, byte[] body) throws Exception {
    return post(TENANT, block, operation, body);
  }

  private HttpResponse<String> post(String tenant, String block, String operation, byte[] body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(uri(block, operation))
        .header("X-Scope-OrgID", tenant)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String block, String operation) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(uri(block, operation)).header("X-Scope-OrgID", TENANT).GET().build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static java.util.function.Consumer<HttpResponse<String>> ok() {
    return response -> assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }
}
