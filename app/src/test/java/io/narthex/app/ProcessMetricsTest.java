package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each Narthex process counts into its own metrics registry, so two processes in one JVM do not mix metrics. */
class ProcessMetricsTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir Path dir;

  @Test
  void twoProcessesInOneJvmEachExposeOnlyTheirOwnPushes() throws Exception {
    try (Narthex first = SingleProcess.start(dir.resolve("first"));
        Narthex second = SingleProcess.start(dir.resolve("second"))) {
      assertThat(push(first, "alpha", 3).statusCode()).isEqualTo(200);
      assertThat(push(second, "beta", 5).statusCode()).isEqualTo(200);

      for (String counter : List.of("narthex_distributor_received_samples_total",
          "narthex_ingester_ingested_samples_total")) {
        assertThat(samples(first, counter)).containsExactly(counter + "{user=\"alpha\"} 3.0");
        assertThat(samples(second, counter)).containsExactly(counter + "{user=\"beta\"} 5.0");
      }
      assertThat(scrape(first)).as("JVM metrics in every process's registry").contains("jvm_threads_current");
      assertThat(PrometheusRegistry.defaultRegistry.scrape().stream().map(m -> m.getMetadata().getName()))
          .as("nothing of Narthex's in the JVM-wide default registry").noneMatch(name -> name.startsWith("narthex_"));
    }
  }

  private static List<String> samples(Narthex narthex, String counter) throws Exception {
    return scrape(narthex).lines().filter(line -> line.startsWith(counter + "{")).toList();
  }

  private static String scrape(Narthex narthex) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + narthex.httpPort() + "/metrics"))
        .build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  /** Pushes one sample in each of {@code series} series of tenant {@code tenant}. */
  private static HttpResponse<String> push(Narthex narthex, String tenant, int series) throws Exception {
    WriteRequest.Builder request = WriteRequest.newBuilder();
    for (int i = 0; i < series; i++) {
      request.addTimeseries(TimeSeries.newBuilder()
          .addLabels(Label.newBuilder().setName("__name__").setValue("pushed"))
          .addLabels(Label.newBuilder().setName("series").setValue(Integer.toString(i)))
          .addSamples(Sample.newBuilder().setTimestamp(System.currentTimeMillis()).setValue(i)));
    }
    return RemoteWrite.push(narthex, tenant, request.build());
  }
}
