package io.narthex.tsdb.head;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.common.Ulid;
import io.narthex.tsdb.block.BlockWriter;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.EncodedSeries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Head#streamChunks}: a block cut that copies one series' chunks off the head at a time. */
class HeadStreamChunksTest {
  @TempDir
  Path dir;

  private static Head headWithSeries(int count, int samplesPerSeries) {
    Head head = new Head(new HeadOptions(8));
    for (int i = 0; i < count; i++) {
      // Names that sort differently in UTF-16 and UTF-8 (U+FF21 against a supplementary character).
      String value = (i % 2 == 0 ? "\uFF21" : "\uD83D\uDE00") + i;
      MemSeries series = head.getOrCreate(Labels.of("__name__", "up", "id", value));
      for (int t = 0; t < samplesPerSeries; t++) {
        head.append(series, t * 1000L, i + t);
      }
    }
    return head;
  }

  @Test
  void yieldsWhatSelectChunksSelectsInTheGivenOrder() {
    Head head = headWithSeries(40, 30);
    List<EncodedSeries> selected = new ArrayList<>(head.selectChunks(5_000, 20_000, List.of()));
    selected.sort((a, b) -> BlockWriter.LABELS_ORDER.compare(a.labels(), b.labels()));

    Head.StreamedSeries streamed = head.streamChunks(5_000, 20_000, BlockWriter.LABELS_ORDER);
    List<EncodedSeries> read = new ArrayList<>();
    streamed.series().forEachRemaining(read::add);

    assertThat(read).hasSize(40);
    for (int i = 0; i < read.size(); i++) {
      assertThat(read.get(i).labels()).isEqualTo(selected.get(i).labels());
      assertThat(read.get(i).chunks()).hasSameSizeAs(selected.get(i).chunks());
      for (int c = 0; c < read.get(i).chunks().size(); c++) {
        assertThat(read.get(i).chunks().get(c).data()).isEqualTo(selected.get(i).chunks().get(c).data());
      }
    }
    assertThat(streamed.labelSets()).extracting(Labels::toString)
        .containsExactlyElementsOf(read.stream().map(s -> s.labels().toString()).toList());
  }

  @Test
  void copiesASeriesOnlyWhenTheIteratorReachesIt() {
    Head head = headWithSeries(3, 5);
    Head.StreamedSeries streamed = head.streamChunks(0, 100_000, BlockWriter.LABELS_ORDER);
    EncodedSeries first = streamed.series().next();

    // A sample appended after the stream was opened is in a series not reached yet, not in one already copied.
    for (Labels labels : streamed.labelSets()) {
      head.append(head.getOrCreate(labels), 10_000, 42);
    }
    List<EncodedSeries> rest = new ArrayList<>();
    streamed.series().forEachRemaining(rest::add);

    assertThat(first.chunks().stream().mapToInt(c -> c.numSamples()).sum()).isEqualTo(5);
    assertThat(rest).hasSize(2).allSatisfy(s ->
        assertThat(s.chunks().stream().mapToInt(c -> c.numSamples()).sum()).isEqualTo(6));
  }

  @Test
  void aBlockWrittenFromTheStreamIsByteForByteTheBlockWrittenFromTheList() throws Exception {
    Head head = headWithSeries(200, 50);
    String ulid = Ulid.generate();
    Path fromList = Files.createDirectories(dir.resolve("list"));
    Path fromStream = Files.createDirectories(dir.resolve("stream"));
    BlockWriter.write(fromList, ulid, head.selectChunks(0, 39_999, List.of()), 0, 40_000, Map.of("replica", "a"));
    Head.StreamedSeries streamed = head.streamChunks(0, 39_999, BlockWriter.LABELS_ORDER);
    BlockWriter.write(fromStream, ulid, streamed.labelSets(), streamed.series(), 0, 40_000, Map.of("replica", "a"));

    for (String file : List.of("index", "chunks/000001", "tombstones", "meta.json")) {
      assertThat(Files.readAllBytes(fromStream.resolve(ulid).resolve(file))).as(file)
          .isEqualTo(Files.readAllBytes(fromList.resolve(ulid).resolve(file)));
    }
  }
}
