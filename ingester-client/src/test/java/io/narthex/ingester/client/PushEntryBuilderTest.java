package io.narthex.ingester.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.proto.ingester.PushRequest;
import io.narthex.proto.ingester.SeriesLimits;
import io.narthex.proto.ingester.ShardLogEntry;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.MetricMetadata;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import org.junit.jupiter.api.Test;

/** The push entry the distributor writes, read back with the generated parser. */
class PushEntryBuilderTest {
  private static final TimeSeries SERIES = TimeSeries.newBuilder()
      .addLabels(Label.newBuilder().setName("__name__").setValue("up"))
      .addSamples(Sample.newBuilder().setTimestamp(1_000).setValue(1)).build();

  private static PushRequest read(byte[] entry) throws Exception {
    ShardLogEntry parsed = ShardLogEntry.parseFrom(entry);
    byte[] push = parsed.getSnappyPush().toByteArray();
    return PushRequest.parseFrom(PushEntryBuilder.decompress(push, 0, push.length));
  }

  @Test
  void writesMetadataAfterTheSeriesWithTheLatestReceiveTimeAndTheExactSize() throws Exception {
    MetricMetadata up = MetricMetadata.newBuilder().setMetricFamilyName("up").setType(MetricMetadata.MetricType.GAUGE)
        .setHelp("Target up.").build();
    MetricMetadata bytes = MetricMetadata.newBuilder().setMetricFamilyName("bytes_total").setUnit("bytes").build();
    SeriesLimits limits = SeriesLimits.newBuilder().setLimitSeries(true).setMaxSeries(5).build();
    PushEntryBuilder builder = new PushEntryBuilder("team-a");
    byte[] series = SERIES.toByteArray();
    builder.add(series, 0, series.length);
    builder.reserve(limits.getSerializedSize() + 2);
    int sizeWithMetadata = builder.sizeWithMetadata(up.getSerializedSize());
    builder.addMetadata(up.toByteArray(), 1_700_000_000_000L);
    builder.addMetadata(bytes.toByteArray(), 1_699_999_999_000L);

    PushRequest request = read(builder.build(limits));

    assertThat(request.getTenant()).isEqualTo("team-a");
    assertThat(request.getTimeseriesList()).containsExactly(SERIES);
    assertThat(request.getMetadataList()).containsExactly(up, bytes);
    assertThat(request.getSeriesLimits()).isEqualTo(limits);
    assertThat(request.getMetadataReceivedMs()).isEqualTo(1_700_000_000_000L);
    assertThat(builder.metadataCount()).isEqualTo(2);
    // The size estimated before adding the first metadata covers the request with it, limits and receive time.
    assertThat(sizeWithMetadata).isGreaterThanOrEqualTo(
        request.toBuilder().clearMetadata().addMetadata(up).build().getSerializedSize());
  }

  @Test
  void anEntryWithoutMetadataCarriesNoReceiveTime() throws Exception {
    PushEntryBuilder builder = new PushEntryBuilder("team-a");
    byte[] series = SERIES.toByteArray();
    builder.add(series, 0, series.length);

    PushRequest request = read(builder.build());

    assertThat(request.getMetadataCount()).isZero();
    assertThat(request.hasSeriesLimits()).isFalse();
    assertThat(request.getMetadataReceivedMs()).isZero();
    assertThat(request.toByteArray()).hasSize(PushRequest.newBuilder().setTenant("team-a").addTimeseries(SERIES)
        .build().getSerializedSize());
  }

  @Test
  void entriesBuiltOneAfterTheOtherInOneScratchCarryOnlyTheirOwnSeries() throws Exception {
    PushEntryBuilder.Scratch scratch = new PushEntryBuilder.Scratch();
    TimeSeries big = SERIES.toBuilder().addLabels(Label.newBuilder().setName("z").setValue("v".repeat(5000))).build();
    // A larger entry, a smaller one in the same buffers, then one past what the scratch keeps.
    int[] seriesCounts = {40, 1, 2, 300};
    for (int k = 0; k < seriesCounts.length; k++) {
      TimeSeries series = k == 3 ? big : SERIES.toBuilder().setSamples(0, Sample.newBuilder().setTimestamp(k)).build();
      byte[] bytes = series.toByteArray();
      PushEntryBuilder builder = new PushEntryBuilder("team-" + k);
      for (int i = 0; i < seriesCounts[k]; i++) {
        builder.add(bytes, 0, bytes.length);
      }
      byte[] entry = builder.build(null, scratch);

      assertThat(entry).isEqualTo(builder.build());
      PushRequest request = read(entry);
      assertThat(request.getTenant()).isEqualTo("team-" + k);
      assertThat(request.getTimeseriesList()).hasSize(seriesCounts[k]).containsOnly(series);
    }
  }

  @Test
  void aResetBuilderWritesWhatANewOneWritesAndNothingOfItsLastEntry() throws Exception {
    MetricMetadata up = MetricMetadata.newBuilder().setMetricFamilyName("up").build();
    SeriesLimits limits = SeriesLimits.newBuilder().setLimitSeries(true).setMaxSeries(5).build();
    byte[] series = SERIES.toByteArray();
    PushEntryBuilder reused = new PushEntryBuilder("team-a");
    for (int i = 0; i < 40; i++) {
      reused.add(series, 0, series.length);
    }
    reused.reserve(100);
    reused.addMetadata(up.toByteArray(), 1_700_000_000_000L);
    reused.build(limits);
    TimeSeries other = SERIES.toBuilder().setSamples(0, Sample.newBuilder().setTimestamp(2_000)).build();
    byte[] otherBytes = other.toByteArray();

    reused.reset("team-bb");
    reused.add(otherBytes, 0, otherBytes.length);
    PushEntryBuilder fresh = new PushEntryBuilder("team-bb");
    fresh.add(otherBytes, 0, otherBytes.length);

    assertThat(reused.build()).isEqualTo(fresh.build());
    assertThat(reused.seriesCount()).isEqualTo(1);
    assertThat(reused.metadataCount()).isZero();
    assertThat(reused.sizeWith(10)).isEqualTo(fresh.sizeWith(10));
    assertThat(read(reused.build()).getTimeseriesList()).containsExactly(other);
  }

  @Test
  void cutsHelpAt1024CharactersNeverInsideASurrogatePair() {
    assertThat(PushEntryBuilder.truncateHelp("short")).isEqualTo("short");
    assertThat(PushEntryBuilder.truncateHelp("a".repeat(2000))).hasSize(1024);
    assertThat(PushEntryBuilder.truncateHelp("a".repeat(1023) + "\uD83D\uDE00")).isEqualTo("a".repeat(1023));
  }
}
