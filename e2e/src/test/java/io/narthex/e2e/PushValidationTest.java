package io.narthex.e2e;

import static io.narthex.e2e.RemoteWriteClient.series;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.app.Narthex;
import io.narthex.app.NarthexOptions;
import io.narthex.proto.prompb.MetricMetadata;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad remote-write input against the real HTTP endpoint: each case gets the right status and a message naming the
 * fault, and the valid series of the same request are stored. Also: one tenant never sees another's data.
 */
class PushValidationTest {
  private static final int MAX_RECV_MSG_SIZE = 64 * 1024;
  private static final long T0 = 1_700_000_000_000L;

  @TempDir
  static Path dataDir;

  private static Narthex narthex;
  private static RemoteWriteClient writer;

  @BeforeAll
  static void start() throws Exception {
    narthex = Narthex.start(NarthexOptions.parse(
        "--server.http-listen-port=0",
        "--server.grpc-listen-port=0",
        "--ingester.raft-listen-port=" + ExternalProcess.freePort(),
        "--distributor.max-recv-msg-size=" + MAX_RECV_MSG_SIZE,
        "--blocks-storage.tsdb.dir=" + dataDir));
    writer = new RemoteWriteClient(narthex.httpPort());
  }

  @AfterAll
  static void stop() {
    narthex.close();
  }

  private static PromApi api(String tenant) {
    return new PromApi("http://127.0.0.1:" + narthex.httpPort() + "/prometheus", tenant);
  }

  private static TimeSeries valid(String name, long timestampMs, double value) {
    return series(new String[] {"__name__", name, "job", "test"}, new long[] {timestampMs}, new double[] {value});
  }

  /** Values of {@code metric} at time t for a tenant, as "labels=value" strings. */
  private static List<String> instant(String tenant, String query, long timeMs) {
    JsonNode data = api(tenant).data("/api/v1/query", "query", query, "time", Double.toString(timeMs / 1000.0));
    List<String> out = new ArrayList<>();
    for (JsonNode sample : data.get("result")) {
      out.add(sample.get("metric").toString() + "=" + sample.get("value").get(1).asText());
    }
    return out;
  }

  @Test
  void malformedSnappyIsRejectedWith400() throws Exception {
    HttpResponse<String> response = writer.post("t1", new byte[] {(byte) 0xff, (byte) 0xff, 1, 2, 3});
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("not valid snappy");
  }

  @Test
  void malformedProtobufIsRejectedWith400() throws Exception {
    HttpResponse<String> response = writer.post("t1", RemoteWriteClient.snappy(new byte[] {0x0a, 0x7f, 0x01}));
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("not a valid protobuf WriteRequest");
  }

  @Test
  void missingTenantIsRejectedWith401() throws Exception {
    HttpResponse<String> response = writer.push(null, WriteRequest.newBuilder().addTimeseries(valid("m", T0, 1)).build());
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).contains("no org id");
  }

  @Test
  void bodyOverTheSizeLimitIsRejectedWith413() throws Exception {
    byte[] random = new byte[MAX_RECV_MSG_SIZE + 1];
    new java.util.Random(1).nextBytes(random);
    HttpResponse<String> response = writer.post("t1", random);
    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.body())
        .contains("err-narthex-distributor-max-write-message-size")
        .contains("-distributor.max-recv-msg-size");
  }

  @Test
  void invalidSeriesAreRejectedWhileValidOnesInTheSameRequestAreStored() throws Exception {
    WriteRequest request = WriteRequest.newBuilder()
        .addTimeseries(series(new String[] {"__name__", "unsorted", "zone", "a", "job", "x"}, new long[] {T0},
            new double[] {1}))
        .addTimeseries(series(new String[] {"__name__", "dup", "job", "x", "job", "y"}, new long[] {T0},
            new double[] {1}))
        .addTimeseries(series(new String[] {"__name__", "bad-name", "job", "x"}, new long[] {T0}, new double[] {1}))
        .addTimeseries(series(new String[] {"__name__", "bad_label", "1abc", "x"}, new long[] {T0}, new double[] {1}))
        .addTimeseries(series(new String[] {"job", "nameless"}, new long[] {T0}, new double[] {1}))
        .addTimeseries(series(new String[] {"__name__", "kept_total", "empty", "", "job", "x"}, new long[] {T0},
            new double[] {42}))
        .addMetadata(MetricMetadata.newBuilder().setMetricFamilyName("kept_total").setType(MetricMetadata.MetricType.COUNTER))
        .build();
    HttpResponse<String> response = writer.push("validation", request);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .contains("err-narthex-labels-not-sorted").contains("unsorted{")
        .contains("err-narthex-duplicate-label-names").contains("dup{")
        .contains("err-narthex-metric-name-invalid").contains("'bad-name'")
        .contains("err-narthex-label-invalid").contains("'1abc'")
        .contains("err-narthex-missing-metric-name");
    assertThat(instant("validation", "kept_total", T0))
        .containsExactly("{\"__name__\":\"kept_total\",\"job\":\"x\"}=42");
    assertThat(instant("validation", "{__name__=~\"unsorted|dup|bad_label\"}", T0)).isEmpty();
  }

  @Test
  void tooManyLabelsAndTooLongValuesAreRejected() throws Exception {
    String[] many = new String[2 * 31];
    many[0] = "__name__";
    many[1] = "wide";
    for (int i = 1; i < 31; i++) {
      many[2 * i] = String.format("l%02d", i);
      many[2 * i + 1] = "v";
    }
    WriteRequest request = WriteRequest.newBuilder()
        .addTimeseries(series(many, new long[] {T0}, new double[] {1}))
        .addTimeseries(series(new String[] {"__name__", "long_value", "a", "x".repeat(2049)}, new long[] {T0},
            new double[] {1}))
        .build();
    HttpResponse<String> response = writer.push("limits", request);
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .contains("err-narthex-max-label-names-per-series").contains("actual: 31, limit: 30")
        .contains("err-narthex-label-value-too-long");
  }

  @Test
  void outOfOrderAndDuplicateSamplesAreRejectedAndTheRestStored() throws Exception {
    assertThat(writer.push("ooo", WriteRequest.newBuilder()
        .addTimeseries(valid("ooo_metric", T0 + 10_000, 1))
        .addTimeseries(valid("dup_metric", T0 + 10_000, 1))
        .build()).statusCode()).isEqualTo(200);

    HttpResponse<String> response = writer.push("ooo", WriteRequest.newBuilder()
        .addTimeseries(series(new String[] {"__name__", "ooo_metric", "job", "test"},
            new long[] {T0 + 5_000, T0 + 20_000}, new double[] {5, 20}))
        .addTimeseries(valid("dup_metric", T0 + 10_000, 2))
        .addTimeseries(valid("fresh_metric", T0 + 10_000, 7))
        .build());

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .contains("err-narthex-sample-out-of-order").contains("ooo_metric{job=\"test\"}")
        .contains("err-narthex-sample-duplicate-timestamp").contains("dup_metric{job=\"test\"}");
    assertThat(instant("ooo", "ooo_metric", T0 + 20_000)).containsExactly(
        "{\"__name__\":\"ooo_metric\",\"job\":\"test\"}=20");
    assertThat(instant("ooo", "dup_metric", T0 + 10_000)).containsExactly(
        "{\"__name__\":\"dup_metric\",\"job\":\"test\"}=1");
    assertThat(instant("ooo", "fresh_metric", T0 + 10_000)).containsExactly(
        "{\"__name__\":\"fresh_metric\",\"job\":\"test\"}=7");
  }

  @Test
  void sameTimestampAndValueIsAcceptedAsANoop() throws Exception {
    WriteRequest request = WriteRequest.newBuilder().addTimeseries(valid("idempotent", T0, 3)).build();
    assertThat(writer.push("noop", request).statusCode()).isEqualTo(200);
    assertThat(writer.push("noop", request).statusCode()).isEqualTo(200);
    JsonNode data = api("noop").data("/api/v1/query", "query", "count_over_time(idempotent[1m])",
        "time", Double.toString(T0 / 1000.0));
    assertThat(data.get("result").get(0).get("value").get(1).asText()).isEqualTo("1");
  }

  @Test
  void oneTenantNeverSeesAnothersSeriesOnAnyReadEndpoint() throws Exception {
    for (String tenant : new String[] {"tenant-a", "tenant-b"}) {
      assertThat(writer.push(tenant, WriteRequest.newBuilder()
          .addTimeseries(series(new String[] {"__name__", "shared_name", "owner", tenant}, new long[] {T0},
              new double[] {1}))
          .addTimeseries(series(new String[] {"__name__", "only_" + tenant.replace('-', '_'), "owner", tenant},
              new long[] {T0}, new double[] {1}))
          .build()).statusCode()).isEqualTo(200);
    }
    String time = Double.toString(T0 / 1000.0);
    String start = Double.toString((T0 - 60_000) / 1000.0);

    for (String tenant : new String[] {"tenant-a", "tenant-b"}) {
      String other = tenant.equals("tenant-a") ? "tenant-b" : "tenant-a";
      PromApi api = api(tenant);
      assertThat(api.data("/api/v1/query", "query", "shared_name", "time", time).get("result"))
          .extracting(s -> s.get("metric").get("owner").asText()).containsExactly(tenant);
      assertThat(api.data("/api/v1/query_range", "query", "{owner=~\".+\"}", "start", start, "end", time, "step", "15")
          .get("result")).extracting(s -> s.get("metric").get("owner").asText()).containsOnly(tenant).hasSize(2);
      assertThat(api.data("/api/v1/series", "match[]", "{owner=~\".+\"}"))
          .extracting(s -> s.get("owner").asText()).containsOnly(tenant).hasSize(2);
      assertThat(textValues(api.data("/api/v1/label/owner/values"))).containsExactly(tenant);
      assertThat(textValues(api.data("/api/v1/label/__name__/values")))
          .contains("only_" + tenant.replace('-', '_')).doesNotContain("only_" + other.replace('-', '_'));
      assertThat(textValues(api.data("/api/v1/labels", "match[]", "only_" + other.replace('-', '_')))).isEmpty();
    }
  }

  @Test
  void readsWithoutTenantAreRejectedWith401() {
    PromApi.Response response = api(null).get("/api/v1/query", "query", "up");
    assertThat(response.status()).isEqualTo(401);
    assertThat(response.raw()).contains("no org id");
  }

  @Test
  void badQueriesGetPrometheusBadDataWithThePosition() {
    PromApi.Response response = api("t1").get("/api/v1/query", "query", "sum(rate(up[5m])", "time", "100");
    assertThat(response.status()).isEqualTo(400);
    assertThat(response.body().get("errorType").asText()).isEqualTo("bad_data");
    assertThat(response.body().get("error").asText()).startsWith("invalid parameter \"query\": 1:");

    PromApi.Response range = api("t1").get("/api/v1/query_range", "query", "up", "start", "100", "end", "50",
        "step", "10");
    assertThat(range.status()).isEqualTo(400);
    assertThat(range.body().get("error").asText()).isEqualTo("end timestamp must not be before start time");

    PromApi.Response step = api("t1").get("/api/v1/query_range", "query", "up", "start", "0", "end", "100000",
        "step", "1");
    assertThat(step.status()).isEqualTo(400);
    assertThat(step.body().get("error").asText()).contains("exceeded maximum resolution of 11,000 points");
  }

  private static List<String> textValues(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(node -> out.add(node.asText()));
    return out;
  }
}
