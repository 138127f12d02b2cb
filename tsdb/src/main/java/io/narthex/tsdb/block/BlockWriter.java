package io.narthex.tsdb.block;

import io.narthex.common.Directories;
import io.narthex.common.FileSync;
import io.narthex.common.Ulid;
import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.chunk.XorChunk;
import io.narthex.tsdb.chunk.XorIterator;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Writes one block directory in Prometheus's on-disk TSDB format (index v2, chunks v1, tombstones v1, meta.json
 * version 1 with a Thanos section), readable by Prometheus, promtool and Thanos.
 *
 * <p>The block is built in {@code <parentDir>/<ULID>.tmp-for-creation} (a suffix Prometheus ignores and cleans up),
 * every file fsynced, then renamed atomically to {@code <parentDir>/<ULID>}. Only samples in
 * {@code [minTimeMs, maxTimeMs)} are written: chunks inside the range are copied byte for byte, chunks crossing
 * an edge are re-encoded with their in-range samples, series left without samples are dropped.
 * See {@code tsdb/docs/format/prometheus-block.md}.
 */
public final class BlockWriter {
  static final String TMP_SUFFIX = ".tmp-for-creation";
  static final int MAGIC_TOMBSTONES = 0x0130BA30;
  static final String SOURCE_RECEIVE = "receive";
  static final String SOURCE_COMPACTOR = "compactor";

  private BlockWriter() {}

  /**
   * Writes a level-1 block of {@code series} over {@code [minTimeMs, maxTimeMs)}.
   *
   * @param series any order (sorted here as Prometheus requires); each series' chunks sorted by time and not
   *     overlapping; label sets unique and non-empty
   * @param externalLabels written as meta.json's {@code thanos.labels}
   * @throws IllegalArgumentException on an empty range, duplicate or empty label sets, or overlapping chunks
   */
  public static BlockMeta write(Path parentDir, List<EncodedSeries> series, long minTimeMs, long maxTimeMs,
      Map<String, String> externalLabels) throws IOException {
    return write(parentDir, series, minTimeMs, maxTimeMs, externalLabels, null,
        ChunkSegmentWriter.DEFAULT_SEGMENT_SIZE);
  }

  /**
   * As {@link #write(Path, List, long, long, Map)}, under the given ULID instead of a new one: several replicas
   * cutting the same range write the same block name.
   *
   * @param ulid a valid ULID (26 Crockford base-32 characters); the block is written to {@code <parentDir>/<ulid>}
   * @throws java.nio.file.FileAlreadyExistsException when a block or a partial one of that ULID is there
   */
  public static BlockMeta write(Path parentDir, String ulid, List<EncodedSeries> series, long minTimeMs,
      long maxTimeMs, Map<String, String> externalLabels) throws IOException {
    Ulid.timestampMs(ulid);
    return write(parentDir, ulid, series, minTimeMs, maxTimeMs, externalLabels, null,
        ChunkSegmentWriter.DEFAULT_SEGMENT_SIZE);
  }

  /**
   * Writes a block made by compaction: as {@link #write(Path, List, long, long, Map)}, with meta.json's
   * {@code compaction} section from {@code compaction} and {@code thanos.source} "compactor". The new block's ULID
   * is generated as for any block.
   *
   * @param compaction the level (1 or more), sources (sorted and made unique here; none means the new block's own
   *     ULID) and parents (written in this order); its other keys are written too
   * @throws IllegalArgumentException as the level-1 write, or on a compaction level below 1
   */
  public static BlockMeta write(Path parentDir, List<EncodedSeries> series, long minTimeMs, long maxTimeMs,
      Map<String, String> externalLabels, BlockMetaFile.Compaction compaction) throws IOException {
    return write(parentDir, series, minTimeMs, maxTimeMs, externalLabels,
        java.util.Objects.requireNonNull(compaction, "compaction"), ChunkSegmentWriter.DEFAULT_SEGMENT_SIZE);
  }

  /** As {@link #write(Path, List, long, long, Map)} with segment files cut at {@code segmentSize} bytes. */
  static BlockMeta write(Path parentDir, List<EncodedSeries> series, long minTimeMs, long maxTimeMs,
      Map<String, String> externalLabels, long segmentSize) throws IOException {
    return write(parentDir, series, minTimeMs, maxTimeMs, externalLabels, null, segmentSize);
  }

  private static BlockMeta write(Path parentDir, List<EncodedSeries> series, long minTimeMs, long maxTimeMs,
      Map<String, String> externalLabels, BlockMetaFile.Compaction compaction, long segmentSize) throws IOException {
    return write(parentDir, Ulid.generate(), series, minTimeMs, maxTimeMs, externalLabels, compaction, segmentSize);
  }

  /** @param compaction null for a level-1 block cut from a head (thanos.source "receive") */
  private static BlockMeta write(Path parentDir, String ulid, List<EncodedSeries> series, long minTimeMs,
      long maxTimeMs, Map<String, String> externalLabels, BlockMetaFile.Compaction compaction, long segmentSize)
      throws IOException {
    if (minTimeMs >= maxTimeMs) {
      throw new IllegalArgumentException("empty block range [" + minTimeMs + ", " + maxTimeMs + ")");
    }
    List<EncodedSeries> sorted = new ArrayList<>(series);
    sorted.sort(SERIES_ORDER);
    return write(parentDir, ulid, sorted.stream().map(EncodedSeries::labels).toList(), sorted.iterator(), minTimeMs,
        maxTimeMs, externalLabels, compaction, segmentSize);
  }

  /**
   * As {@link #write(Path, String, List, long, long, Map)}, one series at a time, so that a cut from a head holds one
   * series' chunks, not all of them (e.g. {@code Head.streamChunks}).
   *
   * @param labelSets the label set of every series {@code seriesInOrder} may yield, for the symbol table written
   *     before any series; a superset is fine
   * @param seriesInOrder series in {@link #LABELS_ORDER}, each with its chunks sorted by time and not overlapping
   * @throws IllegalArgumentException as that write, or on series out of order
   */
  public static BlockMeta write(Path parentDir, String ulid, Collection<Labels> labelSets,
      Iterator<EncodedSeries> seriesInOrder, long minTimeMs, long maxTimeMs, Map<String, String> externalLabels)
      throws IOException {
    Ulid.timestampMs(ulid);
    if (minTimeMs >= maxTimeMs) {
      throw new IllegalArgumentException("empty block range [" + minTimeMs + ", " + maxTimeMs + ")");
    }
    return write(parentDir, ulid, labelSets, seriesInOrder, minTimeMs, maxTimeMs, externalLabels, null,
        ChunkSegmentWriter.DEFAULT_SEGMENT_SIZE);
  }

  /** Symbols first (the index's table precedes every series), then the series one at a time. */
  private static BlockMeta write(Path parentDir, String ulid, Collection<Labels> labelSets,
      Iterator<EncodedSeries> seriesInOrder, long minTimeMs, long maxTimeMs, Map<String, String> externalLabels,
      BlockMetaFile.Compaction compaction, long segmentSize) throws IOException {
    TreeSet<String> symbols = new TreeSet<>(GoStrings.ORDER);
    for (Labels labels : labelSets) {
      labels.forEach((name, value) -> {
        symbols.add(name);
        symbols.add(value);
      });
    }
    try (Streaming writer = new Streaming(parentDir, ulid, symbols, minTimeMs, maxTimeMs, externalLabels,
        compaction, segmentSize)) {
      while (seriesInOrder.hasNext()) {
        writer.add(seriesInOrder.next());
      }
      return writer.finish();
    }
  }

  /** The order series must be written in: Prometheus's {@code labels.Compare} over Go (UTF-8 byte) strings. */
  public static final Comparator<Labels> LABELS_ORDER = GoStrings::compare;
  private static final Comparator<EncodedSeries> SERIES_ORDER = Comparator.comparing(EncodedSeries::labels, LABELS_ORDER);

  /**
   * Opens a block made by compaction to be written one series at a time, so that no more than one series is held
   * (the index's postings excepted, as Prometheus's writer holds them): as
   * {@link #write(Path, List, long, long, Map, BlockMetaFile.Compaction)}, but series come through
   * {@link Streaming#add} in {@link #LABELS_ORDER}.
   *
   * @param symbols every label name and value the series may use, in any order; a superset is fine (the index's
   *     symbol table is written first, before any series)
   */
  public static Streaming stream(Path parentDir, Collection<String> symbols, long minTimeMs, long maxTimeMs,
      Map<String, String> externalLabels, BlockMetaFile.Compaction compaction) throws IOException {
    if (minTimeMs >= maxTimeMs) {
      throw new IllegalArgumentException("empty block range [" + minTimeMs + ", " + maxTimeMs + ")");
    }
    TreeSet<String> sorted = new TreeSet<>(GoStrings.ORDER);
    sorted.addAll(symbols);
    return new Streaming(parentDir, Ulid.generate(), sorted, minTimeMs, maxTimeMs, externalLabels,
        java.util.Objects.requireNonNull(compaction, "compaction"), ChunkSegmentWriter.DEFAULT_SEGMENT_SIZE);
  }

  /**
   * A block being written series by series in {@code <parentDir>/<ULID>.tmp-for-creation}; {@link #finish} renames
   * it into place, {@link #close} without finish deletes it.
   */
  public static final class Streaming implements AutoCloseable {
    private final Path parentDir;
    private final String ulid;
    private final Path tmpDir;
    private final Path chunksDir;
    private final long minTimeMs;
    private final long maxTimeMs;
    private final Map<String, String> externalLabels;
    private final BlockMetaFile.Compaction compaction;
    private final ChunkSegmentWriter chunkWriter;
    private final IndexWriter index;
    private final XorIterator it = new XorIterator();
    private long[] mins = new long[16];
    private long[] maxs = new long[16];
    private long[] refs = new long[16];
    private Labels previous;
    private long numSeries;
    private long numChunks;
    private long numSamples;
    private boolean closed;

    /** @param compaction null for a level-1 block cut from a head (thanos.source "receive") */
    private Streaming(Path parentDir, String ulid, TreeSet<String> symbols, long minTimeMs, long maxTimeMs,
        Map<String, String> externalLabels, BlockMetaFile.Compaction compaction, long segmentSize) throws IOException {
      if (compaction != null && compaction.level() < 1) {
        throw new IllegalArgumentException("compaction level must be >= 1, got " + compaction.level());
      }
      this.parentDir = parentDir;
      this.ulid = ulid;
      this.tmpDir = parentDir.resolve(ulid + TMP_SUFFIX);
      this.minTimeMs = minTimeMs;
      this.maxTimeMs = maxTimeMs;
      this.externalLabels = externalLabels;
      this.compaction = compaction;
      Files.createDirectories(parentDir);
      Files.createDirectory(tmpDir);
      ChunkSegmentWriter chunks = null;
      try {
        chunksDir = Files.createDirectory(tmpDir.resolve("chunks"));
        chunks = new ChunkSegmentWriter(chunksDir, segmentSize);
        index = new IndexWriter(tmpDir.resolve("index"), new ArrayList<>(symbols));
        chunkWriter = chunks;
      } catch (IOException | RuntimeException e) {
        closeQuietly(chunks, e);
        Directories.deleteAfterFailure(tmpDir, e);
        throw e;
      }
    }

    /**
     * Writes the next series: only its samples in the block's range (chunks crossing an edge re-encoded); a
     * series left without samples is dropped.
     *
     * @throws IllegalArgumentException on an empty label set, a series not after the previous one in
     *     {@link #LABELS_ORDER}, or chunks unsorted or overlapping
     */
    public void add(EncodedSeries series) throws IOException {
      if (series.labels().isEmpty()) {
        throw new IllegalArgumentException("series with an empty label set");
      }
      if (previous != null && GoStrings.compare(previous, series.labels()) >= 0) {
        throw new IllegalArgumentException(GoStrings.compare(previous, series.labels()) == 0
            ? "duplicate series " + series.labels()
            : "series out of order: " + series.labels() + " after " + previous);
      }
      previous = series.labels();
      List<EncodedChunk> kept = inRange(series, minTimeMs, maxTimeMs, it);
      int n = kept.size();
      if (n == 0) {
        return;
      }
      if (n > refs.length) {
        mins = new long[n];
        maxs = new long[n];
        refs = new long[n];
      }
      for (int c = 0; c < n; c++) {
        EncodedChunk chunk = kept.get(c);
        mins[c] = chunk.minTimeMs();
        maxs[c] = chunk.maxTimeMs();
        refs[c] = chunkWriter.write(XorChunk.ENCODING, chunk.data());
        numSamples += chunk.numSamples();
      }
      numChunks += n;
      numSeries++;
      index.addSeries(series.labels(), mins, maxs, refs, n);
    }

    /** Series written so far (dropped ones not counted). */
    public long numSeries() {
      return numSeries;
    }

    /** Completes the block: index, tombstones and meta.json written and fsynced, directory renamed into place. */
    public BlockMeta finish() throws IOException {
      if (closed) {
        throw new IllegalStateException("block " + ulid + " already finished or closed");
      }
      closed = true;
      Path finalDir = parentDir.resolve(ulid);
      try {
        try (ChunkSegmentWriter c = chunkWriter; IndexWriter i = index) {
          i.finish();
        }
        fsyncDir(chunksDir);
        writeFile(tmpDir.resolve("tombstones"), emptyTombstones());
        BlockMetaFile.Compaction written = compaction == null
            ? new BlockMetaFile.Compaction(1, List.of(ulid))
            : new BlockMetaFile.Compaction(compaction.level(),
                compaction.sources().isEmpty() ? List.of(ulid) : List.copyOf(new TreeSet<>(compaction.sources())),
                compaction.parents(), compaction.otherFields());
        BlockMeta meta = new BlockMeta(ulid, finalDir, minTimeMs, maxTimeMs, numSamples, numSeries, numChunks,
            externalLabels, written);
        writeFile(tmpDir.resolve(BlockMetaFile.FILENAME),
            metaFile(meta, compaction == null ? SOURCE_RECEIVE : SOURCE_COMPACTOR).toJson());
        fsyncDir(tmpDir);
        try {
          Files.move(tmpDir, finalDir, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          throw new IOException("cannot rename block directory atomically", e);
        }
        fsyncDir(parentDir);
        return meta;
      } catch (IOException | RuntimeException e) {
        Directories.deleteAfterFailure(tmpDir, e);
        throw e;
      }
    }

    /** Without {@link #finish}: stops and deletes the partial block. */
    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      IOException failure = new IOException("abandoning block " + ulid);
      closeQuietly(chunkWriter, failure);
      closeQuietly(index, failure);
      Directories.deleteAfterFailure(tmpDir, failure);
      if (failure.getSuppressed().length > 0) {
        throw failure;
      }
    }
  }

  /** The series' samples in {@code [minTimeMs, maxTimeMs)}: chunks inside copied, chunks crossing re-encoded. */
  private static List<EncodedChunk> inRange(EncodedSeries s, long minTimeMs, long maxTimeMs, XorIterator it) {
    List<EncodedChunk> kept = new ArrayList<>(s.chunks().size());
    long lastMax = Long.MIN_VALUE;
    for (EncodedChunk chunk : s.chunks()) {
      if (chunk.minTimeMs() > chunk.maxTimeMs() || (lastMax != Long.MIN_VALUE && chunk.minTimeMs() <= lastMax)) {
        throw new IllegalArgumentException("unsorted or overlapping chunks in series " + s.labels());
      }
      lastMax = chunk.maxTimeMs();
      if (chunk.numSamples() == 0 || chunk.maxTimeMs() < minTimeMs || chunk.minTimeMs() >= maxTimeMs) {
        continue;
      }
      if (chunk.minTimeMs() >= minTimeMs && chunk.maxTimeMs() < maxTimeMs) {
        kept.add(chunk);
        continue;
      }
      XorAppender trimmed = new XorAppender(chunk.data().length);
      it.reset(chunk.data());
      while (it.next()) {
        long t = it.timestampMs();
        if (t >= minTimeMs && t < maxTimeMs) {
          trimmed.append(t, it.value());
        }
      }
      if (trimmed.numSamples() > 0) {
        kept.add(new EncodedChunk(trimmed.minTimeMs(), trimmed.maxTimeMs(), trimmed.bytes()));
      }
    }
    return kept;
  }

  private static void closeQuietly(AutoCloseable closeable, Exception cause) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      cause.addSuppressed(e);
    }
  }

  /** Tombstones v1 with no entries: magic, version byte, CRC32C of the (empty) body. */
  static byte[] emptyTombstones() {
    EncBuf buf = new EncBuf(9);
    buf.putBe32(MAGIC_TOMBSTONES).putByte(1);
    int bodyStart = buf.len();
    buf.putBe32(buf.crc32c(bodyStart));
    return java.util.Arrays.copyOf(buf.array(), buf.len());
  }

  /**
   * meta.json of a block written here: its own ULID as the source of a level-1 block, no parents there, and
   * {@code thanos.downsample.resolution} 0.
   *
   * @param source meta.json's {@code thanos.source}
   */
  static BlockMetaFile metaFile(BlockMeta meta, String source) {
    return new BlockMetaFile(meta.ulid(), meta.minTimeMs(), meta.maxTimeMs(),
        new BlockMetaFile.Stats(meta.numSamples(), meta.numSeries(), meta.numChunks()), meta.compaction(),
        BlockMetaFile.VERSION_1,
        new BlockMetaFile.Thanos(meta.externalLabels(), new BlockMetaFile.Downsample(0), source, null));
  }

  private static void writeFile(Path path, byte[] content) throws IOException {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(content);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
  }

  private static void fsyncDir(Path dir) throws IOException {
    FileSync.directory(dir);
  }

}
