package io.narthex.tsdb.block;

import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.chunk.XorChunk;
import io.narthex.tsdb.chunk.XorIterator;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.ChunkSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
   * meta.json's {@code compaction} section of a block made by compaction, as Prometheus writes it (tsdb/block.go
   * {@code BlockMetaCompaction}).
   *
   * @param level 1 for a block cut from a head; a compacted block is one more than its highest parent
   * @param sources the ULIDs of the level-1 blocks whose data it holds, sorted and unique here
   * @param parents the blocks it was compacted from, written in this order; empty for a level-1 block
   */
  public record Compaction(int level, List<String> sources, List<Parent> parents) {
    public Compaction {
      if (level < 1) {
        throw new IllegalArgumentException("compaction level must be >= 1, got " + level);
      }
      sources = List.copyOf(new TreeSet<>(sources));
      parents = List.copyOf(parents);
    }
  }

  /** One of meta.json's {@code compaction.parents}: {@code {"ulid", "minTime", "maxTime"}}. */
  public record Parent(String ulid, long minTimeMs, long maxTimeMs) {}

  /**
   * Writes a level-1 block of {@code series} over {@code [minTimeMs, maxTimeMs)}.
   *
   * @param series any order (sorted here as Prometheus requires); each series' chunks sorted by time and not
   *     overlapping; label sets unique and non-empty
   * @param externalLabels written as meta.json's {@code thanos.labels}
   * @throws IllegalArgumentException on an empty range, duplicate or empty label sets, or overlapping chunks
   */
  public static BlockMeta write(Path parentDir, List<ChunkSeries> series, long minTimeMs, long maxTimeMs,
      Map<String, String> externalLabels) throws IOException {
    return write(parentDir, series, minTimeMs, maxTimeMs, externalLabels, null,
        ChunkSegmentWriter.DEFAULT_SEGMENT_SIZE);
  }

  /**
   * Writes a block made by compaction: as {@link #write(Path, List, long, long, Map)}, with meta.json's
   * {@code compaction} section from {@code compaction} and {@code thanos.source} "compactor". The new block's ULID
   * is generated as for any block.
   *
   * @param compaction the level, sources and parents; an empty source list means the new block's own ULID
   */
  public static BlockMeta write(Path parentDir, List<ChunkSeries> series, long minTimeMs, long maxTimeMs,
      Map<String, String> externalLabels, Compaction compaction) throws IOException {
    return write(parentDir, series, minTimeMs, maxTimeMs, externalLabels,
        java.util.Objects.requireNonNull(compaction, "compaction"), ChunkSegmentWriter.DEFAULT_SEGMENT_SIZE);
  }

  /** As {@link #write(Path, List, long, long, Map)} with segment files cut at {@code segmentSize} bytes. */
  static BlockMeta write(Path parentDir, List<ChunkSeries> series, long minTimeMs, long maxTimeMs,
      Map<String, String> externalLabels, long segmentSize) throws IOException {
    return write(parentDir, series, minTimeMs, maxTimeMs, externalLabels, null, segmentSize);
  }

  /** @param compaction null for a level-1 block cut from a head (thanos.source "receive") */
  private static BlockMeta write(Path parentDir, List<ChunkSeries> series, long minTimeMs, long maxTimeMs,
      Map<String, String> externalLabels, Compaction compaction, long segmentSize) throws IOException {
    if (minTimeMs >= maxTimeMs) {
      throw new IllegalArgumentException("empty block range [" + minTimeMs + ", " + maxTimeMs + ")");
    }
    List<Prepared> prepared = prepare(series, minTimeMs, maxTimeMs);
    TreeSet<String> symbols = new TreeSet<>(GoStrings.ORDER);
    for (Prepared p : prepared) {
      p.labels.forEach((name, value) -> {
        symbols.add(name);
        symbols.add(value);
      });
    }

    String ulid = Ulid.generate();
    Path finalDir = parentDir.resolve(ulid);
    Path tmpDir = parentDir.resolve(ulid + TMP_SUFFIX);
    Files.createDirectories(parentDir);
    Files.createDirectory(tmpDir);
    try {
      long numSamples = 0;
      long numChunks = 0;
      Path chunksDir = Files.createDirectory(tmpDir.resolve("chunks"));
      try (ChunkSegmentWriter chunkWriter = new ChunkSegmentWriter(chunksDir, segmentSize);
          IndexWriter index = new IndexWriter(tmpDir.resolve("index"), new ArrayList<>(symbols))) {
        long[] mins = new long[16];
        long[] maxs = new long[16];
        long[] refs = new long[16];
        for (Prepared p : prepared) {
          int n = p.chunks.size();
          if (n > refs.length) {
            mins = new long[n];
            maxs = new long[n];
            refs = new long[n];
          }
          for (int c = 0; c < n; c++) {
            EncodedChunk chunk = p.chunks.get(c);
            mins[c] = chunk.minTimeMs();
            maxs[c] = chunk.maxTimeMs();
            refs[c] = chunkWriter.write(XorChunk.ENCODING, chunk.data());
            numSamples += chunk.numSamples();
          }
          numChunks += n;
          index.addSeries(p.labels, mins, maxs, refs, n);
        }
        index.finish();
      }
      fsyncDir(chunksDir);
      writeFile(tmpDir.resolve("tombstones"), emptyTombstones());
      Compaction written = compaction == null || compaction.sources().isEmpty()
          ? new Compaction(compaction == null ? 1 : compaction.level(), List.of(ulid),
              compaction == null ? List.of() : compaction.parents())
          : compaction;
      BlockMeta meta = new BlockMeta(ulid, finalDir, minTimeMs, maxTimeMs, numSamples, prepared.size(), numChunks,
          externalLabels, written);
      writeFile(tmpDir.resolve("meta.json"),
          metaJson(meta, compaction == null ? SOURCE_RECEIVE : SOURCE_COMPACTOR).getBytes(StandardCharsets.UTF_8));
      fsyncDir(tmpDir);
      try {
        Files.move(tmpDir, finalDir, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot rename block directory atomically", e);
      }
      fsyncDir(parentDir);
      return meta;
    } catch (IOException | RuntimeException e) {
      deleteRecursively(tmpDir, e);
      throw e;
    }
  }

  private record Prepared(Labels labels, List<EncodedChunk> chunks) {}

  /** Sorts as Prometheus, validates, and keeps each series' samples in range; drops series left empty. */
  private static List<Prepared> prepare(List<ChunkSeries> series, long minTimeMs, long maxTimeMs) {
    List<ChunkSeries> sorted = new ArrayList<>(series);
    sorted.sort(Comparator.comparing(ChunkSeries::labels, GoStrings::compare));
    List<Prepared> out = new ArrayList<>(sorted.size());
    Labels previous = null;
    XorIterator it = new XorIterator();
    for (ChunkSeries s : sorted) {
      if (s.labels().isEmpty()) {
        throw new IllegalArgumentException("series with an empty label set");
      }
      if (previous != null && GoStrings.compare(previous, s.labels()) == 0) {
        throw new IllegalArgumentException("duplicate series " + s.labels());
      }
      previous = s.labels();
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
      if (!kept.isEmpty()) {
        out.add(new Prepared(s.labels(), kept));
      }
    }
    return out;
  }

  /** Tombstones v1 with no entries: magic, version byte, CRC32C of the (empty) body. */
  static byte[] emptyTombstones() {
    EncBuf buf = new EncBuf(9);
    buf.putBe32(MAGIC_TOMBSTONES).putByte(1);
    int bodyStart = buf.len();
    buf.putBe32(buf.crc32c(bodyStart));
    return java.util.Arrays.copyOf(buf.array(), buf.len());
  }

  static String metaJson(BlockMeta meta) {
    return metaJson(meta, SOURCE_RECEIVE);
  }

  /** @param source meta.json's {@code thanos.source} */
  static String metaJson(BlockMeta meta, String source) {
    StringBuilder sb = new StringBuilder(512);
    sb.append("{\n\t\"ulid\": ");
    jsonString(meta.ulid(), sb);
    sb.append(",\n\t\"minTime\": ").append(meta.minTimeMs());
    sb.append(",\n\t\"maxTime\": ").append(meta.maxTimeMs());
    sb.append(",\n\t\"stats\": {\n\t\t\"numSamples\": ").append(meta.numSamples());
    sb.append(",\n\t\t\"numSeries\": ").append(meta.numSeries());
    sb.append(",\n\t\t\"numChunks\": ").append(meta.numChunks());
    Compaction compaction = meta.compaction();
    sb.append("\n\t},\n\t\"compaction\": {\n\t\t\"level\": ").append(compaction.level());
    sb.append(",\n\t\t\"sources\": [");
    String sourceSep = "\n\t\t\t";
    for (String s : compaction.sources()) {
      sb.append(sourceSep);
      jsonString(s, sb);
      sourceSep = ",\n\t\t\t";
    }
    sb.append("\n\t\t]");
    if (!compaction.parents().isEmpty()) {
      // Prometheus omits an empty parents list (omitempty).
      sb.append(",\n\t\t\"parents\": [");
      String parentSep = "\n\t\t\t";
      for (Parent p : compaction.parents()) {
        sb.append(parentSep).append("{\n\t\t\t\t\"ulid\": ");
        jsonString(p.ulid(), sb);
        sb.append(",\n\t\t\t\t\"minTime\": ").append(p.minTimeMs());
        sb.append(",\n\t\t\t\t\"maxTime\": ").append(p.maxTimeMs()).append("\n\t\t\t}");
        parentSep = ",\n\t\t\t";
      }
      sb.append("\n\t\t]");
    }
    sb.append("\n\t},\n\t\"version\": 1,\n\t\"thanos\": {\n\t\t\"labels\": {");
    String sep = "\n\t\t\t";
    for (Map.Entry<String, String> e : new TreeMap<>(meta.externalLabels()).entrySet()) {
      sb.append(sep);
      jsonString(e.getKey(), sb);
      sb.append(": ");
      jsonString(e.getValue(), sb);
      sep = ",\n\t\t\t";
    }
    sb.append(meta.externalLabels().isEmpty() ? "}" : "\n\t\t}");
    sb.append(",\n\t\t\"downsample\": {\n\t\t\t\"resolution\": 0\n\t\t},\n\t\t\"source\": ");
    jsonString(source, sb);
    sb.append("\n\t}\n}\n");
    return sb.toString();
  }

  static void jsonString(String s, StringBuilder sb) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
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

  private static void deleteRecursively(Path dir, Exception cause) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      cause.addSuppressed(e);
    }
  }
}
