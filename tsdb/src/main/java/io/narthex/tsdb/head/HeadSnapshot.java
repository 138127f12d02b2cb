package io.narthex.tsdb.head;

import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.chunk.XorChunk;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.EncodedChunk;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Writes a {@link Head} to a byte stream and rebuilds it, so that a replica can restart from a snapshot and replay
 * only the log after it. The format, "NXHS" version 1, is described in {@code tsdb/docs/format/head-snapshot.md}:
 * one length-prefixed record per series (labels, closed chunks, open chunk, last sample), then a CRC32C.
 *
 * <p>A restored head continues exactly like the original: the same later appends give the same {@link AppendResult}s
 * and the same chunk bytes, provided it has the same {@link HeadOptions} (checked on read). Series ids are kept.
 */
public final class HeadSnapshot {
  private static final byte[] MAGIC = {'N', 'X', 'H', 'S'};
  private static final int VERSION = 2;
  private static final int FLAG_HAS_SAMPLES = 1;
  /** Version 2: the record ends with the series' out-of-order samples. */
  private static final int FLAG_HAS_OUT_OF_ORDER = 2;
  /** Records are buffered and handed to the stream in pieces of about this size. */
  private static final int FLUSH_BYTES = 64 * 1024;

  private HeadSnapshot() {}

  /**
   * Writes a snapshot of every series the head holds when the call starts. Each series is copied under its own lock,
   * so it is consistent on its own while appends to other series go on; a snapshot that must match one point of a
   * log (a Raft index) needs appends held off for the duration of the call. Flushes but does not close {@code out}.
   *
   * @throws IOException from {@code out}
   */
  public static void write(Head head, OutputStream out) throws IOException {
    List<MemSeries> all = head.allSeries();
    CRC32C crc = new CRC32C();
    Buf buf = new Buf(FLUSH_BYTES + 1024);
    buf.bytes(MAGIC, 0, MAGIC.length);
    buf.u8(VERSION);
    buf.uvarint(head.options().samplesPerChunk());
    buf.uvarint(all.size());
    Buf record = new Buf(1024);
    for (int i = 0; i < all.size(); i++) {
      record.len = 0;
      encodeSeries(head, all.get(i), record);
      buf.uvarint(record.len);
      buf.bytes(record.buf, 0, record.len);
      if (buf.len >= FLUSH_BYTES) {
        crc.update(buf.buf, 0, buf.len);
        out.write(buf.buf, 0, buf.len);
        buf.len = 0;
      }
    }
    crc.update(buf.buf, 0, buf.len);
    int sum = (int) crc.getValue();
    buf.u8(sum >>> 24);
    buf.u8(sum >>> 16);
    buf.u8(sum >>> 8);
    buf.u8(sum);
    out.write(buf.buf, 0, buf.len);
    out.flush();
  }

  private static void encodeSeries(Head head, MemSeries series, Buf record) {
    Labels labels = series.labels();
    record.uvarint(labels.size());
    for (int i = 0; i < labels.size(); i++) {
      record.string(labels.name(i));
      record.string(labels.value(i));
    }
    synchronized (series) {
      if (!series.hasSamples) {
        record.u8(0);
        return;
      }
      OutOfOrderSamples late = series.outOfOrder;
      record.u8(late == null ? FLAG_HAS_SAMPLES : FLAG_HAS_SAMPLES | FLAG_HAS_OUT_OF_ORDER);
      record.varint(series.lastTimestampMs);
      record.u64(series.lastValueBits);
      record.uvarint(series.closedCount);
      for (int c = 0; c < series.closedCount; c++) {
        long ref = series.closedRef(c);
        int length = HeadChunkSpace.length(ref);
        record.varint(series.closedMinTimeMs(c));
        record.varint(series.closedMaxTimeMs(c));
        record.uvarint(length);
        record.ensure(length);
        head.chunkSpace.copy(ref, record.buf, record.len);
        record.len += length;
      }
      XorAppender open = series.headChunk;
      byte[] data = open.bytes();
      record.uvarint(open.numSamples());
      record.uvarint(data.length);
      record.bytes(data, 0, data.length);
      if (late != null) {
        record.uvarint(late.chunks.size());
        for (EncodedChunk chunk : late.chunks) {
          record.varint(chunk.minTimeMs());
          record.varint(chunk.maxTimeMs());
          record.uvarint(chunk.data().length);
          record.bytes(chunk.data(), 0, chunk.data().length);
        }
        record.uvarint(late.count);
        for (int i = 0; i < late.count; i++) {
          record.varint(late.timestampsMs[i]);
          record.u64(late.valueBits[i]);
        }
      }
    }
  }

  /**
   * Reads a snapshot written by {@link #write} into a new head with {@code options}. Reads exactly the snapshot's
   * bytes and nothing after them, so snapshots may follow one another in a stream; pass a buffered stream.
   *
   * @throws IOException when the stream fails or ends early, or the snapshot has a bad magic, an unknown version, a
   *     checksum mismatch, a corrupt record, or was taken with another {@code samplesPerChunk}; the message says
   *     which. No partly loaded head is ever returned.
   */
  public static Head read(InputStream in, HeadOptions options) throws IOException {
    Source src = new Source(in);
    byte[] magic = new byte[MAGIC.length];
    src.readFully(magic, 0, magic.length, "magic");
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IOException("not a head snapshot: magic is " + hex(magic) + ", expected " + hex(MAGIC) + " (NXHS)");
    }
    int version = src.u8("version");
    if (version != 1 && version != VERSION) {
      throw new IOException("unsupported head snapshot version " + version + "; this build reads versions 1 and "
          + VERSION);
    }
    long samplesPerChunk = src.uvarint("samplesPerChunk");
    if (samplesPerChunk != options.samplesPerChunk()) {
      throw new IOException("head snapshot was taken with samplesPerChunk " + samplesPerChunk
          + " but the head is configured with " + options.samplesPerChunk()
          + "; restoring would cut chunks differently from the other replicas");
    }
    long seriesCount = src.uvarint("series count");
    Head head = new Head(options);
    Rec rec = new Rec();
    HashMap<String, String> strings = new HashMap<>();
    for (long i = 0; i < seriesCount; i++) {
      long length = src.uvarint("series record length");
      if (length > Integer.MAX_VALUE - 16) {
        throw new IOException("head snapshot corrupt: series #" + i + " record length " + length + " is too large");
      }
      rec.load(src, (int) length, i);
      try {
        decodeSeries(head, rec, (int) i, strings);
      } catch (IOException | RuntimeException e) {
        throw new IOException("head snapshot corrupt in series #" + i + " (at byte " + src.offset + "): "
            + e.getMessage(), e);
      }
    }
    int computed = (int) src.crc.getValue();
    byte[] trailer = new byte[4];
    int n = in.readNBytes(trailer, 0, 4);
    if (n < 4) {
      throw new IOException("head snapshot truncated: stream ended in the CRC32C trailer at byte " + (src.offset + n));
    }
    int stored = ((trailer[0] & 0xff) << 24) | ((trailer[1] & 0xff) << 16) | ((trailer[2] & 0xff) << 8)
        | (trailer[3] & 0xff);
    if (stored != computed) {
      throw new IOException(String.format(
          "head snapshot checksum mismatch: stored CRC32C %08x, computed %08x over %d bytes",
          stored, computed, src.offset));
    }
    return head;
  }

  private static void decodeSeries(Head head, Rec rec, int expectedId, HashMap<String, String> strings)
      throws IOException {
    int labelCount = rec.count("label count", 2);
    String[] pairs = new String[labelCount * 2];
    for (int p = 0; p < pairs.length; p++) {
      pairs[p] = rec.string(strings);
    }
    for (int p = 2; p < pairs.length; p += 2) {
      if (pairs[p - 2].compareTo(pairs[p]) >= 0) {
        throw new IOException("label names not sorted and unique: " + pairs[p - 2] + ", " + pairs[p]);
      }
    }
    Labels labels = Labels.fromSortedPairs(pairs);
    MemSeries series = head.getOrCreate(labels);
    if (series.id() != expectedId) {
      throw new IOException("series " + labels + " appears twice");
    }
    int flags = rec.u8();
    if (flags == 0) {
      rec.expectEnd();
      return;
    }
    if ((flags & ~(FLAG_HAS_SAMPLES | FLAG_HAS_OUT_OF_ORDER)) != 0 || (flags & FLAG_HAS_SAMPLES) == 0) {
      throw new IOException("unknown series flags " + flags);
    }
    long lastTimestampMs = rec.varint();
    long lastValueBits = rec.u64();
    int closedCount = rec.count("closed chunk count", 4);
    EncodedChunk[] closed = new EncodedChunk[closedCount];
    for (int c = 0; c < closedCount; c++) {
      long minTimeMs = rec.varint();
      long maxTimeMs = rec.varint();
      byte[] data = rec.chunkBytes();
      if (minTimeMs > maxTimeMs || (c > 0 && minTimeMs <= closed[c - 1].maxTimeMs())) {
        throw new IOException("closed chunk " + c + " has time range [" + minTimeMs + ", " + maxTimeMs
            + "] out of order");
      }
      closed[c] = new EncodedChunk(minTimeMs, maxTimeMs, data);
    }
    int openSamples = rec.count("open chunk sample count", 0);
    byte[] open = rec.chunkBytes();
    if (openSamples == 0 || openSamples != XorChunk.numSamples(open)) {
      throw new IOException("open chunk header holds " + XorChunk.numSamples(open) + " samples, record says "
          + openSamples);
    }
    if (openSamples > head.options().samplesPerChunk()) {
      throw new IOException("open chunk holds " + openSamples + " samples, more than samplesPerChunk");
    }
    OutOfOrderSamples late = (flags & FLAG_HAS_OUT_OF_ORDER) != 0 ? decodeOutOfOrder(rec) : null;
    rec.expectEnd();
    XorAppender appender = XorAppender.resumeExact(open);
    if (appender.maxTimeMs() != lastTimestampMs || appender.lastValueBits() != lastValueBits) {
      throw new IOException("last sample (" + lastTimestampMs + ", bits " + Long.toHexString(lastValueBits)
          + ") differs from the open chunk's (" + appender.maxTimeMs() + ", bits "
          + Long.toHexString(appender.lastValueBits()) + ")");
    }
    if (closedCount > 0 && appender.minTimeMs() <= closed[closedCount - 1].maxTimeMs()) {
      throw new IOException("open chunk starts at " + appender.minTimeMs() + ", not after the closed chunks");
    }
    synchronized (series) {
      for (int c = 0; c < closedCount; c++) {
        byte[] data = closed[c].data();
        series.addClosed(closed[c].minTimeMs(), closed[c].maxTimeMs(), head.chunkSpace.write(data, data.length));
      }
      series.headChunk = appender;
      series.hasSamples = true;
      series.lastTimestampMs = lastTimestampMs;
      series.lastValueBits = lastValueBits;
      series.outOfOrder = late;
    }
    long minTimeMs = closedCount > 0 ? closed[0].minTimeMs() : appender.minTimeMs();
    head.observeTimeRange(late == null ? minTimeMs : Math.min(minTimeMs, late.minTimeMs()), lastTimestampMs);
  }

  private static OutOfOrderSamples decodeOutOfOrder(Rec rec) throws IOException {
    OutOfOrderSamples late = new OutOfOrderSamples();
    int chunkCount = rec.count("out-of-order chunk count", 4);
    for (int c = 0; c < chunkCount; c++) {
      long minTimeMs = rec.varint();
      long maxTimeMs = rec.varint();
      byte[] data = rec.chunkBytes();
      if (minTimeMs > maxTimeMs) {
        throw new IOException("out-of-order chunk " + c + " has time range [" + minTimeMs + ", " + maxTimeMs + "]");
      }
      late.chunks.add(new EncodedChunk(minTimeMs, maxTimeMs, data));
    }
    int count = rec.count("out-of-order buffer count", 9);
    if (count > OutOfOrderSamples.BUFFER_SAMPLES) {
      throw new IOException("out-of-order buffer of " + count + " samples, over " + OutOfOrderSamples.BUFFER_SAMPLES);
    }
    for (int i = 0; i < count; i++) {
      late.timestampsMs[i] = rec.varint();
      late.valueBits[i] = rec.u64();
      if (i > 0 && late.timestampsMs[i] <= late.timestampsMs[i - 1]) {
        throw new IOException("out-of-order buffer not sorted at sample " + i);
      }
    }
    late.count = count;
    if (late.isEmpty()) {
      throw new IOException("out-of-order flag set without out-of-order samples");
    }
    return late;
  }

  private static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte b : bytes) {
      sb.append(String.format("%02x", b & 0xff));
    }
    return sb.toString();
  }

  /** A growable byte buffer with the format's primitive encodings. */
  private static final class Buf {
    byte[] buf;
    int len;

    Buf(int capacity) {
      buf = new byte[capacity];
    }

    void ensure(int more) {
      if (len + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(len + more, buf.length * 2));
      }
    }

    void u8(int b) {
      ensure(1);
      buf[len++] = (byte) b;
    }

    /** Go's {@code binary.PutUvarint}. */
    void uvarint(long v) {
      ensure(10);
      while (Long.compareUnsigned(v, 0x80) >= 0) {
        buf[len++] = (byte) ((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      buf[len++] = (byte) v;
    }

    /** Go's {@code binary.PutVarint}: zig-zag, then uvarint. */
    void varint(long v) {
      uvarint((v << 1) ^ (v >> 63));
    }

    void u64(long v) {
      ensure(8);
      for (int shift = 56; shift >= 0; shift -= 8) {
        buf[len++] = (byte) (v >>> shift);
      }
    }

    void bytes(byte[] b, int off, int n) {
      ensure(n);
      System.arraycopy(b, off, buf, len, n);
      len += n;
    }

    /** Uvarint byte length, then UTF-8 bytes; ASCII is copied without an intermediate array. */
    void string(String s) {
      int n = s.length();
      for (int i = 0; i < n; i++) {
        if (s.charAt(i) >= 0x80) {
          byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
          uvarint(utf8.length);
          bytes(utf8, 0, utf8.length);
          return;
        }
      }
      uvarint(n);
      ensure(n);
      for (int i = 0; i < n; i++) {
        buf[len++] = (byte) s.charAt(i);
      }
    }
  }

  /** Reads the stream exactly, byte by byte or in given lengths, summing a CRC32C over what it read. */
  private static final class Source {
    final InputStream in;
    final CRC32C crc = new CRC32C();
    long offset;

    Source(InputStream in) {
      this.in = in;
    }

    int u8(String field) throws IOException {
      int b = in.read();
      if (b < 0) {
        throw truncated(field);
      }
      crc.update(b);
      offset++;
      return b;
    }

    long uvarint(String field) throws IOException {
      long x = 0;
      for (int shift = 0; shift < 70; shift += 7) {
        int b = u8(field);
        if (shift == 63 && b > 1) {
          break;
        }
        x |= (long) (b & 0x7f) << shift;
        if (b < 0x80) {
          return x;
        }
      }
      throw new IOException("head snapshot corrupt: " + field + " at byte " + offset + " overflows 64 bits");
    }

    void readFully(byte[] b, int off, int n, String field) throws IOException {
      int read = in.readNBytes(b, off, n);
      crc.update(b, off, read);
      offset += read;
      if (read < n) {
        throw truncated(field);
      }
    }

    IOException truncated(String field) {
      return new IOException("head snapshot truncated: stream ended in the " + field + " at byte " + offset);
    }
  }

  /** One series record in memory, parsed with bounds checks; corrupt lengths throw rather than allocate. */
  private static final class Rec {
    byte[] buf = new byte[4096];
    int pos;
    int limit;

    /** Reads {@code length} bytes, growing the buffer only as bytes arrive so a corrupt length cannot exhaust memory. */
    void load(Source src, int length, long index) throws IOException {
      String field = "record of series #" + index;
      int filled = 0;
      while (filled < length) {
        if (filled == buf.length) {
          buf = Arrays.copyOf(buf, (int) Math.min(length, 2L * buf.length));
        }
        int step = Math.min(length, buf.length) - filled;
        src.readFully(buf, filled, step, field);
        filled += step;
      }
      pos = 0;
      limit = length;
    }

    private void need(int n) throws IOException {
      if (limit - pos < n) {
        throw new IOException("record ends early");
      }
    }

    int u8() throws IOException {
      need(1);
      return buf[pos++] & 0xff;
    }

    long uvarint() throws IOException {
      long x = 0;
      for (int shift = 0; shift < 70; shift += 7) {
        int b = u8();
        if (shift == 63 && b > 1) {
          break;
        }
        x |= (long) (b & 0x7f) << shift;
        if (b < 0x80) {
          return x;
        }
      }
      throw new IOException("varint overflows 64 bits");
    }

    long varint() throws IOException {
      long u = uvarint();
      return (u >>> 1) ^ -(u & 1);
    }

    long u64() throws IOException {
      need(8);
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (buf[pos++] & 0xff);
      }
      return v;
    }

    /** A count whose items take at least {@code minBytesEach} bytes of the rest of the record. */
    int count(String what, int minBytesEach) throws IOException {
      long n = uvarint();
      long room = minBytesEach == 0 ? XorChunk.MAX_SAMPLES : (limit - pos) / minBytesEach;
      if (n > room) {
        throw new IOException(what + " " + n + " does not fit the record");
      }
      return (int) n;
    }

    String string(HashMap<String, String> strings) throws IOException {
      long n = uvarint();
      if (n > limit - pos) {
        throw new IOException("string length " + n + " runs past the record");
      }
      String s = new String(buf, pos, (int) n, StandardCharsets.UTF_8);
      pos += (int) n;
      // Label names and many values repeat across series: keep one copy of each.
      String known = strings.putIfAbsent(s, s);
      return known != null ? known : s;
    }

    byte[] chunkBytes() throws IOException {
      long n = uvarint();
      if (n < 2 || n > limit - pos) {
        throw new IOException("chunk length " + n + " is under the 2-byte header or runs past the record");
      }
      byte[] data = Arrays.copyOfRange(buf, pos, pos + (int) n);
      pos += (int) n;
      return data;
    }

    void expectEnd() throws IOException {
      if (pos != limit) {
        throw new IOException((limit - pos) + " unexpected bytes at the end of the record");
      }
    }
  }
}
