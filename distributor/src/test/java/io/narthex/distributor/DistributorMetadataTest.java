package io.narthex.distributor;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.ingester.ShardMetadata;
import io.narthex.ingester.client.ShardWriter;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.MetricMetadata;
import io.narthex.proto.prompb.MetricMetadata.MetricType;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Remote write's metric metadata: validated, routed to its family's shard, and stored there only. */
class DistributorMetadataTest {
  private static final String TENANT = "team-a";

  /** Counts the entries each shard receives. */
  private static final class CountingShard implements ShardWriter {
    final IngesterShardWriter shard = new IngesterShardWriter();
    final AtomicInteger entries = new AtomicInteger();

    @Override
    public String name() {
      return shard.name();
    }

    @Override
    public CompletableFuture<PushResponse> pushEntry(byte[] shardLogEntry) {
      entries.incrementAndGet();
      return shard.pushEntry(shardLogEntry);
    }

    @Override
    public void close() {}
  }

  private static List<CountingShard> shards(int count) {
    List<CountingShard> shards = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      shards.add(new CountingShard());
    }
    return shards;
  }

  private static MetricMetadata metadata(String family, String help, String unit) {
    return MetricMetadata.newBuilder().setMetricFamilyName(family).setType(MetricType.COUNTER).setHelp(help)
        .setUnit(unit).build();
  }

  private static List<String> familiesOn(CountingShard shard) {
    return shard.shard.ingester.metadata(TENANT, "").stream().map(ShardMetadata.Family::name).toList();
  }

  @Test
  void routesEachFamilysMetadataToTheOneShardItsNamePicksBesideTheSeries() {
    List<CountingShard> shards = shards(3);
    Distributor distributor = new Distributor(List.copyOf(shards), ValidationLimits.defaults());
    WriteRequest.Builder request = WriteRequest.newBuilder().addTimeseries(TimeSeries.newBuilder()
        .addLabels(Label.newBuilder().setName("__name__").setValue("family_0"))
        .addSamples(Sample.newBuilder().setTimestamp(System.currentTimeMillis()).setValue(1)));
    List<String> families = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      families.add("family_" + i);
      request.addMetadata(metadata("family_" + i, "Help of " + i + ".", ""));
    }

    Distributor.PushResult result = distributor.push(TENANT, request.build());

    assertThat(result.errors()).isEmpty();
    assertThat(result.acceptedSamples()).isEqualTo(1);
    List<String> stored = new ArrayList<>();
    for (int shard = 0; shard < 3; shard++) {
      List<String> on = familiesOn(shards.get(shard));
      int s = shard;
      assertThat(on).as("shard " + shard).isNotEmpty()
          .allMatch(family -> Distributor.shardOfFamily(TENANT, family, 3) == s);
      stored.addAll(on);
    }
    assertThat(stored).containsExactlyInAnyOrderElementsOf(families);

    // A request of metadata only (Prometheus sends metadata apart from samples) is stored the same way.
    distributor.push(TENANT, WriteRequest.newBuilder()
        .addMetadata(metadata("family_7", "New help.", "")).build());
    assertThat(shards.get(Distributor.shardOfFamily(TENANT, "family_7", 3)).shard.ingester
        .metadata(TENANT, "family_7").getFirst().entries()).extracting(ShardMetadata.Entry::help)
        .containsExactly("Help of 7.", "New help.");
  }

  @Test
  void refusesMetadataWithoutAFamilyNameOrWithAnOverlongNameOrUnitAndCutsLongHelp() {
    List<CountingShard> shards = shards(1);
    Distributor distributor = new Distributor(List.copyOf(shards), ValidationLimits.defaults());
    WriteRequest request = WriteRequest.newBuilder()
        .addMetadata(metadata("", "No name.", ""))
        .addMetadata(metadata("n".repeat(1025), "", ""))
        .addMetadata(metadata("with_long_unit", "", "u".repeat(1025)))
        .addMetadata(metadata("with_long_help", "h".repeat(5000), "seconds"))
        .build();

    Distributor.PushResult result = distributor.push(TENANT, request);

    assertThat(result.errors()).hasSize(3);
    assertThat(result.errors().get(0)).isEqualTo(
        "received a metric metadata with no metric name (err-narthex-metadata-missing-metric-name)");
    assertThat(result.errors().get(1)).startsWith("received a metric metadata whose metric name is longer than 1024"
        + " characters, metric name: 'nnn").endsWith("(err-narthex-metric-name-too-long)");
    assertThat(result.errors().get(2)).contains("metric name: 'with_long_unit'")
        .endsWith("(err-narthex-unit-too-long)");
    List<ShardMetadata.Family> stored = shards.getFirst().shard.ingester.metadata(TENANT, "");
    assertThat(stored).extracting(ShardMetadata.Family::name).containsExactly("with_long_help");
    assertThat(stored.getFirst().entries().getFirst()).isEqualTo(
        new ShardMetadata.Entry(MetricType.COUNTER_VALUE, "h".repeat(1024), "seconds"));
  }

  @Test
  void splitsMetadataOverSeveralEntriesWhenItPassesTheEntrySize() {
    List<CountingShard> shards = shards(1);
    Distributor distributor = new Distributor(List.copyOf(shards), ValidationLimits.defaults());
    WriteRequest.Builder request = WriteRequest.newBuilder();
    // 5,000 families with 1 KiB of help each: about 5 MiB, over one 4 MiB entry.
    for (int i = 0; i < 5_000; i++) {
      request.addMetadata(metadata("family_" + i, "h".repeat(1024), ""));
    }

    assertThat(distributor.push(TENANT, request.build()).errors()).isEmpty();

    assertThat(shards.getFirst().entries.get()).isEqualTo(2);
    assertThat(familiesOn(shards.getFirst())).hasSize(5_000);
  }
}
