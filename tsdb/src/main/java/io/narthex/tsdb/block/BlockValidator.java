package io.narthex.tsdb.block;

import io.narthex.tsdb.chunk.XorIterator;
import io.narthex.tsdb.storage.StorageException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import org.roaringbitmap.IntIterator;
import org.roaringbitmap.RoaringBitmap;

/**
 * Checks a whole block before it is accepted, reading every file front to back through 1 MiB windows: the index
 * (TOC, symbols sorted, label indices, every postings list, every series entry, each with its CRC32C), series label
 * sets (non-empty, names non-empty, sorted and unique, values non-empty), series in strictly increasing label order,
 * and every chunk (ref inside its segment, CRC32C, XOR encoding, decodable, samples increasing and inside the
 * chunk's meta), chunks sorted and not overlapping, inside {@code [minTimeMs, maxTimeMs)}. Formats: Prometheus
 * {@code tsdb/docs/format/index.md} and {@code chunks.md}. Used once per call; not thread-safe.
 */
final class BlockValidator {
  private static final int WINDOW_BYTES = 1 << 20;

  private final BlockFiles files;
  private final long minTimeMs;
  private final long maxTimeMs;
  private final XorIterator xor = new XorIterator();
  private IndexHeader header;
  private WindowedReader index;
  private int segment = -1;
  private WindowedReader segmentReader;
  private long segmentSize;
  private long numChunks;
  private long numSamples;

  BlockValidator(BlockFiles files, long minTimeMs, long maxTimeMs) {
    this.files = files;
    this.minTimeMs = minTimeMs;
    this.maxTimeMs = maxTimeMs;
  }

  BlockReader.BlockStats validate() throws BlockValidationException, IOException {
    try {
      header = IndexHeader.read(files);
      index = new WindowedReader(files, IndexHeader.INDEX, WINDOW_BYTES);
      checkSymbols();
      checkLabelIndices();
      RoaringBitmap all = checkPostings();
      checkSeries(all);
      return new BlockReader.BlockStats(all.getLongCardinality(), numChunks, numSamples);
    } catch (CorruptBlockException e) {
      throw new BlockValidationException(e.getMessage());
    } catch (NoSuchFileException e) {
      throw new BlockValidationException("missing file " + e.getFile());
    }
  }

  private void checkSymbols() throws CorruptBlockException {
    for (int i = 1; i < header.numSymbols(); i++) {
      if (GoStrings.compare(header.symbol(i - 1), header.symbol(i)) >= 0) {
        throw new CorruptBlockException("index: symbol table not sorted or not unique at symbol " + i + " \""
            + header.symbol(i) + "\"");
      }
    }
  }

  /** The legacy label indices, where the index has them (Prometheus 2.x writes them; newer versions none). */
  private void checkLabelIndices() throws IOException {
    IndexHeader.Toc toc = header.toc();
    if (toc.labelIndicesTable() == 0 || toc.labelIndicesTable() >= header.tocStart()) {
      return;
    }
    DecBuf table = section(toc.labelIndicesTable(), "index: label offset table");
    int count = table.be32();
    for (int i = 0; i < count; i++) {
      int keys = table.uvarintInt();
      StringBuilder names = new StringBuilder();
      for (int k = 0; k < keys; k++) {
        names.append(k > 0 ? "," : "").append(table.uvarintStr());
      }
      long offset = table.uvarint();
      String what = "index: label index " + names;
      DecBuf labelIndex = section(offset, what);
      long numNames = labelIndex.be32() & 0xffffffffL;
      long numEntries = labelIndex.be32() & 0xffffffffL;
      if (numNames * numEntries * 4 != labelIndex.remaining()) {
        throw new CorruptBlockException(what + ": entry count does not match its length");
      }
      while (labelIndex.remaining() > 0) {
        header.symbol(labelIndex.be32() & 0xffffffffL);
      }
    }
    if (table.remaining() != 0) {
      throw new CorruptBlockException("index: label offset table: " + table.remaining() + " trailing bytes");
    }
  }

  /** Every postings list: CRC, sorted, and (but for the all-series list) only series of the all-series list. */
  private RoaringBitmap checkPostings() throws IOException {
    long allOffset = header.allPostingsOffset();
    if (allOffset < 0) {
      throw new CorruptBlockException("index: no all-series postings list (key \"\" \"\")");
    }
    RoaringBitmap all = postings("", "", allOffset);
    long seriesStart = header.toc().series();
    long seriesEnd = header.endOf(seriesStart);
    if (!all.isEmpty()) {
      long first = Integer.toUnsignedLong(all.first()) * 16;
      long last = Integer.toUnsignedLong(all.last()) * 16;
      if (first < seriesStart || last >= seriesEnd) {
        throw new CorruptBlockException("index: all-series postings list refers outside the series section");
      }
    }
    for (String name : header.labelNames()) {
      IndexHeader.ValueTable table = header.valueTable(name);
      for (int i = 0; i < table.values().length; i++) {
        RoaringBitmap ids = postings(name, table.values()[i], table.offsets()[i]);
        if (!all.contains(ids)) {
          RoaringBitmap extra = RoaringBitmap.andNot(ids, all);
          throw new CorruptBlockException("index: postings " + name + "=\"" + table.values()[i]
              + "\" list series ref " + Integer.toUnsignedLong(extra.first())
              + " missing from the all-series postings");
        }
      }
    }
    return all;
  }

  private RoaringBitmap postings(String name, String value, long offset) throws IOException {
    long end = header.endOf(offset);
    ByteSlice slice = index.get(offset, (int) Math.min(end - offset, Integer.MAX_VALUE - 8));
    return BlockReader.decodePostings(BlockReader.postingsContent(slice, name, value, offset), name, value);
  }

  /** A {@code len(4) | content | CRC32C} section of the index; a decoder over its content. */
  private DecBuf section(long offset, String what) throws IOException {
    ByteSlice lenBytes = index.get(offset, 4);
    if (lenBytes.length() < 4) {
      throw new CorruptBlockException(what + ": truncated at offset " + offset);
    }
    long len = DecBuf.be32(lenBytes.array(), lenBytes.offset()) & 0xffffffffL;
    if (offset + 8 + len > header.tocStart()) {
      throw new CorruptBlockException(what + ": length " + len + " at offset " + offset + " runs past its end");
    }
    ByteSlice s = index.get(offset, (int) len + 8);
    if (DecBuf.crc32c(s.array(), s.offset() + 4, (int) len) != DecBuf.be32(s.array(), s.offset() + 4 + (int) len)) {
      throw new CorruptBlockException(what + ": checksum mismatch at offset " + offset);
    }
    return new DecBuf(s.array(), s.offset() + 4, (int) len, what);
  }

  private void checkSeries(RoaringBitmap all) throws IOException, BlockValidationException {
    long seriesEnd = header.endOf(header.toc().series());
    long previousEnd = header.toc().series();
    String[] previous = null;
    IntIterator it = all.getIntIterator();
    while (it.hasNext()) {
      long ref = Integer.toUnsignedLong(it.next());
      long offset = ref * 16;
      String what = "index: series ref " + ref;
      if (offset < previousEnd) {
        throw new CorruptBlockException(what + ": overlaps the previous series entry");
      }
      ByteSlice head = index.get(offset, 10);
      DecBuf d = head.decoder(what);
      long len = d.uvarint();
      int prefix = d.position() - head.offset();
      long total = prefix + len + 4;
      if (offset + total > seriesEnd) {
        throw new CorruptBlockException(what + ": length " + len + " runs past the series section");
      }
      ByteSlice entryBytes = index.get(offset, (int) total);
      int from = entryBytes.offset() + prefix;
      byte[] a = entryBytes.array();
      if (DecBuf.crc32c(a, from, (int) len) != DecBuf.be32(a, from + (int) len)) {
        throw new CorruptBlockException(what + ": checksum mismatch");
      }
      SeriesEntry entry = SeriesEntry.decode(header, ref, a, from, (int) len);
      checkLabels(entry, previous);
      checkChunks(entry);
      previous = entry.pairs();
      previousEnd = offset + total;
    }
  }

  private static void checkLabels(SeriesEntry entry, String[] previous) throws BlockValidationException {
    String[] pairs = entry.pairs();
    String where = "series " + entry.describe() + " (ref " + entry.ref() + ")";
    if (pairs.length == 0) {
      throw new BlockValidationException(where + ": empty label set");
    }
    for (int i = 0; i < pairs.length; i += 2) {
      if (pairs[i].isEmpty()) {
        throw new BlockValidationException(where + ": empty label name");
      }
      if (pairs[i + 1].isEmpty()) {
        throw new BlockValidationException(where + ": empty value for label " + pairs[i]);
      }
      if (i > 0 && GoStrings.compare(pairs[i - 2], pairs[i]) >= 0) {
        throw new BlockValidationException(where + ": label names not sorted or not unique at " + pairs[i]);
      }
    }
    if (previous != null && compare(previous, pairs) >= 0) {
      throw new BlockValidationException(where + ": series out of order or duplicate (not after the previous one)");
    }
  }

  /** Prometheus's {@code labels.Compare} over interleaved pairs, in Go string order. */
  private static int compare(String[] a, String[] b) {
    int n = Math.min(a.length, b.length);
    for (int i = 0; i < n; i++) {
      int cmp = GoStrings.compare(a[i], b[i]);
      if (cmp != 0) {
        return cmp;
      }
    }
    return Integer.compare(a.length, b.length);
  }

  private void checkChunks(SeriesEntry entry) throws IOException, BlockValidationException {
    for (int c = 0; c < entry.numChunks(); c++) {
      long chunkMin = entry.minTimesMs()[c];
      long chunkMax = entry.maxTimesMs()[c];
      long ref = entry.chunkRefs()[c];
      String where = "series " + entry.describe() + " (ref " + entry.ref() + "): " + ChunkRefs.describe(ref);
      if (chunkMin > chunkMax) {
        throw new BlockValidationException(where + ": minTime " + chunkMin + " > maxTime " + chunkMax);
      }
      if (c > 0 && chunkMin <= entry.maxTimesMs()[c - 1]) {
        throw new BlockValidationException(where + ": overlaps or precedes the previous chunk");
      }
      if (chunkMin < minTimeMs || chunkMax >= maxTimeMs) {
        throw new BlockValidationException(where + ": time range [" + chunkMin + ", " + chunkMax
            + "] outside the block range [" + minTimeMs + ", " + maxTimeMs + ")");
      }
      openSegment(ChunkRefs.segment(ref), where);
      String file = segmentReader.name();
      long offset = ChunkRefs.offset(ref);
      if (offset < ChunkRefs.SEGMENT_HEADER_LEN || offset >= segmentSize) {
        throw new BlockValidationException(where + ": offset past the end of " + file + " (" + segmentSize
            + " bytes)");
      }
      long total;
      try {
        total = ChunkRefs.recordLength(segmentReader.get(offset, ChunkRefs.RECORD_PREFIX_MAX));
      } catch (CorruptBlockException e) {
        throw new BlockValidationException(where + ": " + e.getMessage());
      }
      if (total < 0 || offset + total > segmentSize) {
        throw new BlockValidationException(where + ": chunk runs past the end of " + file + " (" + segmentSize
            + " bytes)");
      }
      byte[] data;
      try {
        data = ChunkRefs.xorData(segmentReader.get(offset, (int) total), ref);
      } catch (IOException e) {
        // Only data problems come from here (checksum, encoding): the bytes are already read.
        throw new BlockValidationException("series " + entry.describe() + " (ref " + entry.ref() + "): "
            + e.getMessage());
      }
      numSamples += checkSamples(data, chunkMin, chunkMax, where);
      numChunks++;
    }
  }

  private int checkSamples(byte[] data, long chunkMin, long chunkMax, String where) throws BlockValidationException {
    int count = 0;
    long last = Long.MIN_VALUE;
    try {
      xor.reset(data);
      while (xor.next()) {
        long t = xor.timestampMs();
        if (t < chunkMin || t > chunkMax) {
          throw new BlockValidationException(where + ": sample at " + t + " outside the chunk's range [" + chunkMin
              + ", " + chunkMax + "]");
        }
        if (count > 0 && t <= last) {
          throw new BlockValidationException(where + ": sample timestamps not increasing at " + t);
        }
        last = t;
        count++;
      }
    } catch (StorageException | IndexOutOfBoundsException | IllegalArgumentException e) {
      throw new BlockValidationException(where + ": undecodable XOR data: " + e.getMessage());
    }
    if (count == 0) {
      throw new BlockValidationException(where + ": chunk holds no samples");
    }
    return count;
  }

  private void openSegment(int index, String where) throws IOException, BlockValidationException {
    if (index == segment) {
      return;
    }
    String file = ChunkRefs.fileName(index);
    try {
      segmentSize = files.size(file);
    } catch (NoSuchFileException e) {
      throw new BlockValidationException(where + ": segment file " + file + " missing");
    }
    segmentReader = new WindowedReader(files, file, WINDOW_BYTES);
    segment = index;
    ByteSlice head = segmentReader.get(0, ChunkRefs.SEGMENT_HEADER_LEN);
    if (head.length() < ChunkRefs.SEGMENT_HEADER_LEN
        || DecBuf.be32(head.array(), head.offset()) != ChunkSegmentWriter.MAGIC_CHUNKS
        || head.array()[head.offset() + 4] != 1) {
      throw new BlockValidationException(file + ": bad segment header (magic or version 1)");
    }
  }
}
