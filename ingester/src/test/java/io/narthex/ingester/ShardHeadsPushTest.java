package io.narthex.ingester;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.proto.ingester.PushRequest;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.SampleError;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.tsdb.labels.Matcher;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ShardHeads#pushEncoded} looks a push's series up before it appends any: the answers and the head must be
 * those of one series at a time, in order, whatever the push holds.
 */
class ShardHeadsPushTest {
  private static final long NOW_MS = System.currentTimeMillis();

  private static TimeSeries series(String id, long... timestampsMs) {
    TimeSeries.Builder series = TimeSeries.newBuilder()
        .addLabels(Label.newBuilder().setName("__name__").setValue("m"))
        .addLabels(Label.newBuilder().setName("id").setValue(id));
    for (long timestampMs : timestampsMs) {
      series.addSamples(Sample.newBuilder().setTimestamp(timestampMs).setValue(1));
    }
    return series.build();
  }

  private static byte[] push(TimeSeries... series) {
    return PushRequest.newBuilder().setTenant("t").addAllTimeseries(List.of(series)).build().toByteArray();
  }

  /** The push with every 'é' of its labels made an invalid UTF-8 sequence. */
  private static byte[] breakUtf8(byte[] push) {
    for (int i = 0; i < push.length - 1; i++) {
      if (push[i] == (byte) 0xc3 && push[i + 1] == (byte) 0xa9) {
        push[i + 1] = (byte) 0xff;
      }
    }
    return push;
  }

  private static PushResponse apply(ShardHeads heads, byte[] push) {
    return heads.pushEncoded(push, 0, push.length);
  }

  private static int samplesOf(ShardHeads heads, String id) {
    return heads.select("t", Long.MIN_VALUE, Long.MAX_VALUE, List.of(Matcher.equal("id", id))).stream()
        .mapToInt(s -> s.chunks().stream().mapToInt(c -> c.numSamples()).sum()).sum();
  }

  @Test
  void aNewSeriesTwiceInOnePushIsCreatedOnceWithTheSamplesOfBoth() {
    ShardHeads heads = new ShardHeads();

    PushResponse response = apply(heads, push(series("a", NOW_MS), series("b", NOW_MS), series("a", NOW_MS + 1)));

    assertThat(response.getAcceptedSamples()).isEqualTo(3);
    assertThat(response.getTenantSeries()).isEqualTo(2);
    assertThat(samplesOf(heads, "a")).isEqualTo(2);
  }

  @Test
  void aSeriesWithInvalidLabelsStopsThePushAfterTheSeriesBeforeItAreStored() {
    ShardHeads heads = new ShardHeads();
    apply(heads, push(series("known", NOW_MS)));

    byte[] push = breakUtf8(push(series("known", NOW_MS + 1), series("new", NOW_MS + 1), series("é", NOW_MS + 1),
        series("after", NOW_MS + 1)));

    assertThatThrownBy(() -> apply(heads, push)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("UTF-8");
    assertThat(samplesOf(heads, "known")).isEqualTo(2);
    assertThat(samplesOf(heads, "new")).isEqualTo(1);
    assertThat(samplesOf(heads, "after")).isZero();
  }

  @Test
  void invalidLabelsOfASeriesWithoutSamplesOrWithOnlyTooOldOnesAreNotChecked() {
    ShardHeads heads = new ShardHeads();
    apply(heads, push(series("known", NOW_MS)));
    long tooOldMs = NOW_MS - 2 * ShardHeads.APPENDABLE_WINDOW_MS;

    PushResponse response = apply(heads, breakUtf8(push(series("é"), series("é", tooOldMs),
        series("known", NOW_MS + 1), series("new", NOW_MS + 1))));

    assertThat(response.getAcceptedSamples()).isEqualTo(2);
    assertThat(response.getErrorsList()).singleElement().satisfies(e -> assertThat(e.getSeriesIndex()).isEqualTo(1));
    assertThat(samplesOf(heads, "known")).isEqualTo(2);
    assertThat(samplesOf(heads, "new")).isEqualTo(1);
  }

  @Test
  void aHeldSeriesOfOneSampleIsJudgedAsAnyOther() {
    ShardHeads heads = new ShardHeads();
    apply(heads, push(series("a", NOW_MS), series("b", NOW_MS)));
    byte[] duplicate = PushRequest.newBuilder().setTenant("t").addTimeseries(series("b", NOW_MS).toBuilder()
        .setSamples(0, Sample.newBuilder().setTimestamp(NOW_MS + 5).setValue(2))).build().toByteArray();

    PushResponse outOfOrder = apply(heads, push(series("a", NOW_MS - 1), series("b", NOW_MS + 5)));
    PushResponse different = apply(heads, duplicate);

    assertThat(outOfOrder.getAcceptedSamples()).isEqualTo(1);
    assertThat(outOfOrder.getErrorsList()).singleElement().satisfies(e -> {
      assertThat(e.getReason()).isEqualTo(SampleError.Reason.OUT_OF_ORDER);
      assertThat(e.getSeriesIndex()).isZero();
      assertThat(e.getTimestampMs()).isEqualTo(NOW_MS - 1);
    });
    assertThat(different.getErrorsList()).singleElement()
        .extracting(SampleError::getReason).isEqualTo(SampleError.Reason.DUPLICATE_TIMESTAMP);
  }

  @Test
  void pushesLargerThanTheCursorsGrowThem() {
    ShardHeads heads = new ShardHeads();
    TimeSeries[] many = new TimeSeries[3000];
    for (int i = 0; i < many.length; i++) {
      many[i] = series("s" + i, NOW_MS);
    }
    apply(heads, push(many));
    for (int i = 0; i < many.length; i++) {
      many[i] = series("s" + i, NOW_MS + 1);
    }

    assertThat(apply(heads, push(many)).getAcceptedSamples()).isEqualTo(3000);
    assertThat(heads.seriesPerTenant()).containsEntry("t", 3000L);
  }
}
