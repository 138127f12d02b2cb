package io.narthex.distributor;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.ingester.client.ShardWriter;
import io.narthex.ingester.client.WireTimeSeries;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The global series limits over two in-process shards: counted over every shard, never per shard. */
class GlobalSeriesLimitsTest {
  private static final long NOW_MS = System.currentTimeMillis();
  private final IngesterShardWriter shard0 = new IngesterShardWriter();
  private final IngesterShardWriter shard1 = new IngesterShardWriter();
  private final List<ShardWriter> shards = List.of(shard0, shard1);

  private Distributor distributor(int maxSeriesPerUser, int maxSeriesPerMetric) {
    return new Distributor(shards, ValidationLimits.defaults(),
        tenant -> new TenantLimits(Double.POSITIVE_INFINITY, Integer.MAX_VALUE, maxSeriesPerUser, maxSeriesPerMetric));
  }

  private static TimeSeries series(String metric, String id, long timestampMs) {
    return TimeSeries.newBuilder()
        .addLabels(Label.newBuilder().setName("__name__").setValue(metric))
        .addLabels(Label.newBuilder().setName("id").setValue(id))
        .addSamples(Sample.newBuilder().setTimestamp(timestampMs).setValue(1))
        .build();
  }

  private static int shardOf(TimeSeries series) {
    byte[] bytes = series.toByteArray();
    return Distributor.shardOf("t", new WireTimeSeries().reset(bytes, 0, bytes.length), 2);
  }

  /** {@code count} series of metric {@code m}, with ids from {@code prefix}, that all fall on {@code shard}. */
  private static List<TimeSeries> onShard(int shard, String prefix, int count, long timestampMs) {
    List<TimeSeries> out = new ArrayList<>();
    for (int i = 0; out.size() < count; i++) {
      TimeSeries s = series("m", prefix + i, timestampMs);
      if (shardOf(s) == shard) {
        out.add(s);
      }
    }
    return out;
  }

  private static WriteRequest request(List<TimeSeries> series) {
    return WriteRequest.newBuilder().addAllTimeseries(series).build();
  }

  private long seriesOf(IngesterShardWriter shard) {
    return shard.ingester.seriesPerTenant().getOrDefault("t", 0L);
  }

  @Test
  void aTenantUnderItsLimitIsStoredHoweverUnevenlyItsSeriesFallOntoShards() {
    Distributor distributor = distributor(10, 0);
    List<TimeSeries> uneven = new ArrayList<>(onShard(0, "a", 8, NOW_MS));
    uneven.addAll(onShard(1, "b", 2, NOW_MS));

    Distributor.PushResult result = distributor.push("t", request(uneven));

    assertThat(result.errors()).isEmpty();
    assertThat(seriesOf(shard0)).isEqualTo(8);
    assertThat(seriesOf(shard1)).isEqualTo(2);
  }

  @Test
  void aNewSeriesPastTheGlobalLimitIsRefusedWhileKnownSeriesKeepAppending() {
    Distributor distributor = distributor(10, 0);
    List<TimeSeries> first = onShard(0, "a", 6, NOW_MS);
    List<TimeSeries> second = onShard(1, "b", 4, NOW_MS);
    assertThat(distributor.push("t", request(first)).errors()).isEmpty();
    assertThat(distributor.push("t", request(second)).errors()).isEmpty();

    List<TimeSeries> next = new ArrayList<>(onShard(0, "c", 1, NOW_MS));
    next.add(series("m", first.getFirst().getLabels(1).getValue(), NOW_MS + 1));
    Distributor.PushResult result = distributor.push("t", request(next));

    assertThat(result.acceptedSamples()).isEqualTo(1);
    assertThat(result.errors()).singleElement().asString()
        .contains("err-narthex-max-series-per-user").contains("limit of 10 series")
        .contains("-ingester.max-global-series-per-user").contains("max_global_series_per_user");
    assertThat(seriesOf(shard0) + seriesOf(shard1)).isEqualTo(10);
  }

  @Test
  void oneRequestOfNewSeriesOverEveryShardStopsAtTheLimit() {
    Distributor distributor = distributor(10, 0);
    List<TimeSeries> many = new ArrayList<>(onShard(0, "a", 8, NOW_MS));
    many.addAll(onShard(1, "b", 8, NOW_MS));

    Distributor.PushResult result = distributor.push("t", request(many));

    assertThat(result.acceptedSamples()).isEqualTo(10);
    assertThat(result.errors()).hasSize(6).allSatisfy(e -> assertThat(e).contains("err-narthex-max-series-per-user"));
    assertThat(seriesOf(shard0) + seriesOf(shard1)).isEqualTo(10);
  }

  @Test
  void anotherDistributorLearnsTheCountsBeforeItsFirstPush() {
    assertThat(distributor(10, 0).push("t", request(onShard(0, "a", 8, NOW_MS))).errors()).isEmpty();

    Distributor.PushResult result = distributor(10, 0).push("t", request(onShard(1, "b", 5, NOW_MS)));

    assertThat(result.acceptedSamples()).isEqualTo(2);
    assertThat(result.errors()).hasSize(3);
    assertThat(seriesOf(shard0) + seriesOf(shard1)).isEqualTo(10);
  }

  @Test
  void aMetricPastItsOwnLimitIsRefusedAndOtherMetricsAreNot() {
    Distributor distributor = distributor(0, 3);
    List<TimeSeries> request = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      request.add(series("busy", Integer.toString(i), NOW_MS));
      request.add(series("quiet" + i, "0", NOW_MS));
    }

    Distributor.PushResult result = distributor.push("t", request(request));

    assertThat(result.acceptedSamples()).isEqualTo(8);
    assertThat(result.errors()).hasSize(2).allSatisfy(e -> assertThat(e)
        .contains("err-narthex-max-series-per-metric").contains("limit of 3 series").contains("busy{")
        .contains("-ingester.max-global-series-per-metric"));
  }

  /** A shard that takes entries and never answers. */
  private static final class SilentShard implements ShardWriter {
    final java.util.concurrent.atomic.AtomicInteger entries = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public String name() {
      return "silent shard";
    }

    @Override
    public java.util.concurrent.CompletableFuture<io.narthex.proto.ingester.PushResponse> pushEntry(byte[] entry) {
      entries.incrementAndGet();
      return new java.util.concurrent.CompletableFuture<>();
    }

    @Override
    public void close() {}
  }

  @Test
  void aShardThatDoesNotAnswerItsCountIsNotAskedAgainOnEveryPush() {
    SilentShard silent = new SilentShard();
    Distributor distributor = new Distributor(List.of(shard0, silent), ValidationLimits.defaults(),
        tenant -> new TenantLimits(Double.POSITIVE_INFINITY, Integer.MAX_VALUE, 10, 0));

    assertThat(distributor.push("t", request(onShard(0, "a", 2, NOW_MS))).errors()).isEmpty();
    assertThat(distributor.push("t", request(onShard(0, "b", 2, NOW_MS))).errors()).isEmpty();

    assertThat(silent.entries).as("one count request, not one per push").hasValue(1);
    assertThat(seriesOf(shard0)).isEqualTo(4);
  }
}
