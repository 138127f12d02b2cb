package io.narthex.ingester.client;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.nio.charset.StandardCharsets;

/**
 * The length-delimited fields of one encoded protobuf message, read in place (protobuf wire format): for each
 * field number asked for, the offsets and lengths of its occurrences, in order, and the last value of each varint
 * field. Used to pass series between the
 * distributor and the shard state machines as the bytes the sender encoded, without decoding and re-encoding them.
 */
public final class WireFields extends WireReader {
  private final IntArrayList[] byField;
  private final long[] varints;
  /** Bit n set: varint field n occurred in the last message. */
  private long presentVarints;

  /**
   * A reusable scanner keeping fields numbered below {@code fieldLimit} (varints below {@code min(fieldLimit, 64)});
   * see {@link #reset}.
   */
  public WireFields(int fieldLimit) {
    this.byField = new IntArrayList[fieldLimit];
    this.varints = new long[Math.min(fieldLimit, 64)];
  }

  /** Scans {@code buf[offset, offset + length)}; see {@link #reset}. */
  public WireFields(byte[] buf, int offset, int length, int fieldLimit) {
    this(fieldLimit);
    reset(buf, offset, length);
  }

  /**
   * Scans {@code buf[offset, offset + length)}, forgetting the last message; other fields are skipped.
   *
   * @throws IllegalArgumentException when the bytes are not a well-formed message
   */
  public WireFields reset(byte[] buf, int offset, int length) {
    this.buf = buf;
    for (IntArrayList occurrences : byField) {
      if (occurrences != null) {
        occurrences.clear();
      }
    }
    presentVarints = 0;
    int end = offset + length;
    start = offset;
    pos = offset;
    while (pos < end) {
      int tag = readTag(end);
      int field = tag >>> 3;
      if ((tag & 7) == WIRE_VARINT && field < varints.length) {
        varints[field] = readVarint(end);
        presentVarints |= 1L << field;
      } else if ((tag & 7) == WIRE_LEN && field < byField.length) {
        int len = readLength(end);
        if (byField[field] == null) {
          byField[field] = new IntArrayList();
        }
        byField[field].add(pos);
        byField[field].add(len);
        pos += len;
      } else {
        skip(tag & 7, end);
      }
    }
    return this;
  }

  @Override
  String messageName() {
    return "message";
  }

  /**
   * The last value of varint field {@code field} (below 64 and below the field limit), or {@code absent} when the
   * message does not have it.
   */
  public long varint(int field, long absent) {
    return (presentVarints & (1L << field)) != 0 ? varints[field] : absent;
  }

  /** How many times the length-delimited field occurs. */
  public int count(int field) {
    return byField[field] == null ? 0 : byField[field].size() / 2;
  }

  /** Offset in the buffer of occurrence {@code i} of the field. */
  public int offset(int field, int i) {
    return byField[field].getInt(2 * i);
  }

  public int length(int field, int i) {
    return byField[field].getInt(2 * i + 1);
  }

  /** The last occurrence of a string field (protobuf's rule for a repeated scalar), or "" when absent. */
  public String string(int field) {
    int n = count(field);
    return n == 0 ? "" : new String(buf, offset(field, n - 1), length(field, n - 1), StandardCharsets.UTF_8);
  }
}
