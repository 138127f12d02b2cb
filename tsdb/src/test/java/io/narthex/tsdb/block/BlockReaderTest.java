package io.narthex.tsdb.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockReaderTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final long STEP = 15_000L;
  private static final int CHUNKS = 3;
  private static final int SAMPLES_PER_CHUNK = 40;
  /** Exclusive end of the block: one step after the last sample. */
  private static final long MAX_T = T0 + CHUNKS * SAMPLES_PER_CHUNK * STEP;

  @TempDir Path tmp;

  private static final List<EncodedSeries> INPUT = List.of(
      series(0, "__name__", "up", "job", "api", "instance", "a"),
      series(1, "__name__", "up", "job", "api", "instance", "b"),
      series(2, "__name__", "up", "job", "node", "instance", "a", "zone", "eu"),
      series(3, "__name__", "http_requests_total", "job", "api", "instance", "a", "code", "200"),
      series(4, "__name__", "http_requests_total", "job", "api", "instance", "a", "code", "500"),
      series(5, "__name__", "temperature", "room", "kitchen"),
      series(6, "__name__", "temperature", "room", "ünïcode 値"),
      series(7, "__name__", "a:rate5m", "job", "apple", "zone", "us"));

  /** A series of {@link #CHUNKS} chunks of {@link #SAMPLES_PER_CHUNK} samples every {@link #STEP} from T0. */
  private static EncodedSeries series(int id, String... labels) {
    List<EncodedChunk> chunks = new ArrayList<>();
    for (int c = 0; c < CHUNKS; c++) {
      XorAppender appender = new XorAppender();
      for (int i = 0; i < SAMPLES_PER_CHUNK; i++) {
        int n = c * SAMPLES_PER_CHUNK + i;
        appender.append(T0 + n * STEP, id * 1000 + n * 0.5);
      }
      chunks.add(new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes()));
    }
    return new EncodedSeries(Labels.of(labels), chunks);
  }

  private BlockMeta writeBlock() throws IOException {
    return BlockWriter.write(tmp, INPUT, T0, MAX_T, Map.of());
  }

  /** What {@code select} must return: input series matching every matcher, in Go label order. */
  private static List<EncodedSeries> expected(List<Matcher> matchers, long minT, long maxT) {
    List<EncodedSeries> out = new ArrayList<>();
    for (EncodedSeries s : INPUT) {
      if (matchers.stream().allMatch(m -> m.matches(s.labels().get(m.name())))) {
        List<EncodedChunk> chunks = s.chunks().stream().filter(c -> c.overlaps(minT, maxT)).toList();
        if (!chunks.isEmpty()) {
          out.add(new EncodedSeries(s.labels(), chunks));
        }
      }
    }
    out.sort((a, b) -> GoStrings.compare(a.labels(), b.labels()));
    return out;
  }

  private static void assertSameSeries(List<EncodedSeries> actual, List<EncodedSeries> expected, String what) {
    assertThat(actual).as(what).extracting(EncodedSeries::labels)
        .containsExactlyElementsOf(expected.stream().map(EncodedSeries::labels).toList());
    for (int i = 0; i < expected.size(); i++) {
      List<EncodedChunk> got = actual.get(i).chunks();
      List<EncodedChunk> want = expected.get(i).chunks();
      assertThat(got).as("%s: chunks of %s", what, want).hasSameSizeAs(want);
      for (int c = 0; c < want.size(); c++) {
        assertThat(got.get(c).minTimeMs()).isEqualTo(want.get(c).minTimeMs());
        assertThat(got.get(c).maxTimeMs()).isEqualTo(want.get(c).maxTimeMs());
        assertThat(got.get(c).data()).as("%s: chunk %d of %s", what, c, want).isEqualTo(want.get(c).data());
      }
    }
  }

  @Test
  void allSeriesReadsEverySeriesWithAllItsChunksInLabelOrderAcrossBatches() throws Exception {
    BlockMeta meta = writeBlock();
    BlockReader reader = BlockReader.open(meta.ulid(), BlockFiles.directory(meta.dir()));

    for (int batchSize : new int[] {1, 3, INPUT.size(), 100}) {
      BlockReader.SeriesCursor cursor = reader.allSeries(batchSize);
      List<EncodedSeries> read = new ArrayList<>();
      for (EncodedSeries s = cursor.next(); s != null; s = cursor.next()) {
        read.add(s);
      }
      assertThat(cursor.next()).isNull();
      assertSameSeries(read, expected(List.of(), Long.MIN_VALUE, Long.MAX_VALUE), "batch size " + batchSize);
    }
  }

  @Test
  void streamedBlockReadsBackLikeOneWrittenWhole() throws Exception {
    List<EncodedSeries> sorted = new ArrayList<>(INPUT);
    sorted.sort((a, b) -> GoStrings.compare(a.labels(), b.labels()));
    TreeSet<String> symbols = new TreeSet<>(List.of("unused_name", "unused value"));
    sorted.forEach(s -> s.labels().forEach((name, value) -> {
      symbols.add(name);
      symbols.add(value);
    }));
    BlockMetaFile.Compaction compaction = new BlockMetaFile.Compaction(2, List.of(), List.of());

    BlockMeta meta;
    try (BlockWriter.Streaming writer = BlockWriter.stream(tmp, symbols, T0, MAX_T, Map.of(), compaction)) {
      for (EncodedSeries s : sorted) {
        writer.add(s);
      }
      assertThatThrownBy(() -> writer.add(sorted.getFirst())).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("series out of order");
      meta = writer.finish();
    }

    BlockReader reader = BlockReader.open(meta.ulid(), BlockFiles.directory(meta.dir()));
    assertThat(meta.numSeries()).isEqualTo(INPUT.size());
    assertThat(reader.validate(T0, MAX_T).numSeries()).isEqualTo(INPUT.size());
    assertSameSeries(reader.select(Long.MIN_VALUE, Long.MAX_VALUE, List.of()),
        expected(List.of(), Long.MIN_VALUE, Long.MAX_VALUE), "streamed block");
  }

  @Test
  void streamedBlockClosedUnfinishedLeavesNothing() throws Exception {
    try (BlockWriter.Streaming writer = BlockWriter.stream(tmp, List.of("__name__", "up"), T0, MAX_T, Map.of(),
        new BlockMetaFile.Compaction(2, List.of(), List.of()))) {
      writer.add(series(0, "__name__", "up"));
    }

    try (var entries = Files.list(tmp)) {
      assertThat(entries).isEmpty();
    }
  }

  private static List<List<Matcher>> matcherSets() {
    return List.of(
        List.of(),
        List.of(eq("job", "api")),
        List.of(Matcher.of(Matcher.Type.NOT_EQUAL, "job", "api")),
        List.of(re("job", "api|node")),
        List.of(re("job", "a.*")),
        List.of(nre("job", "a.*")),
        List.of(nre("job", "")),
        List.of(eq("zone", "")),
        List.of(re("zone", "")),
        List.of(re("zone", "eu|")),
        List.of(Matcher.of(Matcher.Type.NOT_EQUAL, "instance", "")),
        List.of(eq("__name__", "up"), re("instance", "a|c")),
        List.of(eq("__name__", "up"), Matcher.of(Matcher.Type.NOT_EQUAL, "zone", "eu")),
        List.of(eq("nonexistent", "x")),
        List.of(eq("nonexistent", "")),
        List.of(nre("nonexistent", "x")),
        List.of(re("job", ".*")),
        List.of(re("job", ".+")),
        List.of(re("code", "5..")),
        List.of(re("room", "ü.*")),
        List.of(eq("room", "ünïcode 値")),
        List.of(eq("job", "api"), eq("job", "node")));
  }

  private static Matcher eq(String name, String value) {
    return Matcher.of(Matcher.Type.EQUAL, name, value);
  }

  private static Matcher re(String name, String value) {
    return Matcher.of(Matcher.Type.REGEX, name, value);
  }

  private static Matcher nre(String name, String value) {
    return Matcher.of(Matcher.Type.NOT_REGEX, name, value);
  }

  @Test
  void selectsSeriesMatchingEqualityAndRegexMatchersWithPrometheusEmptySemantics() throws Exception {
    BlockMeta meta = writeBlock();
    BlockReader reader = BlockReader.open(meta.ulid(), BlockFiles.directory(meta.dir()));
    assertThat(reader.ulid()).isEqualTo(meta.ulid());
    for (List<Matcher> matchers : matcherSets()) {
      assertSameSeries(reader.select(T0, MAX_T, matchers), expected(matchers, T0, MAX_T), matchers.toString());
    }
    assertThat(reader.select(T0, MAX_T, List.of(eq("job", "api")))).hasSize(4);
    assertThat(reader.select(T0, MAX_T, List.of(eq("zone", "")))).hasSize(6);
  }

  @Test
  void selectReturnsWholeChunksOverlappingTheInclusiveTimeRange() throws Exception {
    BlockMeta meta = writeBlock();
    BlockReader reader = BlockReader.open(meta.ulid(), BlockFiles.directory(meta.dir()));
    EncodedChunk first = INPUT.get(0).chunks().get(0);
    EncodedChunk second = INPUT.get(0).chunks().get(1);
    long[][] ranges = {
        {first.maxTimeMs(), first.maxTimeMs()},
        {first.maxTimeMs(), second.minTimeMs()},
        {first.maxTimeMs() + 1, second.minTimeMs() - 1},
        {first.minTimeMs() + 1, first.minTimeMs() + 1},
        {T0 - 10 * STEP, T0 - 1},
        {MAX_T, MAX_T + STEP},
        {Long.MIN_VALUE, Long.MAX_VALUE},
    };
    for (long[] r : ranges) {
      List<Matcher> matchers = List.of(re("job", "api|node"));
      assertSameSeries(reader.select(r[0], r[1], matchers), expected(matchers, r[0], r[1]),
          "[" + r[0] + ", " + r[1] + "]");
    }
    assertThat(reader.select(first.maxTimeMs(), first.maxTimeMs(), List.of()).get(0).chunks()).hasSize(1);
    assertThat(reader.select(first.maxTimeMs() + 1, second.minTimeMs() - 1, List.of())).isEmpty();
    assertThat(reader.select(MAX_T, T0, List.of())).isEmpty();
  }

  @Test
  void labelNamesAndValuesFollowTheMatchers() throws Exception {
    BlockMeta meta = writeBlock();
    BlockReader reader = BlockReader.open(meta.ulid(), BlockFiles.directory(meta.dir()));

    assertThat(reader.header().labelNames())
        .containsExactly("__name__", "code", "instance", "job", "room", "zone");
    assertThat(reader.labelNames(List.of())).isEqualTo(reader.header().labelNames());
    assertThat(reader.labelNames(List.of(eq("job", "node")))).containsExactly("__name__", "instance", "job", "zone");
    assertThat(reader.labelNames(List.of(eq("job", "nope")))).isEmpty();
    assertThat(reader.header().labelValues("job")).containsExactly("api", "apple", "node");
    assertThat(reader.header().labelValues("nonexistent")).isEmpty();
    assertThat(reader.labelValues("room", List.of())).containsExactly("kitchen", "ünïcode 値");
    assertThat(reader.labelValues("instance", List.of(eq("__name__", "up")))).containsExactly("a", "b");
    assertThat(reader.labelValues("code", List.of(eq("job", "api")))).containsExactly("200", "500");
    assertThat(reader.labelValues("zone", List.of(eq("zone", "")))).isEmpty();
    assertThat(reader.labelValues("nonexistent", List.of(eq("job", "api")))).isEmpty();

    for (List<Matcher> matchers : matcherSets()) {
      List<EncodedSeries> matched = expected(matchers, Long.MIN_VALUE, Long.MAX_VALUE);
      TreeSet<String> names = new TreeSet<>(GoStrings.ORDER);
      matched.forEach(s -> names.addAll(s.labels().names()));
      assertThat(reader.labelNames(matchers)).as("names %s", matchers).containsExactlyElementsOf(names);
      for (String name : List.of("__name__", "job", "instance", "zone")) {
        TreeSet<String> values = new TreeSet<>(GoStrings.ORDER);
        matched.stream().filter(s -> s.labels().has(name)).forEach(s -> values.add(s.labels().get(name)));
        assertThat(reader.labelValues(name, matchers)).as("values of %s %s", name, matchers)
            .containsExactlyElementsOf(values);
      }
    }
  }

  @Test
  void savedIndexHeaderGivesTheSameAnswers() throws Exception {
    BlockMeta meta = writeBlock();
    BlockFiles files = BlockFiles.directory(meta.dir());
    IndexHeader read = IndexHeader.read(files);
    Path file = tmp.resolve("headers").resolve(meta.ulid() + ".index-header");
    read.write(file);
    read.write(file); // overwrites
    IndexHeader loaded = IndexHeader.load(file);
    try (var listing = Files.list(file.getParent())) {
      assertThat(listing.toList()).containsExactly(file);
    }

    assertThat(loaded.labelNames()).isEqualTo(read.labelNames());
    for (String name : read.labelNames()) {
      assertThat(loaded.labelValues(name)).isEqualTo(read.labelValues(name));
    }
    assertThat(loaded.memoryBytes()).isEqualTo(read.memoryBytes()).isPositive();
    BlockReader fromDisk = new BlockReader(meta.ulid(), loaded, files, IndexCache.NONE);
    for (List<Matcher> matchers : matcherSets()) {
      assertSameSeries(fromDisk.select(T0, MAX_T, matchers), expected(matchers, T0, MAX_T), matchers.toString());
    }

    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 1;
    Files.write(file, bytes);
    assertThatThrownBy(() -> IndexHeader.load(file)).isInstanceOf(IOException.class).hasMessageContaining("checksum");
  }

  @Test
  void openReadsOnlyTheHeaderSectionsAndTheCacheServesRepeatedQueries() throws Exception {
    BlockMeta meta = writeBlock();
    CountingFiles files = new CountingFiles(BlockFiles.directory(meta.dir()));
    long indexSize = Files.size(meta.dir().resolve("index"));

    IndexHeader header = IndexHeader.read(files);
    assertThat(files.reads).isLessThanOrEqualTo(6);
    assertThat(files.bytesRead).isLessThan(indexSize / 2);
    assertThat(files.names).containsOnly("index");

    MapCache cache = new MapCache();
    BlockReader reader = new BlockReader(meta.ulid(), header, files, cache);
    List<Matcher> matchers = List.of(re("job", "api|node"), nre("zone", "us"));
    List<EncodedSeries> first = reader.select(T0, MAX_T, matchers);
    assertThat(cache.puts.keySet()).containsOnly(IndexCache.Kind.POSTINGS, IndexCache.Kind.SERIES,
        IndexCache.Kind.CHUNKS);
    assertThat(cache.puts.get(IndexCache.Kind.SERIES)).isEqualTo(first.size());
    assertThat(cache.puts.get(IndexCache.Kind.CHUNKS)).isEqualTo(first.size() * CHUNKS);
    assertThat(cache.entries.values()).allSatisfy(
        entries -> assertThat(entries.keySet()).allMatch(key -> key.block().equals(meta.ulid())));

    files.reads = 0;
    List<EncodedSeries> second = reader.select(T0, MAX_T, matchers);
    assertThat(files.reads).isZero();
    assertSameSeries(second, first, "cached");
  }

  @Test
  void readsChunksAcrossManySegmentFiles() throws Exception {
    BlockMeta meta = BlockWriter.write(tmp, INPUT, T0, MAX_T, Map.of(), 200);
    try (var segments = Files.list(meta.dir().resolve("chunks"))) {
      assertThat(segments.count()).isGreaterThan(3);
    }
    BlockReader reader = BlockReader.open(meta.ulid(), BlockFiles.directory(meta.dir()));
    assertSameSeries(reader.select(T0, MAX_T, List.of()), expected(List.of(), T0, MAX_T), "all");
    assertThat(reader.validate(T0, MAX_T)).isEqualTo(new BlockReader.BlockStats(INPUT.size(),
        (long) INPUT.size() * CHUNKS, (long) INPUT.size() * CHUNKS * SAMPLES_PER_CHUNK));
  }

  @Test
  void readsSeriesEntriesAndChunksLongerThanTheFirstReadWindow() throws Exception {
    java.util.Random random = new java.util.Random(7);
    XorAppender big = new XorAppender();
    for (int i = 0; i < 3000; i++) {
      big.append(T0 + i * STEP, random.nextGaussian());
    }
    List<EncodedChunk> many = new ArrayList<>();
    for (int c = 0; c < 1500; c++) {
      XorAppender small = new XorAppender();
      small.append(T0 + c * 2 * STEP, c);
      small.append(T0 + (c * 2 + 1) * STEP, c + 0.5);
      many.add(new EncodedChunk(small.minTimeMs(), small.maxTimeMs(), small.bytes()));
    }
    List<EncodedSeries> input = List.of(
        new EncodedSeries(Labels.of("__name__", "big_chunk"), List.of(
            new EncodedChunk(big.minTimeMs(), big.maxTimeMs(), big.bytes()))),
        new EncodedSeries(Labels.of("__name__", "many_chunks"), many));
    assertThat(big.bytes().length).isGreaterThan(BlockReader.CHUNK_WINDOW_BYTES);
    long maxT = T0 + 3000 * STEP;
    BlockMeta meta = BlockWriter.write(tmp, input, T0, maxT, Map.of());

    BlockReader reader = BlockReader.open(meta.ulid(), BlockFiles.directory(meta.dir()));
    List<EncodedSeries> got = reader.select(T0, maxT, List.of(re("__name__", ".+")));
    assertSameSeries(got, input, "long entries");
    assertThat(reader.validate(T0, maxT)).isEqualTo(new BlockReader.BlockStats(2, 1501, 3000 + 3000));
  }

  @Test
  void validatePassesAndCountsSeriesChunksAndSamples() throws Exception {
    BlockMeta meta = writeBlock();
    BlockReader reader = BlockReader.open(meta.ulid(), BlockFiles.directory(meta.dir()));
    BlockReader.BlockStats stats = reader.validate(meta.minTimeMs(), meta.maxTimeMs());
    assertThat(stats).isEqualTo(new BlockReader.BlockStats(meta.numSeries(), meta.numChunks(), meta.numSamples()));
    assertThat(stats.numSamples()).isEqualTo((long) INPUT.size() * CHUNKS * SAMPLES_PER_CHUNK);
  }

  @Test
  void validateRejectsACorruptedChunkByte() throws Exception {
    BlockMeta meta = writeBlock();
    Path segment = meta.dir().resolve("chunks/000001");
    flipByte(segment, 20); // inside the first chunk's data
    BlockReader reader = BlockReader.open(meta.ulid(), BlockFiles.directory(meta.dir()));
    assertThatThrownBy(() -> reader.validate(T0, MAX_T))
        .isInstanceOf(BlockValidationException.class)
        .hasMessageContaining("chunks/000001 offset 8")
        .hasMessageContaining("crc32c")
        .hasMessageContaining(INPUT.get(7).labels().toString());
    assertThatThrownBy(() -> reader.select(T0, MAX_T, List.of())).isInstanceOf(IOException.class)
        .hasMessageContaining("crc32c");
  }

  @Test
  void validateRejectsAChunkRefPastTheSegmentEnd() throws Exception {
    BlockMeta meta = writeBlock();
    Path segment = meta.dir().resolve("chunks/000001");
    long size = Files.size(segment);
    try (RandomAccessFile file = new RandomAccessFile(segment.toFile(), "rw")) {
      file.setLength(size - 30); // cuts off the last chunk and part of the one before
    }
    BlockReader reader = BlockReader.open(meta.ulid(), BlockFiles.directory(meta.dir()));
    assertThatThrownBy(() -> reader.validate(T0, MAX_T))
        .isInstanceOf(BlockValidationException.class)
        .hasMessageContaining("past the end of chunks/000001")
        .hasMessageContaining("chunk ref");
  }

  @Test
  void validateRejectsAMissingSegmentFile() throws Exception {
    BlockMeta meta = BlockWriter.write(tmp, INPUT, T0, MAX_T, Map.of(), 200);
    Files.delete(meta.dir().resolve("chunks/000003"));
    BlockReader reader = BlockReader.open(meta.ulid(), BlockFiles.directory(meta.dir()));
    assertThatThrownBy(() -> reader.validate(T0, MAX_T))
        .isInstanceOf(BlockValidationException.class)
        .hasMessageContaining("chunks/000003 missing");
    assertThatThrownBy(() -> reader.select(T0, MAX_T, List.of())).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void validateRejectsAChunkOutsideTheBlockRange() throws Exception {
    BlockMeta meta = writeBlock();
    BlockReader reader = BlockReader.open(meta.ulid(), BlockFiles.directory(meta.dir()));
    long lastSample = MAX_T - STEP;
    // maxTime is exclusive: a block ending at the last sample's timestamp does not hold it.
    assertThatThrownBy(() -> reader.validate(T0, lastSample))
        .isInstanceOf(BlockValidationException.class)
        .hasMessageContaining("outside the block range [" + T0 + ", " + lastSample + ")");
    assertThatThrownBy(() -> reader.validate(T0 + 1, MAX_T))
        .isInstanceOf(BlockValidationException.class)
        .hasMessageContaining("outside the block range");
  }

  @Test
  void validateRejectsACorruptSeriesEntry() throws Exception {
    BlockMeta meta = writeBlock();
    BlockReader reader = BlockReader.open(meta.ulid(), BlockFiles.directory(meta.dir()));
    long firstRef = Integer.toUnsignedLong(reader.postingsForMatchers(List.of()).first());
    flipByte(meta.dir().resolve("index"), firstRef * 16 + 3);
    assertThatThrownBy(() -> reader.validate(T0, MAX_T))
        .isInstanceOf(BlockValidationException.class)
        .hasMessageContaining("series ref " + firstRef)
        .hasMessageContaining("checksum mismatch");
  }

  @Test
  void rejectsHistogramChunksWithAClearMessage() throws Exception {
    BlockMeta meta = writeBlock();
    Path segment = meta.dir().resolve("chunks/000001");
    byte[] bytes = Files.readAllBytes(segment);
    // First chunk at offset 8: uvarint length (one or two bytes), encoding, data, CRC32C(encoding, data).
    int len = bytes[8] & 0x7f;
    int at = 9;
    if ((bytes[8] & 0x80) != 0) {
      len |= (bytes[9] & 0x7f) << 7;
      at = 10;
    }
    bytes[at] = 2;
    CRC32C crc = new CRC32C();
    crc.update(bytes, at, 1 + len);
    int c = (int) crc.getValue();
    int crcAt = at + 1 + len;
    bytes[crcAt] = (byte) (c >>> 24);
    bytes[crcAt + 1] = (byte) (c >>> 16);
    bytes[crcAt + 2] = (byte) (c >>> 8);
    bytes[crcAt + 3] = (byte) c;
    Files.write(segment, bytes);

    BlockReader reader = BlockReader.open(meta.ulid(), BlockFiles.directory(meta.dir()));
    assertThatThrownBy(() -> reader.select(T0, MAX_T, List.of()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unsupported chunk encoding 2 (native histogram)");
    assertThatThrownBy(() -> reader.validate(T0, MAX_T))
        .isInstanceOf(BlockValidationException.class)
        .hasMessageContaining("native histogram");
  }

  @Test
  void rejectsAnUnsupportedIndexVersionAndACorruptToc() throws Exception {
    BlockMeta meta = writeBlock();
    Path index = meta.dir().resolve("index");
    byte[] original = Files.readAllBytes(index);

    byte[] v1 = original.clone();
    v1[4] = 1;
    Files.write(index, v1);
    assertThatThrownBy(() -> IndexHeader.read(BlockFiles.directory(meta.dir())))
        .isInstanceOf(IOException.class).hasMessageContaining("unsupported format version 1");

    byte[] badToc = original.clone();
    badToc[badToc.length - 10] ^= 0x40;
    Files.write(index, badToc);
    assertThatThrownBy(() -> IndexHeader.read(BlockFiles.directory(meta.dir())))
        .isInstanceOf(IOException.class).hasMessageContaining("TOC checksum mismatch");

    Files.delete(index);
    assertThatThrownBy(() -> BlockReader.open(meta.ulid(), BlockFiles.directory(meta.dir())))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void directoryFilesReadShortOnlyAtTheEnd() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("b/chunks"));
    Files.write(dir.resolve("000001"), new byte[] {1, 2, 3, 4, 5});
    BlockFiles files = BlockFiles.directory(tmp.resolve("b"));
    assertThat(files.size("chunks/000001")).isEqualTo(5);
    assertThat(files.read("chunks/000001", 1, 3)).containsExactly(2, 3, 4);
    assertThat(files.read("chunks/000001", 3, 10)).containsExactly(4, 5);
    assertThat(files.read("chunks/000001", 9, 10)).isEmpty();
    assertThatThrownBy(() -> files.read("chunks/000002", 0, 1)).isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> files.size("index")).isInstanceOf(NoSuchFileException.class);
  }

  private static void flipByte(Path file, long offset) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0x10);
    }
  }

  /** Counts reads and bytes read, per file name. */
  static final class CountingFiles implements BlockFiles {
    private final BlockFiles delegate;
    int reads;
    long bytesRead;
    final TreeSet<String> names = new TreeSet<>();

    CountingFiles(BlockFiles delegate) {
      this.delegate = delegate;
    }

    @Override
    public byte[] read(String name, long offsetBytes, int lengthBytes) throws IOException {
      byte[] bytes = delegate.read(name, offsetBytes, lengthBytes);
      reads++;
      bytesRead += bytes.length;
      names.add(name);
      return bytes;
    }

    @Override
    public long size(String name) throws IOException {
      return delegate.size(name);
    }
  }

  /** An unbounded cache that counts puts per kind. */
  static final class MapCache implements IndexCache {
    final Map<Kind, Map<Key, byte[]>> entries = new HashMap<>();
    final Map<Kind, Integer> puts = new HashMap<>();

    @Override
    public byte[] get(Kind kind, Key key) {
      return entries.getOrDefault(kind, Map.of()).get(key);
    }

    @Override
    public void put(Kind kind, Key key, byte[] value) {
      entries.computeIfAbsent(kind, k -> new HashMap<>()).put(key, value);
      puts.merge(kind, 1, Integer::sum);
    }
  }
}
