package io.narthex.e2e;

import static io.narthex.e2e.RemoteWriteClient.series;
import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.app.Narthex;
import io.narthex.app.NarthexOptions;
import io.narthex.proto.prompb.MetricMetadata;
import io.narthex.proto.prompb.WriteRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Query limits answer with Prometheus's errors and leave the process serving; writes of only metadata succeed. */
class QueryLimitsTest {
  private static final long T0 = 1_700_000_000_000L;

  @TempDir
  Path dataDir;

  private Narthex start(String... flags) throws Exception {
    String[] all = new String[flags.length + 4];
    all[0] = "--server.http-listen-port=0";
    all[1] = "--server.grpc-listen-port=0";
    all[2] = "--blocks-storage.tsdb.dir=" + dataDir;
    all[3] = "--ingester.raft-listen-port=" + ExternalProcess.freePort();
    System.arraycopy(flags, 0, all, 4, flags.length);
    return Narthex.start(NarthexOptions.parse(all));
  }

  private static void load(Narthex narthex, int seriesCount, int samplesPerSeries) throws Exception {
    WriteRequest.Builder request = WriteRequest.newBuilder();
    for (int s = 0; s < seriesCount; s++) {
      long[] timestamps = new long[samplesPerSeries];
      double[] values = new double[samplesPerSeries];
      for (int i = 0; i < samplesPerSeries; i++) {
        timestamps[i] = T0 + i * 15_000L;
        values[i] = i;
      }
      request.addTimeseries(series(new String[] {"__name__", "load", "s", Integer.toString(s)}, timestamps, values));
    }
    assertThat(new RemoteWriteClient(narthex.httpPort()).push("t", request.build()).statusCode()).isEqualTo(200);
  }

  @Test
  void tooManySamplesIsAnExecutionErrorWithPrometheusText() throws Exception {
    try (Narthex narthex = start("--querier.max-samples=100")) {
      load(narthex, 10, 40);
      PromApi api = new PromApi("http://127.0.0.1:" + narthex.httpPort() + "/prometheus", "t");
      PromApi.Response response = api.get("/api/v1/query", "query", "sum_over_time(load[10m])",
          "time", Long.toString(T0 / 1000 + 600));
      assertThat(response.status()).isEqualTo(422);
      assertThat(response.body().get("errorType").asText()).isEqualTo("execution");
      assertThat(response.body().get("error").asText())
          .isEqualTo("query processing would load too many samples into memory in query execution");

      PromApi.Response small = api.get("/api/v1/query", "query", "load{s=\"1\"}", "time", Long.toString(T0 / 1000));
      assertThat(small.status()).isEqualTo(200);
    }
  }

  @Test
  void queryPastTheTimeoutIsATimeoutErrorWithPrometheusText() throws Exception {
    try (Narthex narthex = start("--querier.timeout=1ms")) {
      load(narthex, 200, 40);
      PromApi api = new PromApi("http://127.0.0.1:" + narthex.httpPort() + "/prometheus", "t");
      PromApi.Response response = api.get("/api/v1/query_range",
          "query", "sum by (s) (rate(load[5m])) / on(s) group_left() (count_over_time(load[10m]) > 0)",
          "start", Long.toString(T0 / 1000), "end", Long.toString(T0 / 1000 + 20_000), "step", "2");
      assertThat(response.status()).isEqualTo(503);
      assertThat(response.body().get("errorType").asText()).isEqualTo("timeout");
      // 1 ms may run out in any stage on a loaded machine; each answers with Prometheus's text for that stage.
      assertThat(response.body().get("error").asText())
          .matches("query timed out in (query parsing|expanding series|expression evaluation)");
    }
  }

  @Test
  void requestWithOnlyMetadataIsAccepted() throws Exception {
    try (Narthex narthex = start()) {
      WriteRequest metadataOnly = WriteRequest.newBuilder()
          .addMetadata(MetricMetadata.newBuilder()
              .setMetricFamilyName("http_requests_total")
              .setType(MetricMetadata.MetricType.COUNTER)
              .setHelp("Requests."))
          .build();
      assertThat(new RemoteWriteClient(narthex.httpPort()).push("t", metadataOnly).statusCode()).isEqualTo(200);
    }
  }
}
