package io.narthex.tsdb.block;

import io.narthex.tsdb.index.PostingsForMatchers;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.roaringbitmap.FastAggregation;
import org.roaringbitmap.IntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * Queries one Prometheus block (index v2, chunks v1; see {@code tsdb/docs/format/prometheus-block.md}) through
 * range reads on its {@link BlockFiles}, keeping only its {@link IndexHeader} in memory, as Mimir's store-gateway
 * reads a block. Postings lists, series entries and chunks are fetched on demand, cached in the {@link IndexCache}
 * and checked against their CRC32C. Thread-safe.
 *
 * <p>Label names and values, and series, come back in the index's order: Go string order (UTF-8 bytes), which is
 * {@link String#compareTo}'s order except for supplementary characters.
 */
public final class BlockReader {
  /** First read of a series entry; longer entries take a second read. */
  static final int SERIES_WINDOW_BYTES = 4096;
  /** First read of a chunk record when the next chunk does not bound it; longer chunks take a second read. */
  static final int CHUNK_WINDOW_BYTES = 4096;

  private final String ulid;
  private final IndexHeader header;
  private final BlockFiles files;
  private final IndexCache cache;
  private final PostingsView postingsView = new PostingsView();

  public BlockReader(String ulid, IndexHeader header, BlockFiles files, IndexCache cache) {
    this.ulid = ulid;
    this.header = header;
    this.files = files;
    this.cache = cache;
  }

  /** Reads the index header with range reads; caches nothing. */
  public static BlockReader open(String ulid, BlockFiles files) throws IOException {
    return new BlockReader(ulid, IndexHeader.read(files), files, IndexCache.NONE);
  }

  public String ulid() {
    return ulid;
  }

  public IndexHeader header() {
    return header;
  }

  /**
   * Series matching every matcher, in label order, each with its whole chunks overlapping
   * {@code [minTimeMs, maxTimeMs]} (both inclusive) sorted by minimum time; series without such a chunk are left
   * out.
   *
   * @throws IOException on a read error, corrupt data, or a chunk that is not XOR (native histograms)
   */
  public List<EncodedSeries> select(long minTimeMs, long maxTimeMs, List<Matcher> matchers) throws IOException {
    if (minTimeMs > maxTimeMs) {
      return List.of();
    }
    return select(minTimeMs, maxTimeMs, postingsForMatchers(matchers));
  }

  /** The series of {@code ids} with their chunks overlapping the range, as {@link #select(long, long, List)}. */
  private List<EncodedSeries> select(long minTimeMs, long maxTimeMs, RoaringBitmap ids) throws IOException {
    List<SeriesEntry> entries = series(ids);
    int numRefs = 0;
    for (SeriesEntry entry : entries) {
      for (int c = 0; c < entry.numChunks(); c++) {
        if (overlaps(entry, c, minTimeMs, maxTimeMs)) {
          numRefs++;
        }
      }
    }
    long[] refs = new long[numRefs];
    int k = 0;
    for (SeriesEntry entry : entries) {
      for (int c = 0; c < entry.numChunks(); c++) {
        if (overlaps(entry, c, minTimeMs, maxTimeMs)) {
          refs[k++] = entry.chunkRefs()[c];
        }
      }
    }
    byte[][] data = chunks(refs);
    List<EncodedSeries> out = new ArrayList<>();
    k = 0;
    for (SeriesEntry entry : entries) {
      List<EncodedChunk> chunks = new ArrayList<>();
      for (int c = 0; c < entry.numChunks(); c++) {
        if (overlaps(entry, c, minTimeMs, maxTimeMs)) {
          chunks.add(new EncodedChunk(entry.minTimesMs()[c], entry.maxTimesMs()[c], data[k++]));
        }
      }
      if (!chunks.isEmpty()) {
        chunks.sort((a, b) -> Long.compare(a.minTimeMs(), b.minTimeMs()));
        out.add(new EncodedSeries(entry.labels(), chunks));
      }
    }
    return out;
  }

  /**
   * Every series of the block with all its chunks, in index order (Prometheus's label order), read
   * {@code batchSize} series at a time: at most one batch of series and their chunks is held, however large the
   * block. For compaction, which must see the whole block without loading it.
   */
  public SeriesCursor allSeries(int batchSize) throws IOException {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
    }
    return new SeriesCursor(postingsView.allPostings().toArray(), batchSize);
  }

  /** See {@link #allSeries}. Not thread-safe. */
  public final class SeriesCursor {
    private final int[] ids;
    private final int batchSize;
    private int nextId;
    private List<EncodedSeries> batch = List.of();
    private int inBatch;

    private SeriesCursor(int[] ids, int batchSize) {
      this.ids = ids;
      this.batchSize = batchSize;
    }

    /** The next series, or null after the last. */
    public EncodedSeries next() throws IOException {
      while (inBatch == batch.size()) {
        if (nextId == ids.length) {
          return null;
        }
        int end = (int) Math.min(ids.length, (long) nextId + batchSize);
        batch = select(Long.MIN_VALUE, Long.MAX_VALUE,
            RoaringBitmap.bitmapOf(Arrays.copyOfRange(ids, nextId, end)));
        nextId = end;
        inBatch = 0;
      }
      return batch.get(inBatch++);
    }
  }

  private static boolean overlaps(SeriesEntry entry, int chunk, long minTimeMs, long maxTimeMs) {
    return entry.maxTimesMs()[chunk] >= minTimeMs && entry.minTimesMs()[chunk] <= maxTimeMs;
  }

  /** Sorted label names of the series matching the matchers; of all series when there are none. */
  public List<String> labelNames(List<Matcher> matchers) throws IOException {
    if (matchers.isEmpty()) {
      return header.labelNames();
    }
    TreeSet<String> names = new TreeSet<>(GoStrings.ORDER);
    for (SeriesEntry entry : series(postingsForMatchers(matchers))) {
      for (int i = 0; i < entry.pairs().length; i += 2) {
        names.add(entry.pairs()[i]);
      }
    }
    return List.copyOf(names);
  }

  /** Sorted values of label {@code name} among the series matching the matchers (all series when none). */
  public List<String> labelValues(String name, List<Matcher> matchers) throws IOException {
    IndexHeader.ValueTable table = header.valueTable(name);
    if (table == null) {
      return List.of();
    }
    if (matchers.isEmpty()) {
      return header.labelValues(name);
    }
    RoaringBitmap ids = postingsForMatchers(matchers);
    if (ids.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    if (table.values().length <= ids.getCardinality()) {
      // Fewer postings lists to read than series: keep the values whose postings meet the matched series.
      RoaringBitmap[] postings = postings(name, table.values(), table.offsets());
      for (int i = 0; i < postings.length; i++) {
        if (RoaringBitmap.intersects(postings[i], ids)) {
          out.add(table.values()[i]);
        }
      }
      return out;
    }
    TreeSet<String> values = new TreeSet<>(GoStrings.ORDER);
    for (SeriesEntry entry : series(ids)) {
      String[] pairs = entry.pairs();
      for (int i = 0; i < pairs.length; i += 2) {
        if (pairs[i].equals(name)) {
          values.add(pairs[i + 1]);
        }
      }
    }
    return List.copyOf(values);
  }

  /**
   * Full check of the block before it is accepted (backfill upload); see {@link BlockValidator}. Chunk times must
   * fall in {@code [minTimeMs, maxTimeMs)}, meta.json's range.
   *
   * @throws BlockValidationException naming the first problem (series labels, chunk ref, file)
   * @throws IOException on a read error other than a missing or corrupt file
   */
  public BlockStats validate(long minTimeMs, long maxTimeMs) throws BlockValidationException, IOException {
    return new BlockValidator(files, minTimeMs, maxTimeMs).validate();
  }

  /** Counts of a validated block. */
  public record BlockStats(long numSeries, long numChunks, long numSamples) {}

  // --- postings ---------------------------------------------------------------------------------------------

  /** Prometheus's {@code PostingsForMatchers}, as the head's, over postings lists fetched by range reads. */
  RoaringBitmap postingsForMatchers(List<Matcher> matchers) throws IOException {
    return PostingsForMatchers.select(postingsView, matchers);
  }

  /**
   * The postings lists as {@link PostingsForMatchers} reads them: a value's handle is its position in the name's
   * {@link IndexHeader.ValueTable}; the lists are read, together, only for the union.
   */
  private final class PostingsView implements PostingsForMatchers.Index<Integer, IOException> {
    @Override
    public RoaringBitmap allPostings() throws IOException {
      long offset = header.allPostingsOffset();
      if (offset < 0) {
        throw new CorruptBlockException("index: no all-series postings list (key \"\" \"\")");
      }
      return postings("", new String[] {""}, new long[] {offset})[0];
    }

    @Override
    public Integer lookup(String name, String value) {
      IndexHeader.ValueTable table = header.valueTable(name);
      int i = table == null ? -1 : table.indexOf(value);
      return i < 0 ? null : i;
    }

    @Override
    public void forEachValue(String name, String from, PostingsForMatchers.ValueVisitor<Integer> visitor) {
      IndexHeader.ValueTable table = header.valueTable(name);
      if (table == null) {
        return;
      }
      String[] values = table.values();
      int first = from.isEmpty() ? 0 : table.indexOf(from);
      for (int i = first < 0 ? -first - 1 : first; i < values.length; i++) {
        if (!visitor.visit(values[i], i)) {
          return;
        }
      }
    }

    @Override
    public RoaringBitmap union(String name, List<Integer> positions) throws IOException {
      IndexHeader.ValueTable table = header.valueTable(name);
      String[] values = new String[positions.size()];
      long[] offsets = new long[positions.size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = table.values()[positions.get(i)];
        offsets[i] = table.offsets()[positions.get(i)];
      }
      RoaringBitmap[] lists = postings(name, values, offsets);
      return lists.length == 1 ? lists[0] : FastAggregation.or(lists);
    }
  }

  /** Postings lists of {@code name=values[i]} at {@code offsets[i]}, through the cache. */
  private RoaringBitmap[] postings(String name, String[] values, long[] offsets) throws IOException {
    RoaringBitmap[] out = new RoaringBitmap[values.length];
    byte[][] contents = new byte[values.length][];
    IndexCache.Key[] keys = new IndexCache.Key[values.length];
    int missing = 0;
    for (int i = 0; i < values.length; i++) {
      keys[i] = IndexCache.Key.postings(ulid, name, values[i]);
      contents[i] = cache.get(IndexCache.Kind.POSTINGS, keys[i]);
      if (contents[i] == null) {
        missing++;
      }
    }
    if (missing > 0) {
      int[] which = new int[missing];
      long[] starts = new long[missing];
      long[] ends = new long[missing];
      int k = 0;
      for (int i = 0; i < values.length; i++) {
        if (contents[i] == null) {
          which[k] = i;
          starts[k] = offsets[i];
          ends[k] = header.endOf(offsets[i]);
          k++;
        }
      }
      ByteSlice[] slices = RangeReads.read(files, IndexHeader.INDEX, starts, ends);
      for (k = 0; k < missing; k++) {
        int i = which[k];
        contents[i] = postingsContent(slices[k], name, values[i], offsets[i]);
        cache.put(IndexCache.Kind.POSTINGS, keys[i], contents[i]);
      }
    }
    for (int i = 0; i < values.length; i++) {
      out[i] = decodePostings(contents[i], name, values[i]);
    }
    return out;
  }

  /** The content ({@code count | ids}) of the postings section at the start of {@code slice}, CRC checked. */
  static byte[] postingsContent(ByteSlice slice, String name, String value, long offset)
      throws CorruptBlockException {
    String what = "index: postings " + name + "=\"" + value + "\" at offset " + offset;
    if (slice.length() < 8) {
      throw new CorruptBlockException(what + ": truncated");
    }
    byte[] a = slice.array();
    long len = DecBuf.be32(a, slice.offset()) & 0xffffffffL;
    if (len + 8 > slice.length()) {
      throw new CorruptBlockException(what + ": length " + len + " runs past the postings list");
    }
    int from = slice.offset() + 4;
    if (DecBuf.crc32c(a, from, (int) len) != DecBuf.be32(a, from + (int) len)) {
      throw new CorruptBlockException(what + ": checksum mismatch");
    }
    if (len < 4 || (DecBuf.be32(a, from) & 0xffffffffL) * 4 + 4 != len) {
      throw new CorruptBlockException(what + ": entry count does not match its length " + len);
    }
    return Arrays.copyOfRange(a, from, from + (int) len);
  }

  static RoaringBitmap decodePostings(byte[] content, String name, String value)
      throws CorruptBlockException {
    int n = (content.length - 4) / 4;
    int[] ids = new int[n];
    int previous = 0;
    for (int i = 0; i < n; i++) {
      ids[i] = DecBuf.be32(content, 4 + 4 * i);
      if (i > 0 && Integer.compareUnsigned(ids[i], previous) <= 0) {
        throw new CorruptBlockException("index: postings " + name + "=\"" + value + "\" not sorted");
      }
      previous = ids[i];
    }
    return RoaringBitmap.bitmapOf(ids);
  }

  // --- series -----------------------------------------------------------------------------------------------

  /** The series entries of {@code ids} (series refs), in ref order, through the cache. */
  List<SeriesEntry> series(RoaringBitmap ids) throws IOException {
    int n = ids.getCardinality();
    long[] refs = new long[n];
    byte[][] contents = new byte[n][];
    IndexCache.Key[] keys = new IndexCache.Key[n];
    int missing = 0;
    IntIterator it = ids.getIntIterator();
    for (int i = 0; i < n; i++) {
      refs[i] = Integer.toUnsignedLong(it.next());
      keys[i] = IndexCache.Key.of(ulid, refs[i]);
      contents[i] = cache.get(IndexCache.Kind.SERIES, keys[i]);
      if (contents[i] == null) {
        missing++;
      }
    }
    if (missing > 0) {
      long seriesEnd = header.endOf(header.toc().series());
      int[] which = new int[missing];
      long[] starts = new long[missing];
      long[] ends = new long[missing];
      int k = 0;
      for (int i = 0; i < n; i++) {
        if (contents[i] == null) {
          long offset = refs[i] * 16;
          if (offset < header.toc().series() || offset >= seriesEnd) {
            throw new CorruptBlockException("index: series ref " + refs[i] + " outside the series section");
          }
          which[k] = i;
          starts[k] = offset;
          ends[k] = Math.min(offset + SERIES_WINDOW_BYTES, seriesEnd);
          k++;
        }
      }
      ByteSlice[] slices = RangeReads.read(files, IndexHeader.INDEX, starts, ends);
      for (k = 0; k < missing; k++) {
        int i = which[k];
        contents[i] = seriesContent(slices[k], refs[i], seriesEnd);
        cache.put(IndexCache.Kind.SERIES, keys[i], contents[i]);
      }
    }
    List<SeriesEntry> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(SeriesEntry.decode(header, refs[i], contents[i], 0, contents[i].length));
    }
    return out;
  }

  /** The CRC-checked content of the series entry starting {@code slice}, reading more when it is longer. */
  private byte[] seriesContent(ByteSlice slice, long ref, long seriesEnd) throws IOException {
    String what = "index: series ref " + ref;
    DecBuf d = slice.decoder(what);
    long len = d.uvarint();
    int prefix = d.position() - slice.offset();
    long total = prefix + len + 4;
    long offset = ref * 16;
    if (offset + total > seriesEnd) {
      throw new CorruptBlockException(what + ": length " + len + " runs past the series section");
    }
    if (total > slice.length()) {
      byte[] whole = files.read(IndexHeader.INDEX, offset, (int) total);
      slice = new ByteSlice(whole, 0, whole.length);
      if (whole.length < total) {
        throw new CorruptBlockException(what + ": truncated");
      }
    }
    byte[] a = slice.array();
    int from = slice.offset() + prefix;
    if (DecBuf.crc32c(a, from, (int) len) != DecBuf.be32(a, from + (int) len)) {
      throw new CorruptBlockException(what + ": checksum mismatch");
    }
    return Arrays.copyOfRange(a, from, from + (int) len);
  }

  // --- chunks -----------------------------------------------------------------------------------------------

  /** XOR data of the chunks at {@code refs}, in the same order, through the cache. */
  private byte[][] chunks(long[] refs) throws IOException {
    int n = refs.length;
    byte[][] out = new byte[n][];
    IndexCache.Key[] keys = new IndexCache.Key[n];
    List<Integer> missing = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      keys[i] = IndexCache.Key.of(ulid, refs[i]);
      out[i] = cache.get(IndexCache.Kind.CHUNKS, keys[i]);
      if (out[i] == null) {
        missing.add(i);
      }
    }
    // Group the missing chunks by segment; each group is one batch of range reads.
    missing.sort((a, b) -> Long.compareUnsigned(refs[a], refs[b]));
    int first = 0;
    while (first < missing.size()) {
      int segment = ChunkRefs.segment(refs[missing.get(first)]);
      int last = first;
      while (last < missing.size() && ChunkRefs.segment(refs[missing.get(last)]) == segment) {
        last++;
      }
      int count = last - first;
      long[] starts = new long[count];
      long[] ends = new long[count];
      for (int k = 0; k < count; k++) {
        starts[k] = ChunkRefs.offset(refs[missing.get(first + k)]);
        ends[k] = starts[k] + CHUNK_WINDOW_BYTES;
        if (k > 0 && starts[k] > starts[k - 1]) {
          ends[k - 1] = Math.min(ends[k - 1], starts[k]);
        }
      }
      String file = ChunkRefs.fileName(segment);
      ByteSlice[] slices = RangeReads.read(files, file, starts, ends);
      for (int k = 0; k < count; k++) {
        int i = missing.get(first + k);
        out[i] = chunkData(file, slices[k], refs[i]);
        cache.put(IndexCache.Kind.CHUNKS, keys[i], out[i]);
      }
      first = last;
    }
    return out;
  }

  private byte[] chunkData(String file, ByteSlice slice, long ref) throws IOException {
    if (ChunkRefs.offset(ref) < ChunkRefs.SEGMENT_HEADER_LEN) {
      throw new CorruptBlockException(ChunkRefs.describe(ref) + ": offset inside the segment header");
    }
    long total = ChunkRefs.recordLength(slice);
    if (total < 0 || total > slice.length()) {
      int want = total < 0 ? ChunkRefs.RECORD_PREFIX_MAX : (int) Math.min(total, Integer.MAX_VALUE - 8);
      byte[] bytes = files.read(file, ChunkRefs.offset(ref), want);
      slice = new ByteSlice(bytes, 0, bytes.length);
      if (total < 0) {
        total = ChunkRefs.recordLength(slice);
        if (total < 0) {
          throw new CorruptBlockException(ChunkRefs.describe(ref) + ": past the end of " + file);
        }
        if (total > slice.length()) {
          bytes = files.read(file, ChunkRefs.offset(ref), (int) Math.min(total, Integer.MAX_VALUE - 8));
          slice = new ByteSlice(bytes, 0, bytes.length);
        }
      }
      if (total > slice.length()) {
        throw new CorruptBlockException(ChunkRefs.describe(ref) + ": record runs past the end of " + file);
      }
    }
    return ChunkRefs.xorData(slice, ref);
  }

  @Override
  public String toString() {
    return "BlockReader{" + ulid + " " + files + "}";
  }
}
