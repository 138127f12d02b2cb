package io.narthex.bench;

import com.google.protobuf.CodedOutputStream;
import io.airlift.compress.snappy.SnappyCompressor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes remote-write requests ({@code prompb.WriteRequest}, snappy block format) into reused buffers: each
 * series' labels are protobuf-encoded once ({@link #encodeLabels}), and a request is those bytes plus one sample
 * per series. Allocates nothing per request once the buffers have grown; one encoder per sender thread.
 *
 * <p>Wire format (remote.proto, types.proto): WriteRequest.timeseries = 1, TimeSeries.labels = 1,
 * TimeSeries.samples = 2, Sample.value = 1 (double), Sample.timestamp = 2 (int64).
 */
final class WriteRequestEncoder {
  private static final int TAG_TIMESERIES = 1 << 3 | 2;
  private static final int TAG_SAMPLES = 2 << 3 | 2;
  private static final int TAG_SAMPLE_VALUE = 1 << 3 | 1;
  private static final int TAG_SAMPLE_TIMESTAMP = 2 << 3;

  private final SnappyCompressor compressor = new SnappyCompressor();
  private byte[] raw = new byte[1 << 16];
  private int rawLength;
  private byte[] compressed = new byte[0];
  private int compressedLength;

  /**
   * The TimeSeries.labels entries of one series, sorted by name as remote write requires; {@code labels} alternates
   * names and values.
   */
  static byte[] encodeLabels(List<String> labels) {
    List<String[]> pairs = new ArrayList<>(labels.size() / 2);
    for (int i = 0; i < labels.size(); i += 2) {
      pairs.add(new String[] {labels.get(i), labels.get(i + 1)});
    }
    pairs.sort((a, b) -> a[0].compareTo(b[0]));
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      for (String[] pair : pairs) {
        out.writeTag(1, 2);
        out.writeUInt32NoTag(CodedOutputStream.computeStringSize(1, pair[0])
            + CodedOutputStream.computeStringSize(2, pair[1]));
        out.writeString(1, pair[0]);
        out.writeString(2, pair[1]);
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void begin() {
    rawLength = 0;
  }

  /** Appends one series with one sample. */
  void add(byte[] encodedLabels, long timestampMs, double value) {
    int sampleLength = 1 + 8 + 1 + varintSize(timestampMs);
    int seriesLength = encodedLabels.length + 1 + varintSize(sampleLength) + sampleLength;
    ensure(1 + varintSize(seriesLength) + seriesLength);
    raw[rawLength++] = TAG_TIMESERIES;
    putVarint(seriesLength);
    System.arraycopy(encodedLabels, 0, raw, rawLength, encodedLabels.length);
    rawLength += encodedLabels.length;
    raw[rawLength++] = TAG_SAMPLES;
    putVarint(sampleLength);
    raw[rawLength++] = TAG_SAMPLE_VALUE;
    long bits = Double.doubleToRawLongBits(value);
    for (int i = 0; i < 8; i++) {
      raw[rawLength++] = (byte) (bits >>> (8 * i));
    }
    raw[rawLength++] = TAG_SAMPLE_TIMESTAMP;
    putVarint(timestampMs);
  }

  /** Compresses the request; the body is {@code compressed()[0, length)}. */
  int finish() {
    int max = compressor.maxCompressedLength(rawLength);
    if (compressed.length < max) {
      compressed = new byte[max + max / 4];
    }
    compressedLength = compressor.compress(raw, 0, rawLength, compressed, 0, compressed.length);
    return compressedLength;
  }

  byte[] compressed() {
    return compressed;
  }

  int compressedLength() {
    return compressedLength;
  }

  int rawLength() {
    return rawLength;
  }

  /** A copy of the compressed body, for tests. */
  byte[] body() {
    return Arrays.copyOf(compressed, compressedLength);
  }

  private void ensure(int extra) {
    if (rawLength + extra > raw.length) {
      raw = Arrays.copyOf(raw, Math.max(raw.length * 2, rawLength + extra));
    }
  }

  private void putVarint(long value) {
    while ((value & ~0x7FL) != 0) {
      raw[rawLength++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    raw[rawLength++] = (byte) value;
  }

  private static int varintSize(long value) {
    return value == 0 ? 1 : (64 - Long.numberOfLeadingZeros(value) + 6) / 7;
  }
}
