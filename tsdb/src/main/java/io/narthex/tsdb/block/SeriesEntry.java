package io.narthex.tsdb.block;

import io.narthex.tsdb.labels.Labels;

/**
 * One decoded entry of an index v2 series section: its reference (offset / 16), label pairs as stored
 * ({@code [name0, value0, ...]}), and chunk metas. See Prometheus {@code tsdb/docs/format/index.md}, "Series".
 */
record SeriesEntry(long ref, String[] pairs, long[] minTimesMs, long[] maxTimesMs, long[] chunkRefs) {

  /**
   * Decodes the content of an entry (between its uvarint length and its CRC).
   *
   * @throws CorruptBlockException on a truncated entry or a bad symbol reference
   */
  static SeriesEntry decode(IndexHeader header, long ref, byte[] bytes, int offset, int length)
      throws CorruptBlockException {
    DecBuf d = new DecBuf(bytes, offset, length, "index: series ref " + ref);
    int numLabels = d.uvarintInt();
    if (numLabels > d.remaining() / 2) {
      throw new CorruptBlockException("index: series ref " + ref + ": bad label count " + numLabels);
    }
    String[] pairs = new String[numLabels * 2];
    for (int i = 0; i < pairs.length; i++) {
      pairs[i] = header.symbol(d.uvarint());
    }
    int numChunks = d.uvarintInt();
    if (numChunks > d.remaining() / 3) {
      throw new CorruptBlockException("index: series ref " + ref + ": bad chunk count " + numChunks);
    }
    long[] minTimes = new long[numChunks];
    long[] maxTimes = new long[numChunks];
    long[] refs = new long[numChunks];
    for (int c = 0; c < numChunks; c++) {
      if (c == 0) {
        minTimes[0] = d.varint();
        maxTimes[0] = minTimes[0] + d.uvarint();
        refs[0] = d.uvarint();
      } else {
        minTimes[c] = maxTimes[c - 1] + d.uvarint();
        maxTimes[c] = minTimes[c] + d.uvarint();
        refs[c] = refs[c - 1] + d.varint();
      }
    }
    if (d.remaining() != 0) {
      throw new CorruptBlockException("index: series ref " + ref + ": " + d.remaining() + " trailing bytes");
    }
    return new SeriesEntry(ref, pairs, minTimes, maxTimes, refs);
  }

  int numChunks() {
    return chunkRefs.length;
  }

  /** The label set; pairs are used as they are when they already satisfy {@link Labels}' order and rules. */
  Labels labels() {
    boolean ready = true;
    for (int i = 0; i < pairs.length && ready; i += 2) {
      ready = !pairs[i + 1].isEmpty() && (i == 0 || pairs[i - 2].compareTo(pairs[i]) < 0);
    }
    if (ready) {
      return Labels.fromSortedPairs(pairs.clone());
    }
    Labels.Builder builder = new Labels.Builder();
    for (int i = 0; i < pairs.length; i += 2) {
      builder.set(pairs[i], pairs[i + 1]);
    }
    return builder.build();
  }

  /** The pairs in Prometheus's text form, for messages. */
  String describe() {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < pairs.length; i += 2) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(pairs[i]).append("=\"");
      Labels.escape(pairs[i + 1], sb);
      sb.append('"');
    }
    return sb.append('}').toString();
  }
}
