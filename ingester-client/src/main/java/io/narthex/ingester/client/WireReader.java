package io.narthex.ingester.client;

/**
 * Reads protobuf wire format in place (tags, varints, lengths, skipped fields) within explicit limits, failing with
 * {@link IllegalArgumentException} on anything malformed. Base of the in-place readers of this package.
 */
abstract class WireReader {
  static final int WIRE_VARINT = 0;
  static final int WIRE_FIXED64 = 1;
  static final int WIRE_LEN = 2;
  static final int WIRE_FIXED32 = 5;

  byte[] buf;
  /** Where the message being read starts, for error positions. */
  int start;
  int pos;

  /** Names the message in errors, e.g. "TimeSeries". */
  abstract String messageName();

  final int readTag(int limit) {
    if (pos < limit && buf[pos] >= 8) {
      return buf[pos++]; // one byte, field 1 to 15: nearly every tag
    }
    long tag = readVarint(limit);
    if (tag <= 0 || tag > Integer.MAX_VALUE || (tag >>> 3) == 0) {
      throw malformed("invalid field tag " + tag);
    }
    return (int) tag;
  }

  final int readLength(int limit) {
    if (pos < limit && buf[pos] >= 0 && buf[pos] < limit - pos) {
      return buf[pos++]; // one byte: under 128, as label names and values are
    }
    long len = readVarint(limit);
    if (len < 0 || len > limit - pos) {
      throw malformed("field length " + len + " overruns the message");
    }
    return (int) len;
  }

  final long readVarint(int limit) {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= limit) {
        throw malformed("truncated varint");
      }
      byte b = buf[pos++];
      result |= (long) (b & 0x7f) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw malformed("varint longer than 10 bytes");
  }

  final void skip(int wireType, int limit) {
    switch (wireType) {
      case WIRE_VARINT -> readVarint(limit);
      case WIRE_FIXED64 -> advance(8, limit);
      case WIRE_LEN -> advance(readLength(limit), limit);
      case WIRE_FIXED32 -> advance(4, limit);
      default -> throw malformed("unsupported wire type " + wireType);
    }
  }

  final void advance(int n, int limit) {
    if (n > limit - pos) {
      throw malformed("field overruns the message");
    }
    pos += n;
  }

  final IllegalArgumentException malformed(String why) {
    return new IllegalArgumentException("malformed " + messageName() + " at byte " + (pos - start) + ": " + why);
  }
}
