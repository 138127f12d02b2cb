package io.narthex.tsdb.block;

import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The part of a block's index a reader keeps in memory, as Mimir's "index-header": the TOC, the symbol table and
 * the postings offset table (every label name and value with the offset of its postings list). Read from an index
 * v2 file (Prometheus {@code tsdb/docs/format/index.md}) with range reads, or from a local index-header file in
 * our own format ({@code tsdb/docs/format/index-header.md}). Immutable and thread-safe. Names and values are sorted
 * in Go string order (UTF-8 bytes), as in the index.
 */
public final class IndexHeader {
  static final String INDEX = "index";
  static final int HEADER_LEN = 5;
  static final int TOC_LEN = 6 * 8 + 4;
  static final int FILE_MAGIC = 0x4E584948; // "NXIH"
  static final int FILE_VERSION = 1;

  /** Offsets of the index sections, as written in its TOC. */
  record Toc(long symbols, long series, long labelIndices, long labelIndicesTable, long postings,
      long postingsTable) {
    long[] offsets() {
      return new long[] {symbols, series, labelIndices, labelIndicesTable, postings, postingsTable};
    }
  }

  /** One label name's values (Go-sorted) and the offsets of their postings lists. */
  record ValueTable(String[] values, long[] offsets) {
    int indexOf(String value) {
      return Arrays.binarySearch(values, value, GoStrings.ORDER);
    }
  }

  private final long indexSizeBytes;
  private final Toc toc;
  private final String[] symbols;
  private final long allPostingsOffset;
  private final List<String> names;
  private final Map<String, ValueTable> valuesByName;
  // Every postings offset and section start, sorted: the next one after a postings list bounds it.
  private final long[] boundaries;

  private IndexHeader(long indexSizeBytes, Toc toc, String[] symbols, List<String> entryNames,
      List<String> entryValues, LongArrayList entryOffsets) throws CorruptBlockException {
    this.indexSizeBytes = indexSizeBytes;
    this.toc = toc;
    this.symbols = symbols;
    long all = -1;
    TreeMap<String, List<Integer>> byName = new TreeMap<>(GoStrings.ORDER);
    for (int i = 0; i < entryNames.size(); i++) {
      if (entryOffsets.getLong(i) < 0 || entryOffsets.getLong(i) >= tocStart()) {
        throw new CorruptBlockException("postings offset table: offset " + entryOffsets.getLong(i) + " of "
            + entryNames.get(i) + "=" + entryValues.get(i) + " outside the index");
      }
      if (entryNames.get(i).isEmpty()) {
        if (!entryValues.get(i).isEmpty() || all >= 0) {
          throw new CorruptBlockException("postings offset table: unexpected entry with an empty label name");
        }
        all = entryOffsets.getLong(i);
      } else {
        byName.computeIfAbsent(entryNames.get(i), k -> new ArrayList<>()).add(i);
      }
    }
    this.allPostingsOffset = all;
    this.valuesByName = new HashMap<>(byName.size() * 2);
    for (Map.Entry<String, List<Integer>> e : byName.entrySet()) {
      List<Integer> entries = e.getValue();
      entries.sort((a, b) -> GoStrings.compare(entryValues.get(a), entryValues.get(b)));
      String[] values = new String[entries.size()];
      long[] offsets = new long[entries.size()];
      for (int j = 0; j < values.length; j++) {
        values[j] = entryValues.get(entries.get(j));
        offsets[j] = entryOffsets.getLong(entries.get(j));
        if (j > 0 && values[j].equals(values[j - 1])) {
          throw new CorruptBlockException("postings offset table: duplicate entry " + e.getKey() + "=" + values[j]);
        }
      }
      valuesByName.put(e.getKey(), new ValueTable(values, offsets));
    }
    this.names = Collections.unmodifiableList(new ArrayList<>(byName.keySet()));
    long[] bounds = new long[entryOffsets.size() + 7];
    for (int i = 0; i < entryOffsets.size(); i++) {
      bounds[i] = entryOffsets.getLong(i);
    }
    System.arraycopy(toc.offsets(), 0, bounds, entryOffsets.size(), 6);
    bounds[bounds.length - 1] = tocStart();
    Arrays.sort(bounds);
    this.boundaries = bounds;
  }

  /**
   * Reads the header, TOC, symbol table and postings offset table of the block's {@code index} with range reads.
   *
   * @throws IOException when the index is missing, corrupt or not format v2; the message names what is wrong
   */
  public static IndexHeader read(BlockFiles files) throws IOException {
    long size = files.size(INDEX);
    if (size < HEADER_LEN + TOC_LEN) {
      throw new CorruptBlockException("index: file too small (" + size + " bytes)");
    }
    byte[] header = files.read(INDEX, 0, HEADER_LEN);
    if (header.length < HEADER_LEN || DecBuf.be32(header, 0) != IndexWriter.MAGIC_INDEX) {
      throw new CorruptBlockException("index: bad magic, not a Prometheus index");
    }
    if (header[4] != IndexWriter.FORMAT_V2) {
      throw new CorruptBlockException("index: unsupported format version " + header[4] + " (only v2 is supported)");
    }
    Toc toc = readToc(files.read(INDEX, size - TOC_LEN, TOC_LEN), size);

    DecBuf symbolTable = section(files, toc.symbols(), size - TOC_LEN, "index: symbol table");
    int numSymbols = symbolTable.be32();
    if (numSymbols < 0 || numSymbols > symbolTable.remaining()) {
      throw new CorruptBlockException("index: symbol table: bad symbol count " + Integer.toUnsignedString(numSymbols));
    }
    String[] symbols = new String[numSymbols];
    for (int i = 0; i < numSymbols; i++) {
      symbols[i] = symbolTable.uvarintStr();
    }

    DecBuf table = section(files, toc.postingsTable(), size - TOC_LEN, "index: postings offset table");
    int numEntries = table.be32();
    if (numEntries < 0 || numEntries > table.remaining()) {
      throw new CorruptBlockException("index: postings offset table: bad entry count "
          + Integer.toUnsignedString(numEntries));
    }
    List<String> names = new ArrayList<>(numEntries);
    List<String> values = new ArrayList<>(numEntries);
    LongArrayList offsets = new LongArrayList(numEntries);
    for (int i = 0; i < numEntries; i++) {
      long keyCount = table.uvarint();
      if (keyCount != 2) {
        throw new CorruptBlockException("index: postings offset table: entry with " + keyCount + " keys, want 2");
      }
      names.add(table.uvarintStr());
      values.add(table.uvarintStr());
      offsets.add(table.uvarint());
    }
    return new IndexHeader(size, toc, symbols, names, values, offsets);
  }

  private static Toc readToc(byte[] bytes, long indexSize) throws CorruptBlockException {
    if (bytes.length < TOC_LEN) {
      throw new CorruptBlockException("index: TOC truncated");
    }
    if (DecBuf.crc32c(bytes, 0, TOC_LEN - 4) != DecBuf.be32(bytes, TOC_LEN - 4)) {
      throw new CorruptBlockException("index: TOC checksum mismatch");
    }
    DecBuf d = new DecBuf(bytes, 0, TOC_LEN - 4, "index: TOC");
    Toc toc = new Toc(d.be64(), d.be64(), d.be64(), d.be64(), d.be64(), d.be64());
    for (long offset : toc.offsets()) {
      if (offset < 0 || offset > indexSize - TOC_LEN) {
        throw new CorruptBlockException("index: TOC offset " + offset + " outside the index (" + indexSize
            + " bytes)");
      }
    }
    return toc;
  }

  /**
   * Reads a {@code len(4) | content | CRC32C(content)} section at {@code offset} ending before {@code limit}, with
   * two range reads; returns a decoder over the content.
   */
  static DecBuf section(BlockFiles files, long offset, long limit, String what) throws IOException {
    byte[] lenBytes = files.read(INDEX, offset, 4);
    if (lenBytes.length < 4) {
      throw new CorruptBlockException(what + ": truncated at offset " + offset);
    }
    long len = DecBuf.be32(lenBytes, 0) & 0xffffffffL;
    if (offset + 4 + len + 4 > limit) {
      throw new CorruptBlockException(what + ": length " + len + " at offset " + offset + " runs past its end");
    }
    byte[] content = files.read(INDEX, offset + 4, (int) len + 4);
    if (content.length < len + 4) {
      throw new CorruptBlockException(what + ": truncated at offset " + offset);
    }
    if (DecBuf.crc32c(content, 0, (int) len) != DecBuf.be32(content, (int) len)) {
      throw new CorruptBlockException(what + ": checksum mismatch at offset " + offset);
    }
    return new DecBuf(content, 0, (int) len, what);
  }

  /**
   * Writes the header to a local file in our own format ({@code tsdb/docs/format/index-header.md}), atomically: a
   * temporary file beside it, fsynced, then renamed.
   */
  public void write(Path file) throws IOException {
    EncBuf buf = new EncBuf(64 + symbols.length * 16 + boundaries.length * 24);
    buf.putBe32(FILE_MAGIC).putByte(FILE_VERSION).putBe64(indexSizeBytes);
    for (long offset : toc.offsets()) {
      buf.putBe64(offset);
    }
    buf.putBe32(symbols.length);
    for (String s : symbols) {
      buf.putUvarintStr(s);
    }
    int numEntries = (allPostingsOffset >= 0 ? 1 : 0);
    for (String name : names) {
      numEntries += valuesByName.get(name).values().length;
    }
    buf.putBe32(numEntries);
    if (allPostingsOffset >= 0) {
      buf.putUvarintStr("").putUvarintStr("").putUvarint(allPostingsOffset);
    }
    for (String name : names) {
      ValueTable table = valuesByName.get(name);
      for (int i = 0; i < table.values().length; i++) {
        buf.putUvarintStr(name).putUvarintStr(table.values()[i]).putUvarint(table.offsets()[i]);
      }
    }
    buf.putBe32(buf.crc32c(0));

    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(buf.array(), 0, buf.len());
        while (b.hasRemaining()) {
          channel.write(b);
        }
        channel.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.deleteIfExists(tmp);
      throw new IOException("cannot rename index-header file atomically: " + file, e);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
  }

  /**
   * Loads a file written by {@link #write}.
   *
   * @throws IOException when missing, or corrupt (bad magic, version or checksum)
   */
  public static IndexHeader load(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    String what = "index-header " + file;
    int fixed = 4 + 1 + 8 + 6 * 8;
    if (bytes.length < fixed + 4 + 4 + 4 || DecBuf.be32(bytes, 0) != FILE_MAGIC) {
      throw new CorruptBlockException(what + ": bad magic or too small");
    }
    if (bytes[4] != FILE_VERSION) {
      throw new CorruptBlockException(what + ": unsupported version " + bytes[4]);
    }
    if (DecBuf.crc32c(bytes, 0, bytes.length - 4) != DecBuf.be32(bytes, bytes.length - 4)) {
      throw new CorruptBlockException(what + ": checksum mismatch");
    }
    DecBuf d = new DecBuf(bytes, 5, bytes.length - 4 - 5, what);
    long indexSize = d.be64();
    Toc toc = new Toc(d.be64(), d.be64(), d.be64(), d.be64(), d.be64(), d.be64());
    int numSymbols = d.be32();
    if (numSymbols < 0 || numSymbols > d.remaining()) {
      throw new CorruptBlockException(what + ": bad symbol count");
    }
    String[] symbols = new String[numSymbols];
    for (int i = 0; i < numSymbols; i++) {
      symbols[i] = d.uvarintStr();
    }
    int numEntries = d.be32();
    if (numEntries < 0 || numEntries > d.remaining()) {
      throw new CorruptBlockException(what + ": bad postings entry count");
    }
    List<String> names = new ArrayList<>(numEntries);
    List<String> values = new ArrayList<>(numEntries);
    LongArrayList offsets = new LongArrayList(numEntries);
    for (int i = 0; i < numEntries; i++) {
      names.add(d.uvarintStr());
      values.add(d.uvarintStr());
      offsets.add(d.uvarint());
    }
    if (d.remaining() != 0) {
      throw new CorruptBlockException(what + ": " + d.remaining() + " trailing bytes");
    }
    return new IndexHeader(indexSize, toc, symbols, names, values, offsets);
  }

  /** Approximate heap held, in bytes: strings, arrays and table overheads. */
  public long memoryBytes() {
    long bytes = 128 + 16 + 8L * symbols.length + 8L * boundaries.length;
    for (String s : symbols) {
      bytes += stringBytes(s);
    }
    for (String name : names) {
      ValueTable table = valuesByName.get(name);
      bytes += 8 + 64 + stringBytes(name) + 32 + 12L * table.values().length;
      for (String value : table.values()) {
        bytes += stringBytes(value);
      }
    }
    return bytes;
  }

  private static long stringBytes(String s) {
    // Object header, fields and the array header; Latin-1 strings take one byte per char, others two.
    return 40 + 2L * s.length();
  }

  /** Label names, Go-sorted, without the {@code ""} name of the all-postings list. */
  public List<String> labelNames() {
    return names;
  }

  /** Values of a label name, Go-sorted; empty when the name is absent. */
  public List<String> labelValues(String name) {
    ValueTable table = valuesByName.get(name);
    return table == null ? List.of() : Collections.unmodifiableList(Arrays.asList(table.values()));
  }

  long indexSizeBytes() {
    return indexSizeBytes;
  }

  Toc toc() {
    return toc;
  }

  /** Offset of the TOC, the end of every other section. */
  long tocStart() {
    return indexSizeBytes - TOC_LEN;
  }

  int numSymbols() {
    return symbols.length;
  }

  /** The symbol at a v2 reference (its position in the table). */
  String symbol(long ref) throws CorruptBlockException {
    if (ref < 0 || ref >= symbols.length) {
      throw new CorruptBlockException("symbol reference " + ref + " out of range (" + symbols.length + " symbols)");
    }
    return symbols[(int) ref];
  }

  /** Values and postings offsets of a name, or null when absent. */
  ValueTable valueTable(String name) {
    return valuesByName.get(name);
  }

  /** Offset of the all-series postings list (key {@code "" ""}), or -1 when the index has none. */
  long allPostingsOffset() {
    return allPostingsOffset;
  }

  /** Where the postings list or section at {@code offset} ends at the latest: the next boundary after it. */
  long endOf(long offset) {
    int i = Arrays.binarySearch(boundaries, offset);
    i = i < 0 ? -i - 1 : i;
    while (i < boundaries.length && boundaries[i] <= offset) {
      i++;
    }
    return i < boundaries.length ? boundaries[i] : tocStart();
  }
}
