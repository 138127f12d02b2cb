package io.narthex.ingester.client;

import io.narthex.tsdb.head.CanonicalLabelBytes;
import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.head.SeriesIdentity;
import io.narthex.tsdb.labels.Labels;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A reusable cursor over one encoded remote-write {@code prometheus.TimeSeries} (types.proto), read in place: label
 * names and values stay byte ranges of the buffer and samples are decoded into primitive arrays, so that a series
 * the head already holds costs no allocation. Fields follow the protobuf wire format; unknown fields are skipped.
 *
 * <p>Not thread-safe: one cursor per thread, {@link #reset} per series.
 */
public final class WireTimeSeries extends WireReader implements Head.LabelsKey {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private int end;
  // Per label: name offset, name length, value offset, value length.
  private int[] labels = new int[4 * 16];
  private int labelCount;
  /** The bytes from the first label field's contents to the last one's end. */
  private int labelsFrom;
  private int labelsTo;
  private long[] timestampsMs = new long[16];
  private double[] values = new double[16];
  private int sampleCount;
  private int exemplarCount;
  private int histogramCount;
  private final CanonicalLabelBytes canonical = new CanonicalLabelBytes();
  private boolean canonicalBuilt;
  private boolean canonicalChecked;

  /**
   * Reads the series at {@code buf[offset, offset + length)}.
   *
   * @throws IllegalArgumentException when the bytes are not a well-formed TimeSeries message
   */
  public WireTimeSeries reset(byte[] buf, int offset, int length) {
    this.buf = buf;
    this.start = offset;
    this.end = offset + length;
    labelCount = 0;
    canonicalBuilt = false;
    canonicalChecked = false;
    sampleCount = 0;
    exemplarCount = 0;
    histogramCount = 0;
    pos = offset;
    while (pos < end) {
      int tag = readTag(end);
      int field = tag >>> 3;
      int wireType = tag & 7;
      if (field == 1 && wireType == WIRE_LEN) {
        int len = readLength(end);
        readLabel(pos, pos + len);
        pos += len;
      } else if (field == 2 && wireType == WIRE_LEN) {
        int len = readLength(end);
        readSample(pos, pos + len);
        pos += len;
      } else if ((field == 3 || field == 4) && wireType == WIRE_LEN) {
        int len = readLength(end);
        pos += len;
        if (field == 3) {
          exemplarCount++;
        } else {
          histogramCount++;
        }
      } else {
        skip(wireType, end);
      }
    }
    return this;
  }

  private void readLabel(int from, int to) {
    if (labelCount * 4 == labels.length) {
      labels = Arrays.copyOf(labels, labels.length * 2);
    }
    int base = labelCount * 4;
    if (labelCount == 0) {
      labelsFrom = from;
    }
    labelsTo = to;
    // Prometheus writes a label as tag 0x0a, name length, name, tag 0x12, value length, value; lengths under 128
    // take one byte.
    if (to - from >= 4 && buf[from] == 0x0a && buf[from + 1] >= 0) {
      int valueTag = from + 2 + buf[from + 1];
      if (valueTag + 2 <= to && buf[valueTag] == 0x12 && buf[valueTag + 1] >= 0
          && valueTag + 2 + buf[valueTag + 1] == to) {
        labels[base] = from + 2;
        labels[base + 1] = buf[from + 1];
        labels[base + 2] = valueTag + 2;
        labels[base + 3] = buf[valueTag + 1];
        labelCount++;
        return;
      }
    }
    labels[base] = from;
    labels[base + 1] = 0;
    labels[base + 2] = from;
    labels[base + 3] = 0;
    int saved = pos;
    pos = from;
    while (pos < to) {
      int tag = readTag(to);
      int field = tag >>> 3;
      if ((field == 1 || field == 2) && (tag & 7) == WIRE_LEN) {
        int len = readLength(to);
        int at = field == 1 ? base : base + 2;
        labels[at] = pos;
        labels[at + 1] = len;
        pos += len;
      } else {
        skip(tag & 7, to);
      }
    }
    pos = saved;
    labelCount++;
  }

  private void readSample(int from, int to) {
    if (sampleCount == timestampsMs.length) {
      timestampsMs = Arrays.copyOf(timestampsMs, sampleCount * 2);
      values = Arrays.copyOf(values, sampleCount * 2);
    }
    // Prometheus writes every sample as tag 0x09, 8 value bytes, tag 0x10, varint timestamp.
    if (to - from >= 11 && buf[from] == 0x09 && buf[from + 9] == 0x10) {
      long timestampMs = 0;
      int at = from + 10;
      for (int shift = 0; at < to && shift < 64; shift += 7) {
        byte b = buf[at++];
        timestampMs |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          if (at == to) {
            timestampsMs[sampleCount] = timestampMs;
            values[sampleCount] = Double.longBitsToDouble((long) LONGS.get(buf, from + 1));
            sampleCount++;
            return;
          }
          break;
        }
      }
    }
    long timestampMs = 0;
    double value = 0;
    int saved = pos;
    pos = from;
    while (pos < to) {
      int tag = readTag(to);
      if (tag == (1 << 3 | WIRE_FIXED64)) {
        if (pos + 8 > to) {
          throw malformed("truncated sample value");
        }
        value = Double.longBitsToDouble((long) LONGS.get(buf, pos));
        pos += 8;
      } else if (tag == (2 << 3 | WIRE_VARINT)) {
        timestampMs = readVarint(to);
      } else {
        skip(tag & 7, to);
      }
    }
    pos = saved;
    timestampsMs[sampleCount] = timestampMs;
    values[sampleCount] = value;
    sampleCount++;
  }

  @Override
  String messageName() {
    return "TimeSeries";
  }

  /** The buffer read by the last {@link #reset}. */
  public byte[] buffer() {
    return buf;
  }

  public int offset() {
    return start;
  }

  public int length() {
    return end - start;
  }

  public int labelCount() {
    return labelCount;
  }

  public int nameOffset(int label) {
    return labels[label * 4];
  }

  public int nameLength(int label) {
    return labels[label * 4 + 1];
  }

  public int valueOffset(int label) {
    return labels[label * 4 + 2];
  }

  public int valueLength(int label) {
    return labels[label * 4 + 3];
  }

  public String name(int label) {
    return new String(buf, nameOffset(label), nameLength(label), StandardCharsets.UTF_8);
  }

  public String value(int label) {
    return new String(buf, valueOffset(label), valueLength(label), StandardCharsets.UTF_8);
  }

  /** Whether label {@code label}'s name is exactly the ASCII string {@code ascii}. */
  public boolean nameIs(int label, String ascii) {
    return asciiEquals(nameOffset(label), nameLength(label), ascii);
  }

  public int sampleCount() {
    return sampleCount;
  }

  public long timestampMs(int sample) {
    return timestampsMs[sample];
  }

  /** The value of sample {@code sample}. */
  public double sampleValue(int sample) {
    return values[sample];
  }

  /**
   * Whether every byte from the first label to the last is ASCII: then every name and value is valid UTF-8, checked
   * eight bytes at a time in one pass. False says nothing (a length of 128 or more, a non-ASCII value, a sample
   * between labels): check each with {@link #isValidUtf8}.
   */
  public boolean labelsAreAscii() {
    int i = labelsFrom;
    int end = labelCount == 0 ? labelsFrom : labelsTo;
    for (; i + 8 <= end; i += 8) {
      if (((long) LONGS.get(buf, i) & 0x8080808080808080L) != 0) {
        return false;
      }
    }
    for (; i < end; i++) {
      if (buf[i] < 0) {
        return false;
      }
    }
    return true;
  }

  public int exemplarCount() {
    return exemplarCount;
  }

  public int histogramCount() {
    return histogramCount;
  }

  /**
   * Whether {@code buf[offset, offset + length)} is well-formed UTF-8 (Unicode's table 3-7: no overlong forms, no
   * surrogates, nothing past U+10FFFF), as the JDK's decoder and protobuf's proto3 string check judge it, without
   * allocating. ASCII, nearly every label, is tested eight bytes at a time.
   */
  public static boolean isValidUtf8(byte[] buf, int offset, int length) {
    int i = offset;
    int end = offset + length;
    for (; i + 8 <= end; i += 8) {
      if (((long) LONGS.get(buf, i) & 0x8080808080808080L) != 0) {
        break;
      }
    }
    while (i < end) {
      int b = buf[i];
      if (b >= 0) {
        i++;
        continue;
      }
      b &= 0xff;
      if (b < 0xc2 || b > 0xf4) {
        return false; // a continuation byte, an overlong two-byte lead or past U+10FFFF
      }
      int size = b < 0xe0 ? 2 : b < 0xf0 ? 3 : 4;
      if (end - i < size) {
        return false;
      }
      int second = buf[i + 1] & 0xff;
      // The second byte's range is narrower after E0 (overlong), ED (surrogates), F0 (overlong) and F4 (> U+10FFFF).
      int low = b == 0xe0 ? 0xa0 : b == 0xf0 ? 0x90 : 0x80;
      int high = b == 0xed ? 0x9f : b == 0xf4 ? 0x8f : 0xbf;
      if (second < low || second > high) {
        return false;
      }
      for (int k = 2; k < size; k++) {
        if ((buf[i + k] & 0xc0) != 0x80) {
          return false;
        }
      }
      i += size;
    }
    return true;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException when a name or value is not valid UTF-8: its {@code 0xff} bytes would make
   *     the canonical bytes of another label set ({@code a="b\xffc\xffd"} is {@code a="b", c="d"})
   */
  @Override
  public long identityLow() {
    return canonical(true).low();
  }

  /**
   * {@link #identityLow()} without its UTF-8 check, for a caller that has checked every name and value with
   * {@link #isValidUtf8} already (the distributor's shard hash: a second check cost 4-5 % of its CPU). On invalid
   * UTF-8 the result is the identity of another label set.
   */
  public long identityLowOfValidUtf8() {
    return canonical(false).low();
  }

  /** As {@link #identityLow()}. */
  @Override
  public long identityHigh() {
    return canonical(true).high();
  }

  /**
   * The label set's canonical bytes ({@link SeriesIdentity}), put together once per series eight bytes at a time
   * ({@link CanonicalLabelBytes}: a {@code System.arraycopy} per label cost more than the hash), and checked once
   * when {@code check}: labels that are all ASCII, nearly all, are valid UTF-8 without a look at each.
   *
   * @throws IllegalArgumentException when {@code check} and a name or value is not valid UTF-8
   */
  private CanonicalLabelBytes canonical(boolean check) {
    if (!canonicalBuilt) {
      canonical.clear();
      for (int i = 0; i < labelCount * 4; i += 2) {
        canonical.add(buf, labels[i], labels[i + 1]);
      }
      canonicalBuilt = true;
    }
    if (check && !canonicalChecked) {
      if (!canonical.ascii()) {
        for (int i = 0; i < labelCount * 4; i += 2) {
          if (!isValidUtf8(buf, labels[i], labels[i + 1])) {
            throw new IllegalArgumentException("label " + (i / 4) + " is not valid UTF-8");
          }
        }
      }
      canonicalChecked = true;
    }
    return canonical;
  }

  private boolean asciiEquals(int offset, int length, String ascii) {
    if (ascii.length() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (buf[offset + i] != ascii.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The label set, checked as {@link ProtoConversions#labelsOfValidated} checks it.
   *
   * @throws IllegalArgumentException when names are not sorted and unique, a value is empty or a name or value is
   *     not valid UTF-8
   */
  @Override
  public Labels toLabels() {
    String[] pairs = new String[labelCount * 2];
    for (int i = 0; i < labelCount; i++) {
      if (!isValidUtf8(buf, nameOffset(i), nameLength(i)) || !isValidUtf8(buf, valueOffset(i), valueLength(i))) {
        throw new IllegalArgumentException("label " + i + " is not valid UTF-8");
      }
      pairs[2 * i] = name(i);
      pairs[2 * i + 1] = value(i);
      if (pairs[2 * i + 1].isEmpty() || (i > 0 && pairs[2 * i - 2].compareTo(pairs[2 * i]) >= 0)) {
        throw new IllegalArgumentException("label set is not sorted, unique and non-empty: " + Arrays.toString(pairs));
      }
    }
    return Labels.fromSortedPairs(pairs);
  }
}
