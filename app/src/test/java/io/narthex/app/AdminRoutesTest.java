package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlift.compress.snappy.SnappyCompressor;
import io.narthex.ingester.FreePorts;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator routes of one all-in-one process: methods, what a caller sees, and the switch that removes them. */
class AdminRoutesTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private Narthex narthex;

  @AfterEach
  void close() {
    if (narthex != null) {
      narthex.close();
    }
  }

  private void start(String... extraFlags) throws Exception {
    List<String> flags = new ArrayList<>(List.of("--server.http-listen-port=0", "--server.grpc-listen-port=0",
        "--ingester.raft-listen-port=" + FreePorts.next(),
        "--blocks-storage.tsdb.dir=" + dir.resolve("tsdb"),
        "--blocks-storage.filesystem.dir=" + dir.resolve("bucket"),
        "--blocks-storage.bucket-store.sync-dir=" + dir.resolve("sync"),
        "--compactor.data-dir=" + dir.resolve("compactor")));
    flags.addAll(Arrays.asList(extraFlags));
    narthex = Narthex.start(NarthexOptions.parse(flags.toArray(String[]::new)));
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!narthex.ready() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(narthex.ready()).as("ready within 30 s").isTrue();
  }

  @Test
  void flushAnswersOnlyPost() throws Exception {
    start();

    assertThat(send("GET", "/ingester/flush", null).statusCode()).isEqualTo(405);
    assertThat(send("PUT", "/ingester/flush", null).statusCode()).isEqualTo(405);
    assertThat(send("POST", "/ingester/flush", null).statusCode()).isEqualTo(204);
  }

  @Test
  void shardsShowOnlyTheCallersOwnTenant() throws Exception {
    start();
    push("tenant-a", "up");
    push("tenant-b", "up");
    push("tenant-b", "down");

    JsonNode asA = JSON.readTree(send("GET", "/ingester/shards", "tenant-a").body());
    JsonNode anonymous = JSON.readTree(send("GET", "/ingester/shards", null).body());

    assertThat(asA.get("replicas")).isNotEmpty().allSatisfy(replica -> {
      assertThat(replica.path("leaderId").asText()).isNotEmpty();
      assertThat(replica.get("seriesPerTenant").properties()).extracting(java.util.Map.Entry::getKey)
          .containsExactly("tenant-a");
    });
    assertThat(asA.get("replicas").get(0).get("seriesPerTenant").get("tenant-a").asLong()).isEqualTo(1);
    assertThat(anonymous.get("replicas")).isNotEmpty()
        .allSatisfy(replica -> assertThat(replica.get("seriesPerTenant").isEmpty()).isTrue());
    assertThat(send("GET", "/ingester/shards", "bad|tenant").statusCode()).isEqualTo(401);
  }

  @Test
  void adminRoutesAreGoneWhenTurnedOff() throws Exception {
    start("--server.admin-routes-enabled=false");

    assertThat(send("POST", "/ingester/flush", null).statusCode()).isEqualTo(404);
    assertThat(send("GET", "/ingester/shards", "tenant-a").statusCode()).isEqualTo(404);
    assertThat(send("POST", "/compactor/delete_tenant", "tenant-a").statusCode()).isEqualTo(404);
    assertThat(send("GET", "/compactor/delete_tenant_status", "tenant-a").statusCode()).isEqualTo(404);
    assertThat(send("GET", "/compactor/ring", null).statusCode()).isEqualTo(404);
    assertThat(send("GET", "/store-gateway/ring", null).statusCode()).isEqualTo(404);
    assertThat(send("POST", "/prometheus/api/v1/admin/tsdb/delete_series?match[]=up", "tenant-a").statusCode())
        .isEqualTo(404);
    assertThat(send("GET", "/ready", null).statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> send(String method, String path, String tenant) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + narthex.httpPort() + path))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (tenant != null) {
      request.header("X-Scope-OrgID", tenant);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private void push(String tenant, String metric) throws Exception {
    byte[] raw = WriteRequest.newBuilder().addTimeseries(TimeSeries.newBuilder()
        .addLabels(Label.newBuilder().setName("__name__").setValue(metric))
        .addSamples(Sample.newBuilder().setTimestamp(System.currentTimeMillis()).setValue(1))).build().toByteArray();
    SnappyCompressor compressor = new SnappyCompressor();
    byte[] compressed = new byte[compressor.maxCompressedLength(raw.length)];
    int length = compressor.compress(raw, 0, raw.length, compressed, 0, compressed.length);
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + narthex.httpPort() + "/api/v1/push"))
        .header("X-Scope-OrgID", tenant).header("Content-Encoding", "snappy")
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(Arrays.copyOf(compressed, length))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

}
