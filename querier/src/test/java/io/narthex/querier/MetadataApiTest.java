package io.narthex.querier;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.narthex.common.Tenant;
import io.narthex.common.TenantResolver;
import io.narthex.ingester.client.GrpcIngesterClient;
import io.narthex.ingester.client.IngesterClient;
import io.narthex.promql.Engine;
import io.narthex.promql.EngineOptions;
import io.narthex.proto.ingester.FamilyMetadata;
import io.narthex.proto.ingester.IngesterGrpc;
import io.narthex.proto.ingester.MetricsMetadataRequest;
import io.narthex.proto.ingester.MetricsMetadataResponse;
import io.narthex.proto.ingester.ReplicaState;
import io.narthex.proto.prompb.MetricMetadata;
import io.narthex.proto.prompb.MetricMetadata.MetricType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /api/v1/metadata} over two ingester shards served by an in-process gRPC fake of the ingester: the shards'
 * answers merged, in Prometheus's shape and with its parameters.
 */
class MetadataApiTest {
  private static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  /** Per shard, the families the fake ingester holds for tenant team-a. */
  private static final Map<Integer, List<FamilyMetadata>> HELD = Map.of(
      0, List.of(family("up", entry(MetricType.GAUGE, "Target up.", "")),
          family("resharded_total", entry(MetricType.COUNTER, "Old help.", ""))),
      1, List.of(family("http_request_duration_seconds", entry(MetricType.HISTOGRAM, "Latency.", "seconds")),
          family("resharded_total", entry(MetricType.COUNTER, "Old help.", ""),
              entry(MetricType.COUNTER, "New help.", "")),
          family("info_metric", entry(MetricType.INFO, "", ""))));
  private static Server server;
  private static io.grpc.Server ingester;
  private static final List<IngesterClient> clients = new ArrayList<>();
  private static final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  private static MetricMetadata entry(MetricType type, String help, String unit) {
    return MetricMetadata.newBuilder().setType(type).setHelp(help).setUnit(unit).build();
  }

  private static FamilyMetadata family(String name, MetricMetadata... entries) {
    return FamilyMetadata.newBuilder().setMetricFamilyName(name).addAllMetadata(List.of(entries)).build();
  }

  /** Answers as an ingester leading every shard would, from {@link #HELD}. */
  private static final class FakeIngester extends IngesterGrpc.IngesterImplBase {
    @Override
    public void metricsMetadata(MetricsMetadataRequest request, StreamObserver<MetricsMetadataResponse> observer) {
      MetricsMetadataResponse.Builder response = MetricsMetadataResponse.newBuilder()
          .setReplica(ReplicaState.newBuilder().setNodeId("fake").setLeader(true));
      if (request.getTenant().equals("team-a")) {
        for (FamilyMetadata family : HELD.get(request.getShard())) {
          if (request.getMetric().isEmpty() || request.getMetric().equals(family.getMetricFamilyName())) {
            response.addFamilies(family);
          }
        }
      }
      observer.onNext(response.build());
      observer.onCompleted();
    }
  }

  @BeforeAll
  static void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    ingester = InProcessServerBuilder.forName(name).addService(new FakeIngester()).build().start();
    List<List<IngesterClient>> replicas = new ArrayList<>();
    for (int shard = 0; shard < 2; shard++) {
      ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
      IngesterClient replica = new GrpcIngesterClient("fake-" + shard, channel, Duration.ofSeconds(10));
      clients.add(replica);
      replicas.add(List.of(replica));
    }
    ShardReaders readers = new ShardReaders(replicas);
    ServerBuilder builder = Server.builder().http(0);
    new PrometheusApi(new Engine(EngineOptions.defaults()), (tenant, warnings) -> PrometheusApiTest.storage(
        matchers -> List.of()), TenantResolver.DEFAULT, "test")
        .withMetadataSource((tenant, warnings) -> new IngesterChunkSource(readers, tenant, executor, warnings))
        .bind(builder, "/prometheus");
    server = builder.build();
    server.start().join();
  }

  @AfterAll
  static void stop() {
    server.stop().join();
    clients.forEach(IngesterClient::close);
    ingester.shutdownNow();
    executor.close();
  }

  private static HttpResponse<String> get(String tenant, String query) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + server.activeLocalPort() + "/prometheus/api/v1/metadata" + query);
    return client.send(HttpRequest.newBuilder(uri).header(Tenant.HEADER, tenant).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void answersEveryFamilyOfTheTenantMergedOverTheShardsInPrometheusShape() throws Exception {
    HttpResponse<String> response = get("team-a", "");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"status\":\"success\",\"data\":{"
        + "\"http_request_duration_seconds\":[{\"type\":\"histogram\",\"help\":\"Latency.\",\"unit\":\"seconds\"}],"
        + "\"info_metric\":[{\"type\":\"info\",\"help\":\"\",\"unit\":\"\"}],"
        + "\"resharded_total\":[{\"type\":\"counter\",\"help\":\"Old help.\",\"unit\":\"\"},"
        + "{\"type\":\"counter\",\"help\":\"New help.\",\"unit\":\"\"}],"
        + "\"up\":[{\"type\":\"gauge\",\"help\":\"Target up.\",\"unit\":\"\"}]}}");
    assertThat(get("team-b", "").body()).isEqualTo("{\"status\":\"success\",\"data\":{}}");
  }

  @Test
  void appliesMetricLimitAndLimitPerMetricAsPrometheusDoes() throws Exception {
    assertThat(get("team-a", "?metric=up").body()).isEqualTo(
        "{\"status\":\"success\",\"data\":{\"up\":[{\"type\":\"gauge\",\"help\":\"Target up.\",\"unit\":\"\"}]}}");
    assertThat(get("team-a", "?metric=absent").body()).isEqualTo("{\"status\":\"success\",\"data\":{}}");
    assertThat(get("team-a", "?limit=1").body()).isEqualTo("{\"status\":\"success\",\"data\":{"
        + "\"http_request_duration_seconds\":[{\"type\":\"histogram\",\"help\":\"Latency.\",\"unit\":\"seconds\"}]}}");
    assertThat(get("team-a", "?limit=0").body()).isEqualTo("{\"status\":\"success\",\"data\":{}}");
    assertThat(get("team-a", "?limit=-1").body()).contains("\"up\"", "\"info_metric\"");
    assertThat(get("team-a", "?metric=resharded_total&limit_per_metric=1").body()).isEqualTo(
        "{\"status\":\"success\",\"data\":{\"resharded_total\":[{\"type\":\"counter\",\"help\":\"Old help.\","
            + "\"unit\":\"\"}]}}");
    assertThat(get("team-a", "?metric=resharded_total&limit_per_metric=0").body()).contains("New help.");
  }

  @Test
  void refusesALimitThatIsNotANumberWithPrometheusMessage() throws Exception {
    HttpResponse<String> limit = get("team-a", "?limit=some");
    HttpResponse<String> perMetric = get("team-a", "?limit_per_metric=few");

    assertThat(limit.statusCode()).isEqualTo(400);
    assertThat(limit.body()).isEqualTo(
        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"limit must be a number\"}");
    assertThat(perMetric.statusCode()).isEqualTo(400);
    assertThat(perMetric.body()).isEqualTo(
        "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"limit_per_metric must be a number\"}");
  }
}
