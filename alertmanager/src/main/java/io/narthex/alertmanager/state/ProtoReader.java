package io.narthex.alertmanager.state;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;

/**
 * Reads protobuf's wire format over a byte range, the subset the state messages in {@code src/main/proto} need.
 * Unknown fields are skipped, as protobuf readers do, so that newer writers' fields (nflog's 8 and 9) are ignored.
 * Every length is checked against the bytes left, so a corrupt input fails with {@link WireException} instead of
 * reading out of range or allocating more than it holds. Not thread-safe.
 */
final class ProtoReader {
  /** The input is not well-formed protobuf. */
  static class WireException extends Exception {
    WireException(String message) {
      super(message);
    }
  }

  private final byte[] buf;
  private int pos;
  private final int limit;
  private int field;
  private int wireType;

  ProtoReader(byte[] buf) {
    this(buf, 0, buf.length);
  }

  private ProtoReader(byte[] buf, int offset, int limit) {
    this.buf = buf;
    this.pos = offset;
    this.limit = limit;
  }

  boolean atEnd() {
    return pos >= limit;
  }

  /** Moves to the next field; false at the end. */
  boolean next() throws WireException {
    if (atEnd()) {
      return false;
    }
    long tag = rawVarint();
    field = (int) (tag >>> 3);
    wireType = (int) (tag & 7);
    if (field <= 0 || tag >>> 3 > 0x1FFFFFFFL) {
      throw new WireException("invalid field number " + (tag >>> 3) + " at byte " + pos);
    }
    return true;
  }

  int field() {
    return field;
  }

  int wireType() {
    return wireType;
  }

  long rawVarint() throws WireException {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= limit) {
        throw new WireException("truncated varint at byte " + pos);
      }
      byte b = buf[pos++];
      result |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw new WireException("varint longer than 10 bytes at byte " + pos);
  }

  /** The current field as a varint. */
  long varint() throws WireException {
    expect(ProtoWriter.VARINT);
    return rawVarint();
  }

  /** The current length-delimited field, as a reader of its bytes. */
  ProtoReader message() throws WireException {
    expect(ProtoWriter.LENGTH_DELIMITED);
    return lengthDelimited();
  }

  /** The next varint-length-prefixed message of a delimited stream ({@code pbutil.ReadDelimited}). */
  ProtoReader lengthDelimited() throws WireException {
    long length = rawVarint();
    if (length < 0 || length > limit - pos) {
      throw new WireException("length " + length + " at byte " + pos + " runs past the end (" + (limit - pos)
          + " bytes left)");
    }
    ProtoReader sub = new ProtoReader(buf, pos, pos + (int) length);
    pos += (int) length;
    return sub;
  }

  byte[] bytes() throws WireException {
    return message().remaining();
  }

  /** A copy of the bytes not read yet. */
  byte[] remaining() {
    byte[] out = new byte[limit - pos];
    System.arraycopy(buf, pos, out, 0, out.length);
    return out;
  }

  String string() throws WireException {
    ProtoReader sub = message();
    return new String(buf, sub.pos, sub.limit - sub.pos, StandardCharsets.UTF_8);
  }

  /**
   * The current {@code repeated uint64} field, packed or not, each value given to {@code sink}.
   */
  void uint64s(LongSink sink) throws WireException {
    if (wireType == ProtoWriter.VARINT) {
      sink.accept(rawVarint());
      return;
    }
    ProtoReader packed = message();
    while (!packed.atEnd()) {
      sink.accept(packed.rawVarint());
    }
  }

  /** Receives the values of a repeated field; may refuse by throwing. */
  interface LongSink {
    void accept(long value) throws WireException;
  }

  /** The current field as a {@code google.protobuf.Timestamp}. */
  Instant timestamp() throws WireException {
    ProtoReader ts = message();
    long seconds = 0;
    long nanos = 0;
    while (ts.next()) {
      switch (ts.field()) {
        case 1 -> seconds = ts.varint();
        case 2 -> nanos = ts.varint();
        default -> ts.skip();
      }
    }
    // int32 nanos: a negative value is sign-extended to 64 bits on the wire.
    if (nanos < 0 || nanos > 999_999_999) {
      throw new WireException("timestamp nanos out of range: " + nanos);
    }
    try {
      return Instant.ofEpochSecond(seconds, nanos);
    } catch (DateTimeException e) {
      throw new WireException("timestamp out of range: " + seconds + "s");
    }
  }

  /** Skips the current field. */
  void skip() throws WireException {
    switch (wireType) {
      case ProtoWriter.VARINT -> rawVarint();
      case 1 -> advance(8);
      case ProtoWriter.LENGTH_DELIMITED -> lengthDelimited();
      case 5 -> advance(4);
      default -> throw new WireException("unsupported wire type " + wireType + " of field " + field);
    }
  }

  private void advance(int n) throws WireException {
    if (n > limit - pos) {
      throw new WireException("truncated field " + field + " at byte " + pos);
    }
    pos += n;
  }

  private void expect(int type) throws WireException {
    if (wireType != type) {
      throw new WireException("field " + field + " has wire type " + wireType + ", expected " + type);
    }
  }
}
