package io.narthex.ingester;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.narthex.ingester.client.GrpcIngesterClient;
import io.narthex.proto.ingester.FamilyMetadata;
import io.narthex.proto.ingester.MetricsMetadataRequest;
import io.narthex.proto.ingester.PushRequest;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.ReplicaState;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.MetricMetadata;
import io.narthex.proto.prompb.MetricMetadata.MetricType;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A shard's metric metadata: applied from push entries, bounded, forgotten by the log's clock, snapshotted. */
class ShardMetadataTest {
  private static final long T0_MS = 1_700_000_000_000L;
  private static final String TENANT = "team-a";

  private static MetricMetadata metadata(String family, MetricType type, String help) {
    return MetricMetadata.newBuilder().setMetricFamilyName(family).setType(type).setHelp(help).build();
  }

  private static PushResponse push(ShardHeads shard, String tenant, long receivedMs, List<MetricMetadata> entries,
      TimeSeries... series) {
    PushRequest.Builder request = PushRequest.newBuilder().setTenant(tenant).addAllMetadata(entries)
        .setMetadataReceivedMs(receivedMs);
    for (TimeSeries s : series) {
      request.addTimeseries(s);
    }
    byte[] bytes = request.build().toByteArray();
    return shard.pushEncoded(bytes, 0, bytes.length);
  }

  private static TimeSeries upSample(long timestampMs) {
    return TimeSeries.newBuilder().addLabels(Label.newBuilder().setName("__name__").setValue("up"))
        .addSamples(Sample.newBuilder().setTimestamp(timestampMs).setValue(1)).build();
  }

  private static ShardMetadata.Entry entry(MetricType type, String help) {
    return new ShardMetadata.Entry(type.getNumber(), help, "");
  }

  private final IngesterMetrics metrics = IngesterMetrics.unscraped();

  private double discarded(String tenant, String reason) {
    return metrics.discardedMetadata.labelValues(tenant, reason).get();
  }

  @Test
  void keepsEachFamilysDistinctMetadataInTheOrderFirstSeenPerTenant() {
    ShardHeads shard = new ShardHeads();
    push(shard, TENANT, T0_MS, List.of(metadata("up", MetricType.GAUGE, "Target up."),
        metadata("http_requests_total", MetricType.COUNTER, "Requests.")));
    push(shard, TENANT, T0_MS + 60_000, List.of(metadata("up", MetricType.GAUGE, "Whether the target is up."),
        metadata("up", MetricType.GAUGE, "Target up.")));
    push(shard, "team-b", T0_MS, List.of(metadata("other", MetricType.SUMMARY, "")));

    assertThat(shard.metadata(TENANT, "")).containsExactly(
        new ShardMetadata.Family("http_requests_total", List.of(entry(MetricType.COUNTER, "Requests."))),
        new ShardMetadata.Family("up", List.of(entry(MetricType.GAUGE, "Target up."),
            entry(MetricType.GAUGE, "Whether the target is up."))));
    assertThat(shard.metadata(TENANT, "up")).extracting(ShardMetadata.Family::name).containsExactly("up");
    assertThat(shard.metadata(TENANT, "other")).isEmpty();
    assertThat(shard.metadata("team-b", "")).extracting(ShardMetadata.Family::name).containsExactly("other");
  }

  @Test
  void aPushOfMetadataOnlyCreatesNoHeadForItsTenant() {
    ShardHeads shard = new ShardHeads();

    PushResponse response = push(shard, TENANT, T0_MS, List.of(metadata("up", MetricType.GAUGE, "Target up.")));

    assertThat(response.getInvalidRequest()).isEmpty();
    assertThat(shard.tenants()).isEmpty();
    assertThat(shard.metadata(TENANT, "")).extracting(ShardMetadata.Family::name).containsExactly("up");
  }

  @Test
  void refusesMetadataOverTheLimitsAndInvalidEntriesWithoutRefusingTheEntrysSamples() {
    ShardHeads shard = new ShardHeads(0, null, new MetadataLimits(2, 2, Duration.ofMinutes(10)), metrics);
    String tenant = "limits-tenant";
    PushResponse response = push(shard, tenant, T0_MS, List.of(
        metadata("a", MetricType.GAUGE, "1"), metadata("a", MetricType.GAUGE, "2"),
        metadata("a", MetricType.GAUGE, "3"), // per metric: a third distinct entry of a
        metadata("b", MetricType.GAUGE, ""),
        metadata("c", MetricType.GAUGE, ""), // per user: a third family
        metadata("", MetricType.GAUGE, "no name"),
        metadata("u".repeat(1025), MetricType.GAUGE, "")), upSample(T0_MS));

    assertThat(response.getAcceptedSamples()).isEqualTo(1);
    assertThat(response.getInvalidRequest()).isEmpty();
    assertThat(shard.metadata(tenant, "")).extracting(ShardMetadata.Family::name).containsExactly("a", "b");
    assertThat(shard.metadata(tenant, "a").getFirst().entries()).extracting(ShardMetadata.Entry::help)
        .containsExactly("1", "2");
    assertThat(discarded(tenant, "per_metric_metadata_limit")).isEqualTo(1);
    assertThat(discarded(tenant, "per_user_metadata_limit")).isEqualTo(1);
    assertThat(discarded(tenant, "metadata_missing_metric_name")).isEqualTo(1);
    assertThat(discarded(tenant, "metadata_too_long")).isEqualTo(1);
    // An entry it holds is refreshed at its limits, not refused.
    push(shard, tenant, T0_MS + 1, List.of(metadata("a", MetricType.GAUGE, "2")));
    assertThat(discarded(tenant, "per_metric_metadata_limit")).isEqualTo(1);
  }

  @Test
  void eachShardKeepsItsShareOfThePerUserLimitRoundedUpAndThePerMetricLimitWhole() {
    MetadataLimits global = new MetadataLimits(10, 3, Duration.ofMinutes(10));

    assertThat(global.forShards(4)).isEqualTo(new MetadataLimits(3, 3, Duration.ofMinutes(10)));
    assertThat(global.forShards(1)).isEqualTo(global);
    assertThat(MetadataLimits.DEFAULT.forShards(4)).isEqualTo(MetadataLimits.DEFAULT);
  }

  @Test
  void servesATenantsMetadataOverTheIngesterGrpcCallWithPrometheusTypes() throws Exception {
    ShardHeads shard = new ShardHeads();
    push(shard, TENANT, T0_MS, List.of(metadata("up", MetricType.GAUGE, "Target up."),
        MetricMetadata.newBuilder().setMetricFamilyName("bytes_total").setType(MetricType.COUNTER).setUnit("bytes")
            .build()));
    ShardReplicas replicas = new ShardReplicas() {
      @Override
      public ShardHeads heads(int s) {
        return s == 3 ? shard : null;
      }

      @Override
      public ReplicaState replicaState(int s) {
        return ReplicaState.newBuilder().setNodeId("n0").setLeader(true).build();
      }
    };
    String name = InProcessServerBuilder.generateName();
    io.grpc.Server server = InProcessServerBuilder.forName(name)
        .addService(new IngesterGrpcService(replicas)).build().start();
    try (var client = new GrpcIngesterClient("in-process",
        InProcessChannelBuilder.forName(name).build(), Duration.ofSeconds(10))) {
      var response = client.metricsMetadata(MetricsMetadataRequest.newBuilder()
          .setTenant(TENANT).setShard(3).build());

      assertThat(response.getReplica().getLeader()).isTrue();
      assertThat(response.getFamiliesList()).extracting(FamilyMetadata::getMetricFamilyName)
          .containsExactly("bytes_total", "up");
      assertThat(response.getFamilies(0).getMetadata(0)).isEqualTo(MetricMetadata.newBuilder()
          .setMetricFamilyName("bytes_total").setType(MetricType.COUNTER).setUnit("bytes").build());
      assertThat(client.metricsMetadata(MetricsMetadataRequest.newBuilder()
          .setTenant(TENANT).setShard(3).setMetric("up").build()).getFamiliesCount()).isEqualTo(1);
      assertThat(catchThrowable(() -> client.metricsMetadata(
          MetricsMetadataRequest.newBuilder().setTenant(TENANT).setShard(0).build())))
          .hasMessageContaining("NOT_FOUND");
    } finally {
      server.shutdownNow();
    }
  }

  @Test
  void cutsHelpAt1024CharactersNeverInsideASurrogatePair() {
    ShardHeads shard = new ShardHeads();
    String help = "h".repeat(1023) + "\uD83D\uDE00" + "tail";
    push(shard, TENANT, T0_MS, List.of(metadata("long_help", MetricType.GAUGE, help)));

    assertThat(shard.metadata(TENANT, "").getFirst().entries().getFirst().help()).isEqualTo("h".repeat(1023));
  }

  @Test
  void forgetsMetadataNotSentAgainWithinTheRetainPeriodOnTheClockTheEntriesCarry() {
    ShardHeads shard = new ShardHeads(0, null, new MetadataLimits(0, 0, Duration.ofMinutes(10)));
    push(shard, TENANT, T0_MS, List.of(metadata("stale", MetricType.GAUGE, ""),
        metadata("fresh", MetricType.GAUGE, "old help")));
    push(shard, TENANT, T0_MS + 6 * 60_000, List.of(metadata("fresh", MetricType.GAUGE, "old help")));
    push(shard, TENANT, T0_MS + 11 * 60_000, List.of(metadata("fresh", MetricType.GAUGE, "new help")));

    assertThat(shard.metadata(TENANT, "")).containsExactly(new ShardMetadata.Family("fresh",
        List.of(entry(MetricType.GAUGE, "old help"), entry(MetricType.GAUGE, "new help"))));
    // A TruncateHead forgets what was last sent before its time.
    shard.truncate(TENANT, T0_MS + 7 * 60_000);
    assertThat(shard.metadata(TENANT, "")).containsExactly(
        new ShardMetadata.Family("fresh", List.of(entry(MetricType.GAUGE, "new help"))));
  }

  @Test
  void snapshotKeepsMetadataWithItsClockAndAVersionFourSnapshotReadsWithoutMetadata() throws Exception {
    MetadataLimits limits = new MetadataLimits(0, 0, Duration.ofMinutes(10));
    ShardHeads original = new ShardHeads(0, null, limits);
    push(original, TENANT, T0_MS, List.of(metadata("b_total", MetricType.COUNTER, "B."),
        metadata("a", MetricType.GAUGE, "A."), metadata("a", MetricType.GAUGE, "A, again.")), upSample(T0_MS));
    push(original, "team-b", T0_MS + 9 * 60_000, List.of(metadata("c", MetricType.HISTOGRAM, "C.")));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    original.writeSnapshot(out);
    byte[] snapshot = out.toByteArray();

    ShardHeads restored = ShardHeads.readSnapshot(new ByteArrayInputStream(snapshot), 0, null, limits);

    for (String tenant : List.of(TENANT, "team-b")) {
      assertThat(restored.metadata(tenant, "")).isEqualTo(original.metadata(tenant, ""));
    }
    // The last-sent times came along: both forget the same entries at the same later entry.
    for (ShardHeads shard : List.of(original, restored)) {
      push(shard, TENANT, T0_MS + 10 * 60_000 + 1, List.of(metadata("a", MetricType.GAUGE, "A.")));
    }
    assertThat(restored.metadata(TENANT, "")).isEqualTo(original.metadata(TENANT, ""))
        .containsExactly(new ShardMetadata.Family("a", List.of(entry(MetricType.GAUGE, "A."))));

    // Version 4 is version 5 without the metadata at the end.
    ShardHeads empty = new ShardHeads();
    ByteArrayOutputStream v5 = new ByteArrayOutputStream();
    empty.writeSnapshot(v5);
    byte[] v4 = java.util.Arrays.copyOf(v5.toByteArray(), v5.size() - 4);
    v4[7] = 4;
    assertThat(ShardHeads.readSnapshot(new ByteArrayInputStream(v4)).metadata(TENANT, "")).isEmpty();
  }
}
