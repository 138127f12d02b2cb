package io.narthex.ingester.raft;

import io.narthex.ingester.client.LogFormat;
import io.narthex.proto.ingester.PushResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;

/**
 * Encoding of a push batch ({@link LogFormat#BATCH}): several pushes to one shard in one Raft log entry, and the
 * state machine's reply with one answer per push.
 */
final class PushBatch {
  /** {@code ShardLogEntry.snappy_push}'s tag: field 5, length-delimited. */
  static final byte SNAPPY_PUSH_TAG = 5 << 3 | 2;

  private PushBatch() {}

  /**
   * Whether {@code entry} is one push as {@link io.narthex.ingester.client.PushEntryBuilder} builds it, which a
   * batch can carry: {@code snappy_push} first.
   */
  static boolean batchable(byte[] entry) {
    return entry.length > 0 && entry[0] == SNAPPY_PUSH_TAG;
  }

  /**
   * The log entry carrying {@code entries}' pushes in order, stamped {@link LogFormat#BATCH}.
   *
   * @param entries two or more {@link #batchable} entries
   * @throws IllegalArgumentException when an entry is not one well-formed snappy push
   */
  static byte[] entry(List<byte[]> entries) {
    int size = CodedOutputStream.computeUInt32Size(LogFormat.FIELD, LogFormat.BATCH);
    int[] pushLength = new int[entries.size()];
    int[] pushOffset = new int[entries.size()];
    for (int i = 0; i < entries.size(); i++) {
      byte[] entry = entries.get(i);
      try {
        CodedInputStream in = CodedInputStream.newInstance(entry);
        if (in.readTag() != SNAPPY_PUSH_TAG) {
          throw new IllegalArgumentException("entry " + i + " of the batch is not a snappy push");
        }
        pushLength[i] = in.readRawVarint32();
        pushOffset[i] = in.getTotalBytesRead();
      } catch (IOException e) {
        throw new IllegalArgumentException("entry " + i + " of the batch is malformed", e);
      }
      if (pushLength[i] < 0 || pushOffset[i] + pushLength[i] > entry.length) {
        throw new IllegalArgumentException("entry " + i + " of the batch is truncated");
      }
      size += pushOffset[i] + pushLength[i];
    }
    byte[] out = new byte[size];
    CodedOutputStream stream = CodedOutputStream.newInstance(out);
    try {
      // Each push keeps its own tag and length as its writer encoded them; snappy_push stays first.
      for (int i = 0; i < entries.size(); i++) {
        stream.writeRawBytes(entries.get(i), 0, pushOffset[i] + pushLength[i]);
      }
      stream.writeUInt32(LogFormat.FIELD, LogFormat.BATCH);
      stream.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("sizing bug: the batch did not fit its computed size", e);
    }
    return out;
  }

  /** The state machine's reply to a batch: each answer length-delimited, in the order of the pushes. */
  static byte[] reply(List<PushResponse> responses) {
    int size = 0;
    for (PushResponse response : responses) {
      size += CodedOutputStream.computeUInt32SizeNoTag(response.getSerializedSize()) + response.getSerializedSize();
    }
    byte[] out = new byte[size];
    CodedOutputStream stream = CodedOutputStream.newInstance(out);
    try {
      for (PushResponse response : responses) {
        stream.writeUInt32NoTag(response.getSerializedSize());
        response.writeTo(stream);
      }
      stream.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException("sizing bug: the reply did not fit its computed size", e);
    }
    return out;
  }

  /**
   * The answers in a reply to a batch of {@code pushes} pushes.
   *
   * @throws IOException when the reply does not hold exactly that many answers
   */
  static List<PushResponse> answers(ByteString reply, int pushes) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(reply.asReadOnlyByteBuffer());
    List<PushResponse> answers = new ArrayList<>(pushes);
    while (!in.isAtEnd()) {
      int length = in.readRawVarint32();
      int limit = in.pushLimit(length);
      answers.add(PushResponse.parseFrom(in));
      in.popLimit(limit);
    }
    if (answers.size() != pushes) {
      throw new IOException("the reply holds " + answers.size() + " answers to a batch of " + pushes + " pushes");
    }
    return answers;
  }
}
