package io.narthex.alertmanager.state;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Writes protobuf's wire format (proto3 rules: fields at their default value are left out, repeated scalars are
 * packed), the subset the state messages in {@code src/main/proto} need. Not thread-safe.
 */
final class ProtoWriter {
  static final int VARINT = 0;
  static final int LENGTH_DELIMITED = 2;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  byte[] toByteArray() {
    return out.toByteArray();
  }

  int size() {
    return out.size();
  }

  void rawVarint(long value) {
    long v = value;
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private void tag(int field, int wireType) {
    rawVarint(((long) field << 3) | wireType);
  }

  /** An int64, uint32, uint64 or enum field; 0 is left out. */
  void varint(int field, long value) {
    if (value != 0) {
      tag(field, VARINT);
      rawVarint(value);
    }
  }

  /** A string field, UTF-8; the empty string is left out. */
  void string(int field, String value) {
    if (value != null && !value.isEmpty()) {
      bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A bytes field; empty is left out. */
  void bytes(int field, byte[] value) {
    if (value.length > 0) {
      tag(field, LENGTH_DELIMITED);
      rawVarint(value.length);
      out.writeBytes(value);
    }
  }

  /** A message field, written even when empty (a set message field is present in proto3). */
  void message(int field, ProtoWriter message) {
    tag(field, LENGTH_DELIMITED);
    rawVarint(message.size());
    out.writeBytes(message.out.toByteArray());
  }

  /** A packed {@code repeated uint64} field; none is left out. */
  void packedUint64(int field, long[] values) {
    if (values.length == 0) {
      return;
    }
    ProtoWriter packed = new ProtoWriter();
    for (long v : values) {
      packed.rawVarint(v);
    }
    tag(field, LENGTH_DELIMITED);
    rawVarint(packed.size());
    out.writeBytes(packed.out.toByteArray());
  }

  /** A {@code google.protobuf.Timestamp} field: seconds (1) and nanos (2) since the epoch. */
  void timestamp(int field, Instant at) {
    ProtoWriter ts = new ProtoWriter();
    ts.varint(1, at.getEpochSecond());
    ts.varint(2, at.getNano());
    message(field, ts);
  }

  /** Appends {@code message} prefixed with its length as a varint ({@code pbutil.WriteDelimited}). */
  void delimited(ProtoWriter message) {
    delimited(message.out.toByteArray());
  }

  /** Appends an encoded message prefixed with its length as a varint. */
  void delimited(byte[] message) {
    rawVarint(message.length);
    out.writeBytes(message);
  }
}
