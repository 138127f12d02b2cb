package io.narthex.tsdb.block;

import io.narthex.tsdb.labels.Labels;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a block's {@code index} file in Prometheus's index format v2, laid out as Prometheus 2.x's
 * {@code index.Writer}: header, symbol table, series (each 16-byte aligned; id = offset / 16), one label index per
 * label name (legacy, 4-byte aligned), postings lists (4-byte aligned; the all-series list under the empty pair
 * first), label offset table, postings offset table, TOC. Every section's CRC32 is Castagnoli. See
 * {@code tsdb/docs/format/prometheus-block.md}.
 */
final class IndexWriter implements AutoCloseable {
  static final int MAGIC_INDEX = 0xBAAAD700;
  static final int FORMAT_V2 = 2;

  private final PositionedOutput out;
  private final Object2IntOpenHashMap<String> symbolRefs = new Object2IntOpenHashMap<>();
  private final EncBuf buf = new EncBuf(4096);
  private final EncBuf head = new EncBuf(16);
  // name -> value -> series ids, both sorted as Go strings.
  private final TreeMap<String, TreeMap<String, IntArrayList>> postings = new TreeMap<>(GoStrings.ORDER);
  private final IntArrayList allSeries = new IntArrayList();
  private final long tocSymbols;
  private final long tocSeries;
  private Labels lastLabels;

  /** Opens the file and writes the header and the symbol table; {@code symbols} must be sorted as Go strings. */
  IndexWriter(Path file, List<String> symbols) throws IOException {
    out = new PositionedOutput(file);
    buf.reset();
    buf.putBe32(MAGIC_INDEX).putByte(FORMAT_V2);
    out.write(buf);
    tocSymbols = out.pos();
    buf.reset();
    buf.putBe32(symbols.size());
    String previous = null;
    for (String s : symbols) {
      if (previous != null && GoStrings.ORDER.compare(previous, s) >= 0) {
        throw new IllegalArgumentException("symbols not sorted and unique at " + s);
      }
      symbolRefs.put(s, symbolRefs.size());
      buf.putUvarintStr(s);
      previous = s;
    }
    writeSection(buf);
    tocSeries = out.pos();
  }

  /** Adds the next series (strictly increasing labels) with its chunk metas; returns the series id. */
  int addSeries(Labels labels, long[] minTimes, long[] maxTimes, long[] refs, int numChunks) throws IOException {
    if (lastLabels != null && GoStrings.compare(lastLabels, labels) >= 0) {
      throw new IllegalArgumentException("series out of order: " + labels + " after " + lastLabels);
    }
    lastLabels = labels;
    out.pad(16);
    long id = out.pos() / 16;
    if (id > 0xffffffffL) {
      throw new IOException("index too large: series id exceeds 32 bits");
    }
    buf.reset();
    buf.putUvarint(labels.size());
    for (int i = 0; i < labels.size(); i++) {
      buf.putUvarint(symbolRef(labels.name(i)));
      buf.putUvarint(symbolRef(labels.value(i)));
      postings.computeIfAbsent(labels.name(i), k -> new TreeMap<>(GoStrings.ORDER))
          .computeIfAbsent(labels.value(i), k -> new IntArrayList()).add((int) id);
    }
    allSeries.add((int) id);
    buf.putUvarint(numChunks);
    if (numChunks > 0) {
      buf.putVarint(minTimes[0]);
      buf.putUvarint(maxTimes[0] - minTimes[0]);
      buf.putUvarint(refs[0]);
      for (int c = 1; c < numChunks; c++) {
        buf.putUvarint(minTimes[c] - maxTimes[c - 1]);
        buf.putUvarint(maxTimes[c] - minTimes[c]);
        buf.putVarint(refs[c] - refs[c - 1]);
      }
    }
    head.reset();
    head.putUvarint(buf.len());
    out.write(head);
    int crc = buf.crc32c(0);
    buf.putBe32(crc);
    out.write(buf);
    return (int) id;
  }

  private int symbolRef(String s) {
    int ref = symbolRefs.getOrDefault(s, -1);
    if (ref < 0) {
      throw new IllegalArgumentException("symbol missing from table: " + s);
    }
    return ref;
  }

  /** Writes label indices, postings, both offset tables and the TOC, then closes the file. */
  void finish() throws IOException {
    long tocLabelIndices = out.pos();
    Map<String, Long> labelIndexOffsets = new TreeMap<>(GoStrings.ORDER);
    for (Map.Entry<String, TreeMap<String, IntArrayList>> e : postings.entrySet()) {
      out.pad(4);
      labelIndexOffsets.put(e.getKey(), out.pos());
      buf.reset();
      buf.putBe32(1).putBe32(e.getValue().size());
      for (String value : e.getValue().keySet()) {
        buf.putBe32(symbolRef(value));
      }
      writeSection(buf);
    }

    out.pad(4);
    long tocPostings = out.pos();
    List<String[]> postingKeys = new ArrayList<>();
    List<Long> postingOffsets = new ArrayList<>();
    postingKeys.add(new String[] {"", ""});
    postingOffsets.add(writePostings(allSeries));
    for (Map.Entry<String, TreeMap<String, IntArrayList>> e : postings.entrySet()) {
      for (Map.Entry<String, IntArrayList> v : e.getValue().entrySet()) {
        postingKeys.add(new String[] {e.getKey(), v.getKey()});
        postingOffsets.add(writePostings(v.getValue()));
      }
    }

    long tocLabelIndicesTable = out.pos();
    buf.reset();
    buf.putBe32(labelIndexOffsets.size());
    for (Map.Entry<String, Long> e : labelIndexOffsets.entrySet()) {
      buf.putUvarint(1).putUvarintStr(e.getKey()).putUvarint(e.getValue());
    }
    writeSection(buf);

    long tocPostingsTable = out.pos();
    buf.reset();
    buf.putBe32(postingKeys.size());
    for (int i = 0; i < postingKeys.size(); i++) {
      buf.putUvarint(2).putUvarintStr(postingKeys.get(i)[0]).putUvarintStr(postingKeys.get(i)[1]);
      buf.putUvarint(postingOffsets.get(i));
    }
    writeSection(buf);

    buf.reset();
    buf.putBe64(tocSymbols).putBe64(tocSeries).putBe64(tocLabelIndices).putBe64(tocLabelIndicesTable)
        .putBe64(tocPostings).putBe64(tocPostingsTable);
    buf.putBe32(buf.crc32c(0));
    out.write(buf);
    out.close();
  }

  private long writePostings(IntArrayList ids) throws IOException {
    out.pad(4);
    long offset = out.pos();
    buf.reset();
    buf.putBe32(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      buf.putBe32(ids.getInt(i));
    }
    writeSection(buf);
    return offset;
  }

  /** Writes {@code len <4b> | content | CRC32C(content)}. */
  private void writeSection(EncBuf content) throws IOException {
    head.reset();
    head.putBe32(content.len());
    out.write(head);
    int crc = content.crc32c(0);
    out.write(content);
    head.reset();
    head.putBe32(crc);
    out.write(head);
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
