package io.narthex.tsdb.head;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.Querier;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeadTruncationTest {
  private static final Labels OLD = Labels.of("__name__", "up", "job", "old");
  private static final Labels BOTH = Labels.of("__name__", "up", "job", "both");

  /** OLD has samples at 0..9 s, BOTH at 0..599 s (five 120-sample chunks). */
  private static Head headWithTwoSeries() {
    Head head = new Head();
    MemSeries old = head.getOrCreate(OLD);
    for (int i = 0; i < 10; i++) {
      head.append(old, i * 1000L, i);
    }
    MemSeries both = head.getOrCreate(BOTH);
    for (int i = 0; i < 600; i++) {
      head.append(both, i * 1000L, i);
    }
    return head;
  }

  @Test
  void dropsWholeChunksBeforeTheCutAndSeriesLeftEmpty() {
    Head head = headWithTwoSeries();

    int removed = head.truncateBefore(300_000);

    assertThat(removed).isEqualTo(1);
    assertThat(head.numSeries()).isEqualTo(1);
    List<EncodedSeries> left = head.selectChunks(Long.MIN_VALUE, Long.MAX_VALUE, List.of());
    assertThat(left).extracting(EncodedSeries::labels).containsExactly(BOTH);
    // Chunks [0,119] [120,239] go; [240,359] straddles 300 s and stays whole.
    assertThat(left.getFirst().chunks().getFirst().minTimeMs()).isEqualTo(240_000);
    assertThat(head.minTimeMs()).isEqualTo(240_000);
    try (Querier querier = head.querier(Long.MIN_VALUE, Long.MAX_VALUE)) {
      assertThat(querier.labelValues("job", List.of())).containsExactly("both");
      assertThat(querier.labelValues("job", List.of(Matcher.equal("job", "old")))).isEmpty();
    }
  }

  @Test
  void aRemovedSeriesComesBackAsANewSeriesWhenSamplesArrive() {
    Head head = headWithTwoSeries();
    head.truncateBefore(300_000);

    MemSeries again = head.getOrCreate(OLD);
    assertThat(head.append(again, 700_000, 1)).isEqualTo(AppendResult.OK);

    assertThat(head.numSeries()).isEqualTo(2);
    assertThat(head.selectChunks(700_000, 700_000, List.of(Matcher.equal("job", "old")))).hasSize(1);
  }

  @Test
  void samplesBeforeTheMinimumValidTimeAreOutOfBounds() {
    Head head = headWithTwoSeries();
    head.setMinValidTimeMs(600_000);
    head.setMinValidTimeMs(100); // never lowered

    MemSeries both = head.getOrCreate(BOTH);
    assertThat(head.append(both, 599_999, 1)).isEqualTo(AppendResult.OUT_OF_BOUNDS);
    assertThat(head.append(both, 600_000, 1)).isEqualTo(AppendResult.OK);
    assertThat(head.minValidTimeMs()).isEqualTo(600_000);
  }

  @Test
  void aTruncatedHeadSnapshotsAndRestores() throws Exception {
    Head head = headWithTwoSeries();
    head.truncateBefore(300_000);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    HeadSnapshot.write(head, out);

    Head restored = HeadSnapshot.read(new ByteArrayInputStream(out.toByteArray()), HeadOptions.DEFAULT);

    assertThat(restored.numSeries()).isEqualTo(1);
    assertThat(restored.selectChunks(Long.MIN_VALUE, Long.MAX_VALUE, List.of()).getFirst().chunks())
        .hasSameSizeAs(head.selectChunks(Long.MIN_VALUE, Long.MAX_VALUE, List.of()).getFirst().chunks());
  }

  @Test
  void seriesShareOneInstanceOfEachLabelNameAndValue() {
    Head head = new Head();
    MemSeries a = head.getOrCreate(Labels.of(new String("__name__"), new String("up"), new String("job"), "a"));
    MemSeries b = head.getOrCreate(Labels.of(new String("__name__"), new String("up"), new String("job"), "b"));

    assertThat(a.labels().name(0)).isSameAs(b.labels().name(0));
    assertThat(a.labels().value(0)).isSameAs(b.labels().value(0));
    assertThat(head.getOrCreate(Labels.of("__name__", "up", "job", "a"))).isSameAs(a);
  }
}
