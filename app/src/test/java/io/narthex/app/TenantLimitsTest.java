package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.distributor.TenantLimits;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-tenant write limits from the flags and the runtime config file, which applies while running. */
class TenantLimitsTest {

  @TempDir Path dir;
  private Narthex narthex;

  @AfterEach
  void close() {
    if (narthex != null) {
      narthex.close();
    }
  }


  private HttpResponse<String> push(String tenant, String metric, int series) throws Exception {
    WriteRequest.Builder request = WriteRequest.newBuilder();
    for (int i = 0; i < series; i++) {
      request.addTimeseries(TimeSeries.newBuilder()
          .addLabels(Label.newBuilder().setName("__name__").setValue(metric))
          .addLabels(Label.newBuilder().setName("id").setValue(Integer.toString(i)))
          .addSamples(Sample.newBuilder().setTimestamp(System.currentTimeMillis()).setValue(i)));
    }
    return RemoteWrite.push(narthex, tenant, request.build());
  }

  @Test
  void runtimeConfigChangeOfTheIngestionRateAppliesWithoutARestart() throws Exception {
    Path runtime = dir.resolve("runtime.yaml");
    Files.writeString(runtime, "overrides:\n  slow:\n    ingestion_rate: 0.001\n    ingestion_burst_size: 4\n");
    narthex = SingleProcess.start(dir, "--runtime-config.file=" + runtime, "--runtime-config.reload-period=100ms");

    assertThat(push("slow", "m", 3).statusCode()).isEqualTo(200);
    HttpResponse<String> refused = push("slow", "m", 3);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
    assertThat(refused.body()).contains("err-narthex-tenant-max-ingestion-rate")
        .contains("-distributor.ingestion-rate-limit").contains("maximum allowed burst of 4");
    assertThat(push("other", "m", 5).statusCode()).as("the flags' defaults for other tenants").isEqualTo(200);

    Files.writeString(runtime, "overrides:\n  slow:\n    ingestion_rate: 1000000\n    ingestion_burst_size: 4\n");
    int status = 0;
    for (long until = System.nanoTime() + 30_000_000_000L; status != 200 && System.nanoTime() < until; ) {
      Thread.sleep(50);
      status = push("slow", "m", 3).statusCode();
    }
    assertThat(status).as("accepted once the new rate is read").isEqualTo(200);
  }

  @Test
  void overridesApplyOverTheFlagsPerTenantAndBadValuesAreRefused() throws Exception {
    Path file = dir.resolve("runtime.yaml");
    Files.writeString(file, """
        overrides:
          big:
            ingestion_rate: 50000.5
            max_global_series_per_user: 1000000
          small:
            ingestion_burst_size: 10
            max_global_series_per_metric: 7
        """);
    TenantLimits defaults = TenantLimits.defaults();
    try (RuntimeConfig config = new RuntimeConfig(file, Duration.ofHours(1))) {
      assertThat(config.tenantLimits("other", defaults)).isEqualTo(defaults);
      assertThat(config.tenantLimits("big", defaults))
          .isEqualTo(new TenantLimits(50000.5, 200_000, 1_000_000, 0));
      assertThat(config.tenantLimits("small", defaults)).isEqualTo(new TenantLimits(10_000, 10, 150_000, 7));
    }

    Files.writeString(file, "overrides:\n  t:\n    ingestion_burst_size: -1\n");
    assertThatThrownBy(() -> new RuntimeConfig(file, Duration.ofHours(1)))
        .hasMessageContaining("overrides.t.ingestion_burst_size must be a whole number");
  }

  @Test
  void queryFetchLimitsAreOverriddenPerTenantAndBadValuesAreRefused() throws Exception {
    Path file = dir.resolve("runtime.yaml");
    Files.writeString(file, """
        overrides:
          big:
            max_fetched_series_per_query: 0
            max_fetched_chunk_bytes_per_query: 5000000000
          small:
            max_fetched_series_per_query: 10
        """);
    io.narthex.querier.FetchLimits defaults = new io.narthex.querier.FetchLimits(100, 2_000_000, 0);
    try (RuntimeConfig config = new RuntimeConfig(file, Duration.ofHours(1))) {
      assertThat(config.fetchLimits("other", defaults)).isEqualTo(defaults);
      assertThat(config.fetchLimits("big", defaults))
          .isEqualTo(new io.narthex.querier.FetchLimits(0, 2_000_000, 5_000_000_000L));
      assertThat(config.fetchLimits("small", defaults))
          .isEqualTo(new io.narthex.querier.FetchLimits(10, 2_000_000, 0));
    }

    Files.writeString(file, "overrides:\n  t:\n    max_fetched_chunks_per_query: lots\n");
    assertThatThrownBy(() -> new RuntimeConfig(file, Duration.ofHours(1)))
        .hasMessageContaining("overrides.t.max_fetched_chunks_per_query must be a whole number");
  }
}
