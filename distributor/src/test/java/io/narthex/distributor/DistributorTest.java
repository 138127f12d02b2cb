package io.narthex.distributor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.narthex.ingester.Ingester;
import io.narthex.ingester.IngesterGrpcService;
import io.narthex.ingester.client.GrpcIngesterClient;
import io.narthex.ingester.client.IngesterClient;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.ChunkSeries;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The distributor over two real ingesters, each behind its own in-process gRPC server. */
class DistributorTest {
  private static final long NOW_MS = System.currentTimeMillis();
  private final List<Ingester> ingesters = new ArrayList<>();
  private final List<Server> servers = new ArrayList<>();
  private final List<IngesterClient> clients = new ArrayList<>();
  private Distributor distributor;

  @BeforeEach
  void startTwoShards() throws Exception {
    for (int i = 0; i < 2; i++) {
      String name = "distributor-test-" + i + "-" + System.nanoTime();
      Ingester ingester = new Ingester();
      ingesters.add(ingester);
      servers.add(InProcessServerBuilder.forName(name).addService(new IngesterGrpcService(ingester)).build().start());
      clients.add(new GrpcIngesterClient("shard-" + i, InProcessChannelBuilder.forName(name).build(),
          Duration.ofSeconds(5)));
    }
    distributor = new Distributor(clients, ValidationLimits.defaults());
  }

  @AfterEach
  void stop() {
    clients.forEach(IngesterClient::close);
    servers.forEach(Server::shutdownNow);
  }

  private static TimeSeries series(String id, long timestampMs, double value) {
    return TimeSeries.newBuilder()
        .addLabels(Label.newBuilder().setName("__name__").setValue("m"))
        .addLabels(Label.newBuilder().setName("id").setValue(id))
        .addSamples(Sample.newBuilder().setTimestamp(timestampMs).setValue(value))
        .build();
  }

  private List<String> idsOn(int shard, String tenant) {
    List<String> ids = new ArrayList<>();
    for (ChunkSeries s : ingesters.get(shard).select(tenant, 0, Long.MAX_VALUE, List.of(Matcher.equal("__name__", "m")))) {
      ids.add(s.labels().get("id"));
    }
    return ids;
  }

  @Test
  void shardsSeriesByHashAndStoresEachOnExactlyOneShard() {
    WriteRequest.Builder request = WriteRequest.newBuilder();
    for (int i = 0; i < 200; i++) {
      request.addTimeseries(series(Integer.toString(i), NOW_MS, i));
    }
    Distributor.PushResult result = distributor.push("t", request.build());

    assertThat(result.errors()).isEmpty();
    assertThat(result.acceptedSamples()).isEqualTo(200);
    List<String> first = idsOn(0, "t");
    List<String> second = idsOn(1, "t");
    assertThat(first).isNotEmpty().doesNotContainAnyElementsOf(second);
    assertThat(second).isNotEmpty();
    assertThat(first.size() + second.size()).isEqualTo(200);
  }

  @Test
  void rejectedSampleIsReportedWithItsOwnSeriesWhateverShardItLandedOn() {
    WriteRequest.Builder first = WriteRequest.newBuilder();
    for (int i = 0; i < 50; i++) {
      first.addTimeseries(series(Integer.toString(i), NOW_MS, i));
    }
    distributor.push("t", first.build());

    Distributor.PushResult result = distributor.push("t", WriteRequest.newBuilder()
        .addTimeseries(series("0", NOW_MS + 1000, 1))
        .addTimeseries(series("17", NOW_MS - 1000, 1))
        .addTimeseries(series("33", NOW_MS + 1000, 1))
        .build());

    assertThat(result.acceptedSamples()).isEqualTo(2);
    assertThat(result.errors()).singleElement().asString()
        .contains("err-narthex-sample-out-of-order").contains("m{id=\"17\"}");
  }

  @Test
  void sampleTooFarInTheFutureIsRejectedAndTheSeriesOtherSamplesKept() {
    TimeSeries mixed = series("f", NOW_MS, 1).toBuilder()
        .addSamples(Sample.newBuilder().setTimestamp(NOW_MS + Duration.ofHours(1).toMillis()).setValue(2))
        .build();
    Distributor.PushResult result = distributor.push("t", WriteRequest.newBuilder().addTimeseries(mixed).build());

    assertThat(result.acceptedSamples()).isEqualTo(1);
    assertThat(result.errors()).singleElement().asString().contains("err-narthex-too-far-in-future");
  }

  @Test
  void unavailableShardFailsThePushAsAServerFaultWhileTheOtherShardStores() {
    servers.get(1).shutdownNow();
    WriteRequest.Builder request = WriteRequest.newBuilder();
    for (int i = 0; i < 50; i++) {
      request.addTimeseries(series(Integer.toString(i), NOW_MS, i));
    }
    assertThatThrownBy(() -> distributor.push("t", request.build()))
        .isInstanceOf(Distributor.IngesterUnavailableException.class)
        .hasMessageContaining("shard-1");
    assertThat(idsOn(0, "t")).isNotEmpty();
  }
}
