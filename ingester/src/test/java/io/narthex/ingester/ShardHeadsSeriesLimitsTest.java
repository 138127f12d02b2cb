package io.narthex.ingester;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.ingester.client.PushEntryBuilder;
import io.narthex.ingester.client.WireFields;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.SampleError;
import io.narthex.proto.ingester.SeriesLimits;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import org.junit.jupiter.api.Test;

/** The caps an entry carries: new series only, decided from the entry and the head alone. */
class ShardHeadsSeriesLimitsTest {
  private static final long NOW_MS = System.currentTimeMillis();

  private static byte[] series(String metric, String id, long timestampMs) {
    return TimeSeries.newBuilder()
        .addLabels(Label.newBuilder().setName("__name__").setValue(metric))
        .addLabels(Label.newBuilder().setName("id").setValue(id))
        .addSamples(Sample.newBuilder().setTimestamp(timestampMs).setValue(1))
        .build().toByteArray();
  }

  private static PushResponse push(ShardHeads ingester, SeriesLimits limits, byte[]... series) {
    PushEntryBuilder entry = new PushEntryBuilder("t");
    entry.reserve(1024);
    for (byte[] s : series) {
      entry.add(s, 0, s.length);
    }
    byte[] encoded = entry.build(limits);
    WireFields fields = new WireFields(encoded, 0, encoded.length, 6);
    byte[] push = PushEntryBuilder.decompress(encoded, fields.offset(5, 0), fields.length(5, 0));
    return ingester.pushEncoded(push, 0, push.length);
  }

  @Test
  void refusesOnlyNewSeriesPastTheCapAndReportsTheCounts() {
    ShardHeads ingester = new ShardHeads();
    SeriesLimits two = SeriesLimits.newBuilder().setLimitSeries(true).setMaxSeries(2).build();

    PushResponse first = push(ingester, two, series("m", "a", NOW_MS), series("m", "b", NOW_MS),
        series("m", "c", NOW_MS));
    PushResponse second = push(ingester, two, series("m", "a", NOW_MS + 1), series("m", "d", NOW_MS + 1));

    assertThat(first.getAcceptedSamples()).isEqualTo(2);
    assertThat(first.getErrorsList()).singleElement().satisfies(e -> {
      assertThat(e.getReason()).isEqualTo(SampleError.Reason.MAX_SERIES_PER_USER);
      assertThat(e.getSeriesIndex()).isEqualTo(2);
    });
    assertThat(first.getTenantSeries()).isEqualTo(2);
    assertThat(second.getAcceptedSamples()).as("a held series appends at the cap").isEqualTo(1);
    assertThat(second.getErrors(0).getSeriesIndex()).isEqualTo(1);
  }

  @Test
  void capsEachMetricNamedAndCountsItForTheDistributor() {
    ShardHeads ingester = new ShardHeads();
    SeriesLimits oneBusy = SeriesLimits.newBuilder().putMaxSeriesPerMetric("busy", 1).build();

    PushResponse response = push(ingester, oneBusy, series("busy", "a", NOW_MS), series("busy", "b", NOW_MS),
        series("other", "a", NOW_MS), series("other", "b", NOW_MS));

    assertThat(response.getAcceptedSamples()).isEqualTo(3);
    assertThat(response.getErrorsList()).singleElement()
        .extracting(SampleError::getReason).isEqualTo(SampleError.Reason.MAX_SERIES_PER_METRIC);
    assertThat(response.getMetricSeriesMap()).containsExactly(java.util.Map.entry("busy", 1L));
    assertThat(response.getTenantSeries()).isEqualTo(3);
  }

  @Test
  void everyReplicaApplyingTheSameEntriesAnswersTheSame() {
    SeriesLimits caps = SeriesLimits.newBuilder().setLimitSeries(true).setMaxSeries(3)
        .putMaxSeriesPerMetric("m", 2).build();
    ShardHeads replica1 = new ShardHeads();
    ShardHeads replica2 = new ShardHeads();
    for (int round = 0; round < 3; round++) {
      byte[][] batch = {series("m", "x" + round, NOW_MS + round), series("n", "y" + round, NOW_MS + round),
          series("m", "x0", NOW_MS + round)};
      assertThat(push(replica1, caps, batch)).isEqualTo(push(replica2, caps, batch));
    }
    assertThat(replica1.seriesPerTenant()).isEqualTo(replica2.seriesPerTenant()).containsEntry("t", 3L);
  }
}
