package io.narthex.tsdb.head;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.storage.StaleMarker;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HeadSnapshotTest {
  private static final List<Matcher> ALL = List.of();
  private static final HeadOptions OPTIONS = HeadOptions.DEFAULT;

  /**
   * A head with varied series: several closed chunks, exactly one full open chunk, one or two samples, constant
   * values (no XOR window yet), NaNs, staleness markers, irregular and negative timestamps, unicode labels, and
   * series without samples.
   */
  private static Head variedHead(int seriesCount, long seed) {
    Head head = new Head(OPTIONS);
    Random random = new Random(seed);
    for (int i = 0; i < seriesCount; i++) {
      MemSeries s = head.getOrCreate(Labels.of(
          "__name__", "metric_" + (i % 7), "instance", "host-" + i, "job", i % 3 == 0 ? "api" : "wörker",
          "zone", i % 5 == 0 ? "" : "z" + (i % 4)));
      int kind = i % 8;
      int samples = switch (kind) {
        case 0 -> 0;
        case 1 -> 1;
        case 2 -> 2;
        case 3 -> OPTIONS.samplesPerChunk();
        case 4 -> 3 * OPTIONS.samplesPerChunk() + 17;
        default -> 1 + random.nextInt(400);
      };
      long t = kind == 6 ? -50_000 : 1_700_000_000_000L + random.nextInt(1000);
      for (int j = 0; j < samples; j++) {
        double value = switch (kind) {
          case 5 -> 1.0; // constant: the appender never sets an XOR window
          case 6 -> j % 10 == 3 ? Double.NaN : j % 10 == 7 ? StaleMarker.STALE_NAN : j * 0.25;
          default -> random.nextInt(4) == 0 ? random.nextGaussian() : j;
        };
        assertThat(head.append(s, t, value)).isEqualTo(AppendResult.OK);
        t += kind == 7 ? 1 + random.nextInt(100_000) : 15_000;
      }
    }
    return head;
  }

  private static byte[] snapshot(Head head) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    HeadSnapshot.write(head, out);
    return out.toByteArray();
  }

  private static Head restore(byte[] snapshot) throws IOException {
    return HeadSnapshot.read(new ByteArrayInputStream(snapshot), OPTIONS);
  }

  private static void assertSameChunks(Head restored, Head original) {
    List<EncodedSeries> expected = original.selectChunks(Long.MIN_VALUE, Long.MAX_VALUE, ALL);
    List<EncodedSeries> actual = restored.selectChunks(Long.MIN_VALUE, Long.MAX_VALUE, ALL);
    assertThat(actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.get(i).labels()).isEqualTo(expected.get(i).labels());
      List<EncodedChunk> want = expected.get(i).chunks();
      List<EncodedChunk> got = actual.get(i).chunks();
      assertThat(got).as("chunks of %s", expected.get(i).labels()).hasSameSizeAs(want);
      for (int c = 0; c < want.size(); c++) {
        assertThat(got.get(c).minTimeMs()).isEqualTo(want.get(c).minTimeMs());
        assertThat(got.get(c).maxTimeMs()).isEqualTo(want.get(c).maxTimeMs());
        assertThat(got.get(c).data()).as("chunk %d of %s", c, expected.get(i).labels()).isEqualTo(want.get(c).data());
      }
    }
  }

  @Test
  void roundTripKeepsLabelsChunkBytesAndIndex() throws IOException {
    Head original = variedHead(400, 1);
    Head restored = restore(snapshot(original));

    assertSameChunks(restored, original);
    assertThat(restored.numSeries()).isEqualTo(original.numSeries());
    assertThat(restored.minTimeMs()).isEqualTo(original.minTimeMs());
    assertThat(restored.maxTimeMs()).isEqualTo(original.maxTimeMs());
    Querier want = original.querier(Long.MIN_VALUE, Long.MAX_VALUE);
    Querier got = restored.querier(Long.MIN_VALUE, Long.MAX_VALUE);
    assertThat(got.labelNames(ALL)).isEqualTo(want.labelNames(ALL)).contains("zone");
    for (String name : want.labelNames(ALL)) {
      assertThat(got.labelValues(name, ALL)).isEqualTo(want.labelValues(name, ALL));
    }
    List<Matcher> worker = List.of(Matcher.equal("job", "wörker"));
    assertThat(got.labelValues("instance", worker)).isEqualTo(want.labelValues("instance", worker));
    // Series without samples are kept too, under their ids.
    assertThat(restored.getOrCreate(Labels.of("__name__", "metric_0", "instance", "host-0", "job", "api")).id())
        .isZero();
    assertThat(restored.numSeries()).isEqualTo(400);
  }

  @Test
  void restoredHeadContinuesWithTheSameResultsAndBytes() throws IOException {
    Head original = variedHead(400, 2);
    Head restored = restore(snapshot(original));
    Random random = new Random(3);
    List<AppendResult> wantResults = new ArrayList<>();
    List<AppendResult> gotResults = new ArrayList<>();
    for (int round = 0; round < 300; round++) {
      for (int i = 0; i < 400; i++) {
        Labels labels = Labels.of(
            "__name__", "metric_" + (i % 7), "instance", "host-" + i, "job", i % 3 == 0 ? "api" : "wörker",
            "zone", i % 5 == 0 ? "" : "z" + (i % 4));
        MemSeries a = original.getOrCreate(labels);
        MemSeries b = restored.getOrCreate(labels);
        long last = a.lastTimestampMs() == Long.MIN_VALUE ? 1_700_000_000_000L : a.lastTimestampMs();
        long t;
        double v;
        switch (random.nextInt(10)) {
          case 0 -> { // out of order
            t = last - 1 - random.nextInt(5000);
            v = 1;
          }
          case 1 -> { // duplicate, same value: repeat the last append exactly
            t = last;
            v = lastValue(a);
          }
          case 2 -> { // duplicate, different value
            t = last;
            v = lastValue(a) + 1;
          }
          case 3 -> {
            t = last + 15_000;
            v = random.nextBoolean() ? Double.NaN : StaleMarker.STALE_NAN;
          }
          case 4 -> {
            t = last + 1 + random.nextInt(1_000_000);
            v = random.nextGaussian() * 1e6;
          }
          default -> {
            t = last + 15_000;
            v = i % 8 == 5 && random.nextInt(4) != 0 ? 1.0 : round + i * 0.5;
          }
        }
        wantResults.add(original.append(a, t, v));
        gotResults.add(restored.append(b, t, v));
      }
    }
    assertThat(gotResults).isEqualTo(wantResults);
    // Every head rule is exercised; OUT_OF_BOUNDS needs a minimum valid time, which the ingester snapshots itself.
    assertThat(wantResults).contains(AppendResult.OK, AppendResult.DUPLICATE_NOOP, AppendResult.OUT_OF_ORDER,
        AppendResult.DUPLICATE_DIFFERENT_VALUE);
    assertSameChunks(restored, original);
    assertThat(restored.minTimeMs()).isEqualTo(original.minTimeMs());
    assertThat(restored.maxTimeMs()).isEqualTo(original.maxTimeMs());
  }

  /** The value stored last for a series with samples, read back from its newest chunk. */
  private static double lastValue(MemSeries series) {
    if (series.lastTimestampMs() == Long.MIN_VALUE) {
      return 0;
    }
    synchronized (series) {
      return Double.longBitsToDouble(series.lastValueBits);
    }
  }

  @Test
  void constantSeriesContinuesBitForBitAfterRestore() throws IOException {
    // Resuming as Prometheus does would give the open chunk a 0/0 XOR window here and encode the change differently.
    Head original = new Head(OPTIONS);
    MemSeries a = original.getOrCreate(Labels.of("__name__", "up"));
    for (int i = 0; i < 10; i++) {
      original.append(a, i * 15_000L, 1);
    }
    Head restored = restore(snapshot(original));
    MemSeries b = restored.getOrCreate(Labels.of("__name__", "up"));
    for (int i = 10; i < 20; i++) {
      double v = i == 12 ? 0 : i % 3;
      assertThat(restored.append(b, i * 15_000L, v)).isEqualTo(original.append(a, i * 15_000L, v));
    }
    assertSameChunks(restored, original);
  }

  @Test
  void outOfOrderSamplesRoundTripBufferedAndInChunks() throws IOException {
    HeadOptions options = new HeadOptions(120, 3_600_000, 1_800_000);
    Head original = new Head(options);
    long t0 = 1_700_000_000_000L;
    for (int i = 0; i < 3; i++) {
      MemSeries s = original.getOrCreate(Labels.of("__name__", "late", "i", Integer.toString(i)));
      for (int j = 0; j < 100; j++) {
        original.append(s, t0 + j * 15_000L, j);
      }
      // i = 0: none; 1: a few buffered; 2: enough to close out-of-order chunks too
      for (int j = 0; j < (i == 0 ? 0 : i == 1 ? 5 : 75); j++) {
        assertThat(original.append(s, t0 + j * 15_000L + 7_000, -j)).isEqualTo(AppendResult.OK);
      }
    }
    byte[] bytes = snapshot(original);

    Head restored = HeadSnapshot.read(new ByteArrayInputStream(bytes), options);

    assertSameChunks(restored, original);
    assertThat(restored.minTimeMs()).isEqualTo(original.minTimeMs());
    assertThat(snapshot(restored)).isEqualTo(bytes);
    for (int cut = 0; cut < bytes.length; cut += 7) {
      byte[] truncated = Arrays.copyOf(bytes, cut);
      assertThatThrownBy(() -> HeadSnapshot.read(new ByteArrayInputStream(truncated), options))
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void emptyHeadRoundTrips() throws IOException {
    byte[] bytes = snapshot(new Head(OPTIONS));
    Head restored = restore(bytes);
    assertThat(restored.numSeries()).isZero();
    assertThat(restored.minTimeMs()).isEqualTo(Long.MAX_VALUE);
    assertThat(restored.maxTimeMs()).isEqualTo(Long.MIN_VALUE);
    assertThat(restored.querier(0, 1).labelNames(ALL)).isEmpty();
    assertThat(Arrays.copyOf(bytes, 4)).isEqualTo(new byte[] {'N', 'X', 'H', 'S'});
  }

  @Test
  void everyFlippedByteIsRejected() throws IOException {
    byte[] bytes = snapshot(variedHead(16, 4));
    for (int i = 0; i < bytes.length; i++) {
      byte[] corrupt = bytes.clone();
      corrupt[i] ^= (byte) (1 << (i % 8));
      int at = i;
      assertThatThrownBy(() -> restore(corrupt)).as("byte %d flipped", at).isInstanceOf(IOException.class);
    }
  }

  @Test
  void flippedChunkByteReportsChecksumMismatch() throws IOException {
    byte[] bytes = snapshot(variedHead(24, 5));
    bytes[bytes.length / 2] ^= 0x10;
    assertThatThrownBy(() -> restore(bytes)).isInstanceOf(IOException.class).hasMessageContaining("head snapshot");
    bytes[bytes.length / 2] ^= 0x10;
    bytes[bytes.length - 1] ^= 0x01;
    assertThatThrownBy(() -> restore(bytes)).isInstanceOf(IOException.class).hasMessageContaining("checksum mismatch");
  }

  @Test
  void everyTruncationIsRejected() throws IOException {
    byte[] bytes = snapshot(variedHead(24, 6));
    for (int length = 0; length < bytes.length; length++) {
      byte[] truncated = Arrays.copyOf(bytes, length);
      int at = length;
      assertThatThrownBy(() -> restore(truncated)).as("cut at %d", at).isInstanceOf(IOException.class)
          .hasMessageContaining("head snapshot");
    }
    assertThatThrownBy(() -> restore(Arrays.copyOf(bytes, bytes.length - 2)))
        .hasMessageContaining("truncated");
  }

  @Test
  void badMagicVersionAndOptionsAreNamed() throws IOException {
    byte[] bytes = snapshot(variedHead(3, 7));
    byte[] magic = bytes.clone();
    magic[0] = 'X';
    assertThatThrownBy(() -> restore(magic)).isInstanceOf(IOException.class).hasMessageContaining("magic");
    byte[] version = bytes.clone();
    version[4] = 3;
    assertThatThrownBy(() -> restore(version)).isInstanceOf(IOException.class).hasMessageContaining("version 3");
    assertThatThrownBy(() -> HeadSnapshot.read(new ByteArrayInputStream(bytes), new HeadOptions(60)))
        .isInstanceOf(IOException.class).hasMessageContaining("samplesPerChunk");
  }

  @Test
  void readConsumesExactlyOneSnapshotFromAStream() throws IOException {
    Head first = variedHead(10, 8);
    Head second = variedHead(20, 9);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    HeadSnapshot.write(first, out);
    HeadSnapshot.write(second, out);
    out.write(42);
    InputStream in = new ByteArrayInputStream(out.toByteArray());
    assertSameChunks(HeadSnapshot.read(in, OPTIONS), first);
    assertSameChunks(HeadSnapshot.read(in, OPTIONS), second);
    assertThat(in.read()).isEqualTo(42);
  }

  @Test
  void snapshotDuringAppendsHoldsAPrefixOfEachSeries() throws Exception {
    Head head = variedHead(50, 10);
    List<MemSeries> series = head.allSeries();
    for (int i = 0; i < series.size(); i++) {
      head.append(series.get(i), 1_799_999_999_000L, 0);
    }
    AtomicBoolean stop = new AtomicBoolean();
    Thread appender = new Thread(() -> {
      long t = 1_800_000_000_000L;
      while (!stop.get()) {
        for (int i = 0; i < series.size(); i++) {
          head.append(series.get(i), t, t);
        }
        t += 1000;
      }
    });
    appender.start();
    byte[] bytes;
    try {
      bytes = snapshot(head);
    } finally {
      stop.set(true);
      appender.join();
    }
    Head restored = restore(bytes);
    List<EncodedSeries> now = head.selectChunks(Long.MIN_VALUE, Long.MAX_VALUE, ALL);
    List<EncodedSeries> then = restored.selectChunks(Long.MIN_VALUE, Long.MAX_VALUE, ALL);
    assertThat(then).hasSameSizeAs(now);
    for (int i = 0; i < now.size(); i++) {
      List<EncodedChunk> thenChunks = then.get(i).chunks();
      List<EncodedChunk> nowChunks = now.get(i).chunks();
      // Closed chunks never change; the snapshot's last chunk is a prefix of the chunk at its position now.
      for (int c = 0; c < thenChunks.size() - 1; c++) {
        assertThat(thenChunks.get(c).data()).isEqualTo(nowChunks.get(c).data());
      }
      int last = thenChunks.size() - 1;
      assertThat(nowChunks.get(last).minTimeMs()).isEqualTo(thenChunks.get(last).minTimeMs());
      assertThat(nowChunks.get(last).maxTimeMs()).isGreaterThanOrEqualTo(thenChunks.get(last).maxTimeMs());
    }
  }
}
