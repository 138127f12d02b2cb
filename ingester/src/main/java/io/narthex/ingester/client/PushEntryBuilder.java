package io.narthex.ingester.client;

import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the encoded {@code ShardLogEntry{push: PushRequest{tenant, timeseries...}}} of ingester.proto from series
 * that are already encoded {@code prometheus.TimeSeries} messages, copying their bytes as they are.
 */
public final class PushEntryBuilder {
  private static final int SHARD_LOG_ENTRY_PUSH = 1;
  private static final int PUSH_TENANT = 1;
  private static final int PUSH_TIMESERIES = 2;

  private final byte[] tenant;
  private final List<byte[]> buffers = new ArrayList<>();
  private int[] slices = new int[32];
  private int count;
  private int pushBytes;

  public PushEntryBuilder(String tenant) {
    this.tenant = tenant.getBytes(StandardCharsets.UTF_8);
    this.pushBytes = CodedOutputStream.computeByteArraySize(PUSH_TENANT, this.tenant);
  }

  /** Bytes the entry would take with one more series of {@code seriesBytes}. */
  public int sizeWith(int seriesBytes) {
    return entrySize(pushBytes + CodedOutputStream.computeTagSize(PUSH_TIMESERIES)
        + CodedOutputStream.computeUInt32SizeNoTag(seriesBytes) + seriesBytes);
  }

  public int seriesCount() {
    return count;
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

  /** The encoded ShardLogEntry. */
  public byte[] build() {
    byte[] out = new byte[entrySize(pushBytes)];
    CodedOutputStream stream = CodedOutputStream.newInstance(out);
    try {
      stream.writeTag(SHARD_LOG_ENTRY_PUSH, 2);
      stream.writeUInt32NoTag(pushBytes);
      stream.writeByteArray(PUSH_TENANT, tenant);
      for (int i = 0; i < count; i++) {
        stream.writeTag(PUSH_TIMESERIES, 2);
        stream.writeUInt32NoTag(slices[2 * i + 1]);
        stream.writeRawBytes(buffers.get(i), slices[2 * i], slices[2 * i + 1]);
      }
      stream.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("sizing bug: the entry did not fit its computed size", e);
    }
    return out;
  }
}
