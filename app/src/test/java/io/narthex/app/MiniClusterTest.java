package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three ingesters at replication factor 3, a distributor and a querier, each its own {@link Narthex} in this JVM:
 * writes go through the distributor's quorum, reads through the querier, and an ingester stopped and restarted
 * catches up without losing an acknowledged sample.
 */
class MiniClusterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TENANT = "mini";

  @TempDir
  static Path dir;

  private static MiniCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniCluster.start(dir, 3);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static WriteRequest samples(String metric, int series, long timestampMs, double value) {
    WriteRequest.Builder request = WriteRequest.newBuilder();
    for (int i = 0; i < series; i++) {
      request.addTimeseries(TimeSeries.newBuilder()
          .addLabels(Label.newBuilder().setName("__name__").setValue(metric))
          .addLabels(Label.newBuilder().setName("id").setValue(Integer.toString(i)))
          .addSamples(Sample.newBuilder().setTimestamp(timestampMs).setValue(value)));
    }
    return request.build();
  }

  /** The querier's {@code sum(metric)} and {@code count(metric)} at {@code timeMs}, as "sum/count". */
  private static String sumAndCount(String metric, long timeMs) throws Exception {
    String time = String.valueOf(timeMs / 1000.0);
    String sum = value(cluster.get(cluster.querier(), TENANT,
        "/prometheus/api/v1/query?query=sum(" + metric + ")&time=" + time));
    String count = value(cluster.get(cluster.querier(), TENANT,
        "/prometheus/api/v1/query?query=count(" + metric + ")&time=" + time));
    return sum + "/" + count;
  }

  private static String value(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode result = JSON.readTree(response.body()).path("data").path("result");
    return result.isEmpty() ? "none" : result.path(0).path("value").path(1).asText();
  }

  private static java.util.Map<Integer, Long> appliedIndexPerShard(int ingester) throws Exception {
    JsonNode shards = JSON.readTree(cluster.get(cluster.ingester(ingester), TENANT, "/ingester/shards").body());
    java.util.Map<Integer, Long> applied = new java.util.TreeMap<>();
    for (JsonNode replica : shards.path("replicas")) {
      applied.put(replica.path("shard").asInt(), replica.path("appliedIndex").asLong());
    }
    return applied;
  }

  @Test
  void writesThroughTheDistributorAreReadThroughTheQuerierAcrossAllShards() throws Exception {
    long nowMs = System.currentTimeMillis();
    HttpResponse<String> pushed = cluster.push(TENANT, samples("mini_spread", 60, nowMs, 2));
    assertThat(pushed.statusCode()).as(pushed.body()).isEqualTo(200);
    assertThat(sumAndCount("mini_spread", nowMs)).isEqualTo("120/60");
    // 60 series hash onto every one of the three shards.
    for (int i = 0; i < 3; i++) {
      JsonNode shards = JSON.readTree(cluster.get(cluster.ingester(i), TENANT, "/ingester/shards").body());
      assertThat(shards.path("replicas")).hasSize(3);
    }
  }

  @Test
  void aStoppedIngesterLosesNoQuorumAndCatchesUpAfterItsRestart() throws Exception {
    long firstMs = System.currentTimeMillis();
    assertThat(cluster.push(TENANT, samples("mini_restart", 30, firstMs, 1)).statusCode()).isEqualTo(200);

    cluster.stopIngester(2);
    long secondMs = firstMs + 1_000;
    // Two replicas of three are a quorum: writes are acknowledged and reads answer while one is down.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
        cluster.push(TENANT, samples("mini_restart", 30, secondMs, 3)).statusCode()).isEqualTo(200));
    assertThat(sumAndCount("mini_restart", secondMs)).isEqualTo("90/30");

    java.util.Map<Integer, Long> committedWhileDown = appliedIndexPerShard(0);

    cluster.startIngester(2);
    cluster.await(cluster.ingester(2));
    assertThat(cluster.ingester(2).ready()).isTrue();
    // The restarted replica applies everything committed while it was down, on every shard it holds.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      java.util.Map<Integer, Long> applied = appliedIndexPerShard(2);
      committedWhileDown.forEach((shard, index) -> assertThat(applied.get(shard)).as("shard " + shard)
          .isGreaterThanOrEqualTo(index));
    });
    assertThat(sumAndCount("mini_restart", secondMs)).isEqualTo("90/30");
  }
}
