package io.narthex.ingester.client;

import com.google.protobuf.CodedOutputStream;
import io.airlift.compress.MalformedInputException;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the encoded {@code ShardLogEntry{snappy_push: snappy(PushRequest{tenant, timeseries..., metadata...,
 * series_limits, metadata_received_ms})}} of ingester.proto from series that are already encoded
 * {@code prometheus.TimeSeries} messages, copying their bytes as they are, and encoded
 * {@code prometheus.MetricMetadata} messages (docs/format/raft-log-entry.md).
 */
public final class PushEntryBuilder {
  /** Largest PushRequest a {@code snappy_push} may hold. */
  public static final int MAX_UNCOMPRESSED_BYTES = 64 << 20;
  private static final int SHARD_LOG_ENTRY_PUSH = 1;
  private static final int SHARD_LOG_ENTRY_SNAPPY_PUSH = 5;
  private static final int PUSH_TENANT = 1;
  private static final int PUSH_TIMESERIES = 2;
  private static final int PUSH_METADATA = 3;
  private static final int PUSH_SERIES_LIMITS = 4;
  private static final int PUSH_METADATA_RECEIVED_MS = 5;
  /** Most bytes {@code metadata_received_ms} takes: a tag and a 10-byte varint. */
  private static final int RECEIVED_MS_MAX_BYTES = 11;
  /**
   * Longest {@code help} a {@code metadata} carries, in UTF-16 chars: longer help is cut there, as Mimir cuts help at
   * {@code -validation.max-metadata-length} (1024 by default).
   */
  public static final int MAX_HELP_CHARS = 1024;

  /** {@code help} cut at {@link #MAX_HELP_CHARS}, never inside a surrogate pair. */
  public static String truncateHelp(String help) {
    if (help.length() <= MAX_HELP_CHARS) {
      return help;
    }
    int end = Character.isHighSurrogate(help.charAt(MAX_HELP_CHARS - 1)) ? MAX_HELP_CHARS - 1 : MAX_HELP_CHARS;
    return help.substring(0, end);
  }

  private byte[] tenant;
  private final List<byte[]> buffers = new ArrayList<>();
  private int[] slices = new int[32];
  private int count;
  private int pushBytes;
  private int reserved;
  private final List<byte[]> metadata = new ArrayList<>();
  private long metadataReceivedMs;

  public PushEntryBuilder(String tenant) {
    reset(tenant);
  }

  /**
   * Empties the builder for another entry, of {@code tenant}, keeping its arrays for the series to come; it keeps
   * no reference to the buffers of the series added before.
   */
  public PushEntryBuilder reset(String tenant) {
    this.tenant = tenant.getBytes(StandardCharsets.UTF_8);
    pushBytes = CodedOutputStream.computeByteArraySize(PUSH_TENANT, this.tenant);
    buffers.clear();
    count = 0;
    reserved = 0;
    metadata.clear();
    metadataReceivedMs = 0;
    return this;
  }

  /** Bytes the entry would take uncompressed with one more series of {@code seriesBytes}. */
  public int sizeWith(int seriesBytes) {
    return entrySize(pushBytes + CodedOutputStream.computeTagSize(PUSH_TIMESERIES)
        + CodedOutputStream.computeUInt32SizeNoTag(seriesBytes) + seriesBytes);
  }

  public int seriesCount() {
    return count;
  }

  /** Metric metadata entries added. */
  public int metadataCount() {
    return metadata.size();
  }

  /**
   * Bytes the entry would take uncompressed with one more metadata entry of {@code metadataBytes}, its receive time
   * counted.
   */
  public int sizeWithMetadata(int metadataBytes) {
    return entrySize(pushBytes + (metadata.isEmpty() ? RECEIVED_MS_MAX_BYTES : 0)
        + CodedOutputStream.computeTagSize(PUSH_METADATA) + CodedOutputStream.computeUInt32SizeNoTag(metadataBytes)
        + metadataBytes);
  }

  /**
   * Adds an encoded {@code prometheus.MetricMetadata}, written after the series, with the time the distributor
   * received it (Unix ms; the largest given is kept), by which replicas forget it.
   */
  public void addMetadata(byte[] encoded, long receivedMs) {
    if (metadata.isEmpty()) {
      pushBytes += RECEIVED_MS_MAX_BYTES;
      metadataReceivedMs = receivedMs;
    }
    metadataReceivedMs = Math.max(metadataReceivedMs, receivedMs);
    metadata.add(encoded);
    pushBytes += CodedOutputStream.computeTagSize(PUSH_METADATA)
        + CodedOutputStream.computeUInt32SizeNoTag(encoded.length) + encoded.length;
  }

  /** The buffer holding series {@code i}, in the order added (a push response's series index). */
  public byte[] buffer(int i) {
    return buffers.get(i);
  }

  public int offset(int i) {
    return slices[2 * i];
  }

  public int length(int i) {
    return slices[2 * i + 1];
  }

  /** Adds the encoded series at {@code buf[offset, offset + length)}; the bytes must not change until built. */
  public void add(byte[] buf, int offset, int length) {
    if (2 * count + 2 > slices.length) {
      slices = java.util.Arrays.copyOf(slices, slices.length * 2);
    }
    buffers.add(buf);
    slices[2 * count] = offset;
    slices[2 * count + 1] = length;
    count++;
    pushBytes += CodedOutputStream.computeTagSize(PUSH_TIMESERIES) + CodedOutputStream.computeUInt32SizeNoTag(length)
        + length;
  }

  private static int entrySize(int pushBytes) {
    return CodedOutputStream.computeTagSize(SHARD_LOG_ENTRY_PUSH) + CodedOutputStream.computeUInt32SizeNoTag(pushBytes)
        + pushBytes;
  }

  /**
   * Counts {@code bytes} more in {@link #sizeWith}, for a {@link #build(io.narthex.proto.ingester.SeriesLimits)}
   * whose limits are not known yet; at most 2 GiB in all.
   */
  public void reserve(int bytes) {
    pushBytes += bytes;
    reserved += bytes;
  }

  /**
   * Buffers and a compressor that {@link #build(io.narthex.proto.ingester.SeriesLimits, Scratch)} reuses from one
   * entry to the next, so that building an entry allocates only the entry. Not thread-safe: one per thread at a
   * time. Arrays over {@link #RETAINED_BYTES} are used once and not kept.
   */
  public static final class Scratch {
    /** Largest array kept for the next entry: 1 MiB, a push of some 3,000 series of 300 bytes. */
    static final int RETAINED_BYTES = 1 << 20;

    private final SnappyCompressor compressor = new SnappyCompressor();
    private byte[] push = new byte[0];
    private byte[] compressed = new byte[0];

    private byte[] push(int length) {
      if (push.length >= length) {
        return push;
      }
      byte[] array = new byte[length];
      if (length <= RETAINED_BYTES) {
        push = array;
      }
      return array;
    }

    private byte[] compressed(int length) {
      if (compressed.length >= length) {
        return compressed;
      }
      byte[] array = new byte[length];
      if (length <= RETAINED_BYTES) {
        compressed = array;
      }
      return array;
    }
  }

  /** The encoded ShardLogEntry: its {@code snappy_push}, the PushRequest snappy-compressed. */
  public byte[] build() {
    return build(null);
  }

  /** As {@link #build(io.narthex.proto.ingester.SeriesLimits, Scratch)} with buffers of its own. */
  public byte[] build(io.narthex.proto.ingester.SeriesLimits limits) {
    return build(limits, new Scratch());
  }

  /**
   * As {@link #build()}, with the PushRequest's {@code series_limits}, encoded and compressed in {@code scratch}'s
   * buffers: only the returned entry is allocated.
   *
   * @param limits null for none
   * @throws IllegalStateException when the limits take more bytes than {@link #reserve reserved}
   */
  public byte[] build(io.narthex.proto.ingester.SeriesLimits limits, Scratch scratch) {
    int limitsBytes = limits == null ? 0 : CodedOutputStream.computeMessageSize(PUSH_SERIES_LIMITS, limits);
    if (limitsBytes > reserved) {
      throw new IllegalStateException("series limits of " + limitsBytes + " bytes, " + reserved + " reserved");
    }
    int receivedBytes = metadata.isEmpty() ? 0
        : CodedOutputStream.computeInt64Size(PUSH_METADATA_RECEIVED_MS, metadataReceivedMs);
    int timeSlack = metadata.isEmpty() ? 0 : RECEIVED_MS_MAX_BYTES - receivedBytes;
    int pushLength = pushBytes - reserved - timeSlack + limitsBytes;
    byte[] push = scratch.push(pushLength);
    CodedOutputStream stream = CodedOutputStream.newInstance(push, 0, pushLength);
    try {
      stream.writeByteArray(PUSH_TENANT, tenant);
      for (int i = 0; i < count; i++) {
        stream.writeTag(PUSH_TIMESERIES, 2);
        stream.writeUInt32NoTag(slices[2 * i + 1]);
        stream.writeRawBytes(buffers.get(i), slices[2 * i], slices[2 * i + 1]);
      }
      for (byte[] encoded : metadata) {
        stream.writeByteArray(PUSH_METADATA, encoded);
      }
      if (limits != null) {
        stream.writeMessage(PUSH_SERIES_LIMITS, limits);
      }
      if (!metadata.isEmpty()) {
        stream.writeInt64(PUSH_METADATA_RECEIVED_MS, metadataReceivedMs);
      }
      stream.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("sizing bug: the entry did not fit its computed size", e);
    }
    SnappyCompressor compressor = scratch.compressor;
    byte[] compressed = scratch.compressed(compressor.maxCompressedLength(pushLength));
    int compressedBytes = compressor.compress(push, 0, pushLength, compressed, 0, compressed.length);
    byte[] out = new byte[CodedOutputStream.computeTagSize(SHARD_LOG_ENTRY_SNAPPY_PUSH)
        + CodedOutputStream.computeUInt32SizeNoTag(compressedBytes) + compressedBytes
        + CodedOutputStream.computeUInt32Size(LogFormat.FIELD, LogFormat.SINGLE)];
    stream = CodedOutputStream.newInstance(out);
    try {
      // snappy_push first: shard leaders recognise a push by the entry's first byte.
      stream.writeByteArray(SHARD_LOG_ENTRY_SNAPPY_PUSH, compressed, 0, compressedBytes);
      stream.writeUInt32(LogFormat.FIELD, LogFormat.SINGLE);
      stream.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("sizing bug: the entry did not fit its computed size", e);
    }
    return out;
  }

  /**
   * The PushRequest bytes of a {@code snappy_push} at {@code buf[offset, offset + length)}.
   *
   * @throws IllegalArgumentException when the bytes are not snappy or would exceed {@link #MAX_UNCOMPRESSED_BYTES}
   */
  public static byte[] decompress(byte[] buf, int offset, int length) {
    byte[] out = new byte[uncompressedLength(buf, offset, length)];
    decompress(buf, offset, length, out);
    return out;
  }

  /**
   * The PushRequest size of a {@code snappy_push}, from its snappy header.
   *
   * @throws IllegalArgumentException when the header is not snappy's or the size exceeds
   *     {@link #MAX_UNCOMPRESSED_BYTES}
   */
  public static int uncompressedLength(byte[] buf, int offset, int length) {
    // Snappy's header is the uncompressed length as a varint; read it within the field only.
    long uncompressed = 0;
    int at = offset;
    for (int shift = 0; ; shift += 7) {
      if (at >= offset + length || shift > 28) {
        throw new IllegalArgumentException("snappy_push has no valid snappy header");
      }
      byte b = buf[at++];
      uncompressed |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        break;
      }
    }
    if (uncompressed > MAX_UNCOMPRESSED_BYTES) {
      throw new IllegalArgumentException("snappy_push of " + uncompressed + " bytes uncompressed, over "
          + MAX_UNCOMPRESSED_BYTES);
    }
    return (int) uncompressed;
  }

  /**
   * Decompresses a {@code snappy_push} into {@code out}, which holds at least its {@link #uncompressedLength}.
   *
   * @return the PushRequest's size in bytes
   * @throws IllegalArgumentException when the bytes are not valid snappy data
   */
  public static int decompress(byte[] buf, int offset, int length, byte[] out) {
    int uncompressed = uncompressedLength(buf, offset, length);
    try {
      int written = new SnappyDecompressor().decompress(buf, offset, length, out, 0, uncompressed);
      if (written != uncompressed) {
        throw new IllegalArgumentException("snappy_push decompressed to " + written + " bytes, header said "
            + uncompressed);
      }
      return written;
    } catch (MalformedInputException | IndexOutOfBoundsException e) {
      throw new IllegalArgumentException("snappy_push is not valid snappy data: " + e.getMessage(), e);
    }
  }
}
