package io.narthex.ingester.client;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import java.nio.charset.StandardCharsets;

/**
 * The length-delimited fields of one encoded protobuf message, read in place (protobuf wire format): for each
 * field number asked for, the offsets and lengths of its occurrences, in order. Used to pass series between the
 * distributor and the shard state machines as the bytes the sender encoded, without decoding and re-encoding them.
 */
public final class WireFields {
  private byte[] buf;
  private final IntArrayList[] byField;
  private int pos;

  /** A reusable scanner keeping length-delimited fields numbered below {@code fieldLimit}; see {@link #reset}. */
  public WireFields(int fieldLimit) {
    this.byField = new IntArrayList[fieldLimit];
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
    int end = offset + length;
    pos = offset;
    while (pos < end) {
      long tag = varint(end);
      if (tag <= 0 || (tag >>> 3) == 0 || tag > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("invalid field tag " + tag + " at byte " + (pos - offset));
      }
      int field = (int) (tag >>> 3);
      switch ((int) tag & 7) {
        case 0 -> varint(end);
        case 1 -> advance(8, end);
        case 5 -> advance(4, end);
        case 2 -> {
          long len = varint(end);
          if (len < 0 || len > end - pos) {
            throw new IllegalArgumentException("field " + field + " overruns the message at byte " + (pos - offset));
          }
          if (field < byField.length) {
            if (byField[field] == null) {
              byField[field] = new IntArrayList();
            }
            byField[field].add(pos);
            byField[field].add((int) len);
          }
          pos += (int) len;
        }
        default -> throw new IllegalArgumentException("unsupported wire type " + (tag & 7) + " of field " + field);
      }
    }
    return this;
  }

  private long varint(int limit) {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= limit) {
        throw new IllegalArgumentException("truncated varint");
      }
      byte b = buf[pos++];
      result |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw new IllegalArgumentException("varint longer than 10 bytes");
  }

  private void advance(int n, int limit) {
    if (n > limit - pos) {
      throw new IllegalArgumentException("fixed-size field overruns the message");
    }
    pos += n;
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
