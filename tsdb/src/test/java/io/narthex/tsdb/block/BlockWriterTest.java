package io.narthex.tsdb.block;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.tsdb.chunk.XorIterator;
import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.head.MemSeries;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import io.narthex.tsdb.storage.StaleMarker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockWriterTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final long STEP = 15_000L;
  private static final int SAMPLES = 500;
  private static final Map<String, String> EXTERNAL = Map.of("replica", "a", "tenant", "t-1");

  @TempDir Path tmp;

  private static Head head;

  @BeforeAll
  static void buildHead() {
    head = new Head();
    Random random = new Random(42);
    String[] names = {"http_requests_total", "node_cpu_seconds_total", "up", "go_gc_duration_seconds", "a:b:rate5m"};
    for (int s = 0; s < 50; s++) {
      Labels.Builder b = new Labels.Builder().set(Labels.METRIC_NAME, names[s % names.length])
          .set("instance", "host-" + s + ":9100");
      if (s % 2 == 0) {
        b.set("job", s % 4 == 0 ? "node" : "api");
      }
      if (s % 3 == 0) {
        b.set("zone", "eu-west-" + (s % 7));
      }
      MemSeries series = head.getOrCreate(b.build());
      for (int i = 0; i < SAMPLES; i++) {
        double v = switch (i % 50) {
          case 7 -> Double.NaN;
          case 13 -> StaleMarker.STALE_NAN;
          case 21 -> -0.0;
          case 22 -> Double.POSITIVE_INFINITY;
          case 23 -> 1e21 * random.nextDouble();
          case 24 -> -1e-7 * random.nextDouble();
          case 30 -> Double.MIN_VALUE;
          case 31 -> -Double.MAX_VALUE;
          default -> (s % 2 == 0) ? i * 10 + s : random.nextGaussian() * 1000;
        };
        // Jitter some timestamps so deltas vary.
        long t = T0 + i * STEP + (s % 5 == 1 ? (i * 7) % 1000 : 0);
        head.append(series, t, v);
      }
    }
  }

  private static List<EncodedSeries> all() {
    return head.selectChunks(Long.MIN_VALUE, Long.MAX_VALUE, List.of());
  }

  /** Expected dump lines of the head's samples in [minT, maxT), as promtool 2.42 prints them. */
  private static List<String[]> expected(long minT, long maxT) {
    List<String[]> out = new ArrayList<>();
    XorIterator it = new XorIterator();
    for (EncodedSeries s : all()) {
      for (EncodedChunk c : s.chunks()) {
        it.reset(c.data());
        while (it.next()) {
          if (it.timestampMs() >= minT && it.timestampMs() < maxT) {
            out.add(new String[] {s.labels().toString(), Long.toString(it.valueBits()), Long.toString(it.timestampMs())});
          }
        }
      }
    }
    return out;
  }

  @Test
  void fullBlockReadsBackThroughPromtool() throws Exception {
    long maxT = T0 + SAMPLES * STEP;
    BlockMeta meta = BlockWriter.write(tmp, all(), T0, maxT, EXTERNAL);
    List<String[]> expected = expected(T0, maxT);

    assertThat(meta.dir()).isEqualTo(tmp.resolve(meta.ulid()));
    assertThat(meta.numSeries()).isEqualTo(50);
    assertThat(meta.numSamples()).isEqualTo(50L * SAMPLES).isEqualTo(expected.size());
    assertThat(meta.numChunks()).isEqualTo(50L * 5); // 500 samples at 120 per chunk
    assertThat(Files.list(tmp).map(p -> p.getFileName().toString()).toList()).containsExactly(meta.ulid());
    assertThat(Files.readAllBytes(meta.dir().resolve("tombstones")))
        .containsExactly(0x01, 0x30, 0xBA, 0x30, 0x01, 0, 0, 0, 0);
    assertThat(Files.readString(meta.dir().resolve("meta.json")))
        .contains("\"version\": 1", "\"level\": 1", "\"source\": \"receive\"", "\"tenant\": \"t-1\"");

    assertListed(meta);
    String analyze = promtool("tsdb", "analyze", tmp.toString(), meta.ulid());
    assertThat(analyze).contains("Block ID: " + meta.ulid(), "Series: 50", "Label names: 4");
    assertDump(expected, T0, maxT - 1);
    assertChunksVerbatim(meta, all());
  }

  @Test
  void compactedBlockWritesLevelSourcesAndParentsAsPrometheus() throws Exception {
    long maxT = T0 + SAMPLES * STEP;
    BlockMetaFile.Compaction compaction = new BlockMetaFile.Compaction(3,
        List.of("01JC0000000000000000000003", "01JC0000000000000000000001", "01JC0000000000000000000001"),
        List.of(new BlockMetaFile.Parent("01JC0000000000000000000009", T0, T0 + 1000),
            new BlockMetaFile.Parent("01JC0000000000000000000008", T0 + 1000, maxT)));
    BlockMeta meta = BlockWriter.write(tmp, all(), T0, maxT, Map.of("__org_id__", "t-1"), compaction);

    assertThat(meta.compaction().level()).isEqualTo(3);
    assertThat(meta.compaction().sources())
        .containsExactly("01JC0000000000000000000001", "01JC0000000000000000000003");
    assertThat(Files.readString(meta.dir().resolve("meta.json"))).contains("""
        \t"compaction": {
        \t\t"level": 3,
        \t\t"sources": [
        \t\t\t"01JC0000000000000000000001",
        \t\t\t"01JC0000000000000000000003"
        \t\t],
        \t\t"parents": [
        \t\t\t{
        \t\t\t\t"ulid": "01JC0000000000000000000009",
        \t\t\t\t"minTime": %d,
        \t\t\t\t"maxTime": %d
        \t\t\t},
        \t\t\t{
        \t\t\t\t"ulid": "01JC0000000000000000000008",
        \t\t\t\t"minTime": %d,
        \t\t\t\t"maxTime": %d
        \t\t\t}
        \t\t]
        \t},""".formatted(T0, T0 + 1000, T0 + 1000, maxT), "\"source\": \"compactor\"");
    assertListed(meta);
  }

  @Test
  void levelOneBlockListsItselfAsItsOnlySource() throws Exception {
    BlockMeta meta = BlockWriter.write(tmp, all(), T0, T0 + SAMPLES * STEP, EXTERNAL);
    assertThat(meta.compaction()).isEqualTo(new BlockMetaFile.Compaction(1, List.of(meta.ulid()), List.of()));
    assertThat(Files.readString(meta.dir().resolve("meta.json"))).doesNotContain("parents");
  }

  @Test
  void trimsChunksCrossingTheRangeEdges() throws Exception {
    long minT = T0 + 37 * STEP + 1;
    long maxT = T0 + 401 * STEP - 5;
    BlockMeta meta = BlockWriter.write(tmp, all(), minT, maxT, Map.of());
    List<String[]> expected = expected(minT, maxT);
    assertThat(meta.numSamples()).isEqualTo(expected.size());
    assertThat(meta.numSeries()).isEqualTo(50);
    assertThat(Files.readString(meta.dir().resolve("meta.json"))).contains("\"labels\": {},");
    assertListed(meta);
    promtool("tsdb", "analyze", tmp.toString(), meta.ulid());
    // Ask promtool for more than the block holds: nothing outside [minT, maxT) may come back.
    assertDump(expected, T0 - 1, T0 + SAMPLES * STEP * 2);
  }

  @Test
  void cutsSegmentFiles() throws Exception {
    long maxT = T0 + SAMPLES * STEP;
    BlockMeta meta = BlockWriter.write(tmp, all(), T0, maxT, EXTERNAL, 16 * 1024);
    try (Stream<Path> files = Files.list(meta.dir().resolve("chunks"))) {
      assertThat(files.count()).isGreaterThan(3);
    }
    assertListed(meta);
    assertDump(expected(T0, maxT), T0, maxT);
    assertChunksVerbatim(meta, all());
  }

  @Test
  void rejectsUnsortableInput() {
    List<EncodedSeries> dup = List.of(all().get(0), all().get(0));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> BlockWriter.write(tmp, dup, T0, T0 + 1000, Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> BlockWriter.write(tmp, all(), T0, T0, Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(tmp.toFile().list()).isEmpty();
  }

  @Test
  void rejectsACompactionLevelBelowOne() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> BlockWriter.write(tmp, all(), T0, T0 + 1000, Map.of(),
        new BlockMetaFile.Compaction(0, List.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("compaction level must be >= 1, got 0");
    assertThat(tmp.toFile().list()).isEmpty();
  }

  @Test
  void writesExternalLabelsThatNeedEscapingAsValidJson() throws Exception {
    String value = "a\"b\\c\n\u0001é";
    BlockMeta meta = BlockWriter.write(tmp, all(), T0, T0 + 1000, Map.of("tenant", value));

    BlockMetaFile read = BlockMetaFile.parse(Files.readAllBytes(meta.dir().resolve(BlockMetaFile.FILENAME)));

    assertThat(read.externalLabels()).containsExactly(Map.entry("tenant", value));
  }

  // --- promtool ---------------------------------------------------------------------------------------------

  private void assertListed(BlockMeta meta) throws Exception {
    String list = promtool("tsdb", "list", tmp.toString());
    String row = list.lines().filter(l -> l.startsWith(meta.ulid())).findFirst().orElseThrow();
    // BLOCK ULID, MIN TIME, MAX TIME, DURATION, NUM SAMPLES, NUM CHUNKS, NUM SERIES, SIZE
    String[] cols = row.trim().split("\\s+");
    assertThat(cols[1]).isEqualTo(Long.toString(meta.minTimeMs()));
    assertThat(cols[2]).isEqualTo(Long.toString(meta.maxTimeMs()));
    assertThat(cols[4]).isEqualTo(Long.toString(meta.numSamples()));
    assertThat(cols[5]).isEqualTo(Long.toString(meta.numChunks()));
    assertThat(cols[6]).isEqualTo(Long.toString(meta.numSeries()));
  }

  /** promtool 2.42 dump prints {@code <labels> <%g value> <timestamp>} per sample, series in label order. */
  private void assertDump(List<String[]> expected, long minT, long maxT) throws Exception {
    // Opening the directory read-only as a DB needs a WAL directory, as in a real Prometheus data dir.
    Files.createDirectories(tmp.resolve("wal"));
    String dump = promtool("tsdb", "dump", "--min-time=" + minT, "--max-time=" + maxT, tmp.toString());
    List<String> lines = dump.lines().toList();
    assertThat(lines).hasSize(expected.size());
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      int ts = line.lastIndexOf(' ');
      int val = line.lastIndexOf(' ', ts - 1);
      String[] want = expected.get(i);
      assertThat(line.substring(0, val)).as("line %d: %s", i, line).isEqualTo(want[0]);
      assertThat(line.substring(ts + 1)).as("line %d: %s", i, line).isEqualTo(want[2]);
      double wantValue = Double.longBitsToDouble(Long.parseLong(want[1]));
      double got = parseGoFloat(line.substring(val + 1, ts));
      if (Double.isNaN(wantValue)) {
        assertThat(got).as("line %d: %s", i, line).isNaN();
      } else {
        assertThat(Double.doubleToRawLongBits(got)).as("line %d: %s", i, line)
            .isEqualTo(Double.doubleToRawLongBits(wantValue));
      }
    }
  }

  private static double parseGoFloat(String s) {
    return switch (s) {
      case "NaN" -> Double.NaN;
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(s);
    };
  }

  private static String promtool(String... args) throws Exception {
    return Promtool.installed().run(args);
  }

  // --- chunk files ------------------------------------------------------------------------------------------

  /** Reads every segment: header, then chunks with valid CRCs whose bytes equal the input chunks, in order. */
  private static void assertChunksVerbatim(BlockMeta meta, List<EncodedSeries> input) throws IOException {
    List<byte[]> want = new ArrayList<>();
    for (EncodedSeries s : input) {
      for (EncodedChunk c : s.chunks()) {
        want.add(c.data());
      }
    }
    List<byte[]> got = new ArrayList<>();
    List<Path> segments;
    try (Stream<Path> files = Files.list(meta.dir().resolve("chunks"))) {
      segments = files.sorted().toList();
    }
    for (int i = 0; i < segments.size(); i++) {
      assertThat(segments.get(i).getFileName().toString()).isEqualTo(String.format("%06d", i + 1));
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(segments.get(i)));
      assertThat(b.getInt()).isEqualTo(0x85BD40DD);
      assertThat(b.get()).isEqualTo((byte) 1);
      assertThat(new byte[] {b.get(), b.get(), b.get()}).containsExactly(0, 0, 0);
      while (b.hasRemaining()) {
        long len = 0;
        int shift = 0;
        int x;
        do {
          x = b.get() & 0xff;
          len |= (long) (x & 0x7f) << shift;
          shift += 7;
        } while (x >= 0x80);
        int start = b.position();
        assertThat(b.get()).isEqualTo((byte) 1); // XOR
        byte[] data = new byte[(int) len];
        b.get(data);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), start, 1 + (int) len);
        assertThat(b.getInt()).isEqualTo((int) crc.getValue());
        got.add(data);
      }
    }
    assertThat(got).hasSameSizeAs(want);
    for (int i = 0; i < want.size(); i++) {
      assertThat(got.get(i)).isEqualTo(want.get(i));
    }
    assertThat(new String(Files.readAllBytes(meta.dir().resolve("meta.json")), StandardCharsets.UTF_8))
        .contains("\"numChunks\": " + want.size());
  }
}
