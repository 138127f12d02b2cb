package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlift.compress.snappy.SnappyCompressor;
import io.narthex.ingester.FreePorts;
import io.narthex.proto.prompb.Exemplar;
import io.narthex.proto.prompb.Histogram;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.MetricMetadata;
import io.narthex.proto.prompb.Sample;
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
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random and mutated remote-write bodies against a real process with three shards: every answer is a 2xx or a 4xx
 * (a client fault is never a 5xx), and afterwards every shard still takes and serves writes.
 *
 * <p>Bounded in CI. A longer run: {@code ./mvnw -pl app test -Dtest=PushFuzzTest -Dnarthex.fuzz.seed=7
 * -Dnarthex.fuzz.iterations=100000}; the seed of a failing case is in the assertion message.
 */
class PushFuzzTest {
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long SEED = Long.getLong("narthex.fuzz.seed", 20261206L);
  private static final int ITERATIONS = Integer.getInteger("narthex.fuzz.iterations", 1500);
  /** Client faults; 429 is a limit, which is the client's to respect. */
  private static final Set<Integer> CLIENT_ANSWERS = Set.of(200, 204, 400, 413, 429);

  @TempDir
  static Path dir;

  private static Narthex narthex;


  @BeforeAll
  static void start() throws Exception {
    int grpcPort = FreePorts.next();
    int raftPort = FreePorts.next();
    Path config = dir.resolve("narthex.yaml");
    Files.writeString(config, """
        ingester:
          ring:
            shard_count: 3
            nodes:
              - {id: ingester-1, grpc_address: 127.0.0.1:%d, raft_address: 127.0.0.1:%d}
        """.formatted(grpcPort, raftPort));
    narthex = Narthex.start(NarthexOptions.parse("--config.file=" + config, "--server.http-listen-port=0",
        "--server.grpc-listen-port=" + grpcPort, "--ingester.raft-listen-port=" + raftPort,
        "--blocks-storage.tsdb.dir=" + dir.resolve("tsdb"), "--blocks-storage.filesystem.dir=" + dir.resolve("bucket"),
        "--blocks-storage.bucket-store.sync-dir=" + dir.resolve("sync"),
        "--compactor.data-dir=" + dir.resolve("compactor"),
        "--distributor.ingestion-rate-limit=1e12", "--distributor.ingestion-burst-size=1000000000"));
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!narthex.ready() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(narthex.ready()).isTrue();
  }

  @AfterAll
  static void stop() {
    if (narthex != null) {
      narthex.close();
    }
  }

  private static HttpResponse<String> post(String tenant, byte[] body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + narthex.httpPort() + "/api/v1/push"))
            .timeout(Duration.ofSeconds(30))
            .header("X-Scope-OrgID", tenant).header("Content-Type", "application/x-protobuf")
            .header("Content-Encoding", "snappy")
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static byte[] snappy(byte[] raw) {
    SnappyCompressor compressor = new SnappyCompressor();
    byte[] compressed = new byte[compressor.maxCompressedLength(raw.length)];
    int n = compressor.compress(raw, 0, raw.length, compressed, 0, compressed.length);
    return Arrays.copyOf(compressed, n);
  }

  /** Strings a hostile sender might use: empty, long, non-ASCII, control characters, separators. */
  private static String randomString(Random random) {
    return switch (random.nextInt(8)) {
      case 0 -> "";
      case 1 -> "x".repeat(random.nextInt(3000));
      case 2 -> "é€😀".repeat(random.nextInt(400));
      case 3 -> "\u0000\u00ff\uffff";
      case 4 -> "a\u00ffb=\"c\",d";
      case 5 -> "__name__";
      case 6 -> Integer.toString(random.nextInt(50));
      default -> "job_" + random.nextInt(5);
    };
  }

  private static long randomTimestampMs(Random random, long nowMs) {
    return switch (random.nextInt(7)) {
      case 0 -> Long.MIN_VALUE;
      case 1 -> Long.MAX_VALUE;
      case 2 -> 0;
      case 3 -> -random.nextInt(1_000_000);
      case 4 -> nowMs - Duration.ofDays(random.nextInt(400)).toMillis();
      case 5 -> nowMs + random.nextInt(3_600_000);
      default -> nowMs - random.nextInt(60_000);
    };
  }

  private static double randomValue(Random random) {
    return switch (random.nextInt(5)) {
      case 0 -> Double.NaN;
      case 1 -> Double.longBitsToDouble(0x7ff0000000000002L); // Prometheus's staleness marker
      case 2 -> Double.POSITIVE_INFINITY;
      case 3 -> -Double.MAX_VALUE;
      default -> random.nextGaussian();
    };
  }

  private static TimeSeries randomSeries(Random random, long nowMs) {
    TimeSeries.Builder series = TimeSeries.newBuilder();
    int labels = random.nextInt(10) == 0 ? 25 + random.nextInt(20) : random.nextInt(6);
    boolean sorted = random.nextInt(4) != 0;
    TreeMap<String, String> pairs = new TreeMap<>();
    if (random.nextInt(10) != 0) {
      pairs.put("__name__", random.nextInt(3) == 0 ? randomString(random) : "fuzz_metric_" + random.nextInt(20));
    }
    for (int i = 0; i < labels; i++) {
      pairs.put(random.nextInt(3) == 0 ? randomString(random) : "l" + random.nextInt(40), randomString(random));
    }
    var entries = new java.util.ArrayList<>(pairs.entrySet());
    if (!sorted) {
      java.util.Collections.shuffle(entries, random);
    }
    for (Map.Entry<String, String> pair : entries) {
      series.addLabels(Label.newBuilder().setName(pair.getKey()).setValue(pair.getValue()));
      if (random.nextInt(30) == 0) {
        series.addLabels(Label.newBuilder().setName(pair.getKey()).setValue("duplicate"));
      }
    }
    int samples = random.nextInt(10) == 0 ? random.nextInt(2000) : random.nextInt(4);
    long timestampMs = randomTimestampMs(random, nowMs);
    for (int i = 0; i < samples; i++) {
      series.addSamples(Sample.newBuilder().setTimestamp(timestampMs).setValue(randomValue(random)));
      timestampMs = random.nextInt(10) == 0 ? randomTimestampMs(random, nowMs) : timestampMs + 15_000;
    }
    if (random.nextInt(8) == 0) {
      series.addExemplars(Exemplar.newBuilder()
          .addLabels(Label.newBuilder().setName(randomString(random)).setValue(randomString(random)))
          .setValue(randomValue(random)).setTimestamp(randomTimestampMs(random, nowMs)));
    }
    if (random.nextInt(15) == 0) {
      series.addHistograms(Histogram.newBuilder().setCountInt(random.nextInt(100)).setSum(randomValue(random))
          .setTimestamp(randomTimestampMs(random, nowMs)));
    }
    return series.build();
  }

  private static WriteRequest randomRequest(Random random, long nowMs) {
    WriteRequest.Builder request = WriteRequest.newBuilder();
    int series = random.nextInt(20) == 0 ? random.nextInt(500) : random.nextInt(10);
    for (int i = 0; i < series; i++) {
      request.addTimeseries(randomSeries(random, nowMs));
    }
    if (random.nextInt(5) == 0) {
      request.addMetadata(MetricMetadata.newBuilder().setMetricFamilyName(randomString(random))
          .setHelp(randomString(random)).setTypeValue(random.nextInt(12)));
    }
    return request.build();
  }

  /** A random body: a valid request, one with flipped, cut or invalid-UTF-8 bytes, or not snappy at all. */
  private static byte[] randomBody(Random random, long nowMs) {
    byte[] raw = randomRequest(random, nowMs).toByteArray();
    switch (random.nextInt(8)) {
      case 0 -> {
        for (int flips = 1 + random.nextInt(4); flips > 0 && raw.length > 0; flips--) {
          raw[random.nextInt(raw.length)] ^= (byte) (1 << random.nextInt(8));
        }
      }
      case 1 -> raw = Arrays.copyOf(raw, raw.length == 0 ? 0 : random.nextInt(raw.length));
      case 2 -> {
        for (int i = 0; i < raw.length; i++) {
          if (raw[i] == 'x' || raw[i] == 'j') {
            raw[i] = (byte) 0xff; // not UTF-8 anywhere in a string
          }
        }
      }
      case 3 -> {
        byte[] junk = new byte[random.nextInt(64)];
        random.nextBytes(junk);
        return junk; // not snappy
      }
      case 4 -> {
        byte[] compressed = snappy(raw);
        return Arrays.copyOf(compressed, compressed.length == 0 ? 0 : random.nextInt(compressed.length));
      }
      case 5 -> {
        // A snappy header claiming far more than follows.
        return new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x3f, 0x00, 0x01};
      }
      default -> { }
    }
    return snappy(raw);
  }

  @Test
  void randomAndMutatedPushesGetNoServerErrorAndEveryShardKeepsWorking() throws Exception {
    long nowMs = System.currentTimeMillis();
    Map<Integer, Integer> statuses = new TreeMap<>();
    for (int i = 0; i < ITERATIONS; i++) {
      long caseSeed = SEED + i;
      Random random = new Random(caseSeed);
      byte[] body = randomBody(random, nowMs);
      HttpResponse<String> response = post("fuzz-" + random.nextInt(3), body);
      statuses.merge(response.statusCode(), 1, Integer::sum);
      assertThat(CLIENT_ANSWERS).as("case seed %d (-Dnarthex.fuzz.seed=%d -Dnarthex.fuzz.iterations=1): %s",
          caseSeed, caseSeed, response.body()).contains(response.statusCode());
    }
    System.out.printf("push fuzz: seed %d, %d cases, statuses %s%n", SEED, ITERATIONS, statuses);

    // Every shard still applies writes: 60 series land on all three.
    WriteRequest.Builder valid = WriteRequest.newBuilder();
    long atMs = System.currentTimeMillis();
    for (int i = 0; i < 60; i++) {
      valid.addTimeseries(TimeSeries.newBuilder()
          .addLabels(Label.newBuilder().setName("__name__").setValue("after_fuzz"))
          .addLabels(Label.newBuilder().setName("id").setValue(Integer.toString(i)))
          .addSamples(Sample.newBuilder().setTimestamp(atMs).setValue(i)));
    }
    HttpResponse<String> after = post("fuzz-0", snappy(valid.build().toByteArray()));
    assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
    String query = "http://127.0.0.1:" + narthex.httpPort() + "/prometheus/api/v1/query?query="
        + URLEncoder.encode("count(after_fuzz)", StandardCharsets.UTF_8) + "&time=" + atMs / 1000.0;
    HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(query))
        .header("X-Scope-OrgID", "fuzz-0").build(), HttpResponse.BodyHandlers.ofString());
    JsonNode result = JSON.readTree(answer.body()).at("/data/result/0/value/1");
    assertThat(result.asText()).as(answer.body()).isEqualTo("60");
  }
}
