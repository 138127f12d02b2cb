package io.narthex.ingester;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.ingester.client.WireTimeSeries;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.head.MemSeries;
import io.narthex.tsdb.head.SeriesIdentity;
import io.narthex.tsdb.labels.Labels;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WireSeriesKeyTest {
  private static byte[] encoded(String... namesAndValues) {
    TimeSeries.Builder b = TimeSeries.newBuilder();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      b.addLabels(Label.newBuilder().setName(namesAndValues[i]).setValue(namesAndValues[i + 1]));
    }
    return b.build().toByteArray();
  }

  /** The series at the very end of its buffer when {@code padding} is 0, so short labels cannot be read past. */
  private static WireSeriesKey key(byte[] series, int padding) {
    byte[] buf = new byte[3 + series.length + padding];
    System.arraycopy(series, 0, buf, 3, series.length);
    return new WireSeriesKey().reset(new WireTimeSeries().reset(buf, 3, series.length));
  }

  @Test
  void identityIsTheHeadsOfTheDecodedLabelsForEveryLabelLength() {
    Random random = new Random(7);
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789_:./\u00e9\u65e5\uD83D\uDE00";
    for (int round = 0; round < 2000; round++) {
      int labels = 1 + random.nextInt(14);
      String[] pairs = new String[2 * labels];
      for (int i = 0; i < labels; i++) {
        pairs[2 * i] = "l" + (char) ('a' + i) + "x".repeat(random.nextInt(20));
        StringBuilder value = new StringBuilder();
        int length = 1 + random.nextInt(round % 2 == 0 ? 9 : 40);
        while (value.length() < length) {
          // Non-ASCII in a few rounds only, as in real label sets.
          int bound = round % 5 == 0 ? alphabet.length() : 40;
          char c = alphabet.charAt(random.nextInt(bound));
          value.append(Character.isHighSurrogate(c) ? "\uD83D\uDE00" : Character.isLowSurrogate(c) ? "z" : c);
        }
        pairs[2 * i + 1] = value.toString();
      }
      Labels expected = Labels.fromSortedPairs(pairs);
      byte[] canonical = SeriesIdentity.canonical(expected);
      for (int padding : new int[] {0, 16}) {
        WireSeriesKey key = key(encoded(pairs), padding);
        assertThat(key.identityLow()).as("round %d", round)
            .isEqualTo(SeriesIdentity.low(canonical, 0, canonical.length));
        assertThat(key.identityHigh()).as("round %d", round)
            .isEqualTo(SeriesIdentity.high(canonical, 0, canonical.length));
        assertThat(key.toLabels()).isEqualTo(expected);
      }
    }
  }

  @Test
  void theHeadFindsTheSeriesItCreatedFromLabels() {
    Head head = new Head();
    MemSeries created = head.getOrCreate(Labels.of("__name__", "up", "instance", "host-1:9100", "job", "node"));
    assertThat(head.get(key(encoded("__name__", "up", "instance", "host-1:9100", "job", "node"), 0)))
        .isSameAs(created);
    assertThat(head.get(key(encoded("__name__", "up", "instance", "host-1:9100", "job", "nodes"), 0))).isNull();
  }

  @Test
  void invalidUtf8IsRefusedEvenWhereItSpellsAnotherLabelSet() {
    Head head = new Head();
    head.getOrCreate(Labels.of("__name__", "x", "a", "b", "c", "d"));
    byte[] spelled = encoded("__name__", "x", "a", "b?c?d");
    for (int i = 0; i < spelled.length; i++) {
      if (spelled[i] == '?') {
        spelled[i] = (byte) 0xff;
      }
    }
    assertThatThrownBy(() -> head.get(key(spelled, 0))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not valid UTF-8");
    byte[] truncatedSequence = encoded("__name__", "x", "a", "\u00e9");
    truncatedSequence[truncatedSequence.length - 1] = 0x41;
    assertThatThrownBy(() -> head.getOrCreate(key(truncatedSequence, 0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid UTF-8");
    assertThat(head.numSeries()).isEqualTo(1);
  }
}
