package io.narthex.alertmanager.replication;

import io.narthex.alertmanager.Matcher;
import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.alertmanager.dispatch.AlertStore;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.Silence;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The compact binary form of the values in log entries and snapshots, big-endian: strings as a 4-byte length and
 * UTF-8, instants as a presence byte then epoch seconds (8 bytes) and nanoseconds (4), maps in key order and hash
 * sets ascending, so that equal values give equal bytes. Reading checks every length and count against the bytes
 * left, so a corrupt or hostile entry fails with {@link CorruptEntryException} and never allocates more than its
 * own size.
 */
final class BinaryCodec {
  private BinaryCodec() {}

  /** An entry or snapshot that does not read as this format. */
  static final class CorruptEntryException extends Exception {
    CorruptEntryException(String message) {
      super(message);
    }
  }

  /** Appends values to a growing buffer. */
  static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

    Writer writeByte(int b) {
      out.write(b);
      return this;
    }

    Writer writeInt(int v) {
      out.write(v >>> 24);
      out.write(v >>> 16);
      out.write(v >>> 8);
      out.write(v);
      return this;
    }

    Writer writeLong(long v) {
      writeInt((int) (v >>> 32));
      return writeInt((int) v);
    }

    Writer writeBoolean(boolean v) {
      return writeByte(v ? 1 : 0);
    }

    Writer writeString(String s) {
      byte[] bytes = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
      writeInt(bytes.length);
      out.write(bytes, 0, bytes.length);
      return this;
    }

    Writer writeBytes(byte[] bytes) {
      writeInt(bytes.length);
      out.write(bytes, 0, bytes.length);
      return this;
    }

    /** An instant, or null. */
    Writer writeInstant(Instant at) {
      if (at == null) {
        return writeByte(0);
      }
      writeByte(1);
      writeLong(at.getEpochSecond());
      return writeInt(at.getNano());
    }

    Writer writeStringMap(Map<String, String> map) {
      SortedMap<String, String> sorted = map instanceof SortedMap<String, String> s ? s : new TreeMap<>(map);
      writeInt(sorted.size());
      for (Map.Entry<String, String> e : sorted.entrySet()) {
        writeString(e.getKey());
        writeString(e.getValue());
      }
      return this;
    }

    Writer writeHashes(Set<Long> hashes) {
      long[] sorted = new long[hashes.size()];
      int i = 0;
      for (long h : hashes) {
        sorted[i++] = h;
      }
      Arrays.sort(sorted);
      writeInt(sorted.length);
      for (long h : sorted) {
        writeLong(h);
      }
      return this;
    }

    Writer writePostableAlert(AlertStore.PostableAlert a) {
      writeStringMap(a.labels());
      writeStringMap(a.annotations());
      writeInstant(a.startsAt());
      writeInstant(a.endsAt());
      return writeString(a.generatorUrl());
    }

    Writer writeAlert(Alert a) {
      writeStringMap(a.labels());
      writeStringMap(a.annotations());
      writeInstant(a.startsAt());
      writeInstant(a.endsAt());
      writeString(a.generatorUrl());
      writeInstant(a.updatedAt());
      return writeBoolean(a.timeout());
    }

    Writer writeSilence(Silence s) {
      writeString(s.id());
      writeInt(s.matchers().size());
      for (Matcher m : s.matchers()) {
        writeString(m.name());
        writeByte(m.type().ordinal());
        writeString(m.value());
      }
      writeInstant(s.startsAt());
      writeInstant(s.endsAt());
      writeInstant(s.updatedAt());
      writeString(s.createdBy());
      return writeString(s.comment());
    }

    Writer writeReceiver(NotificationLog.Receiver r) {
      writeString(r.groupName());
      writeString(r.integration());
      return writeInt(r.index());
    }

    Writer writeLogEntry(NotificationLog.Entry e) {
      writeString(e.groupKey());
      writeReceiver(e.receiver());
      writeHashes(e.firing());
      writeHashes(e.resolved());
      writeInstant(e.timestamp());
      return writeInstant(e.expiresAt());
    }

    Writer writeIntent(NotifyIntent intent) {
      writeString(intent.intentId());
      writeString(intent.groupKey());
      writeReceiver(intent.receiver());
      writeHashes(intent.firing());
      writeHashes(intent.resolved());
      return writeInstant(intent.createdAt());
    }

    int size() {
      return out.size();
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }
  }

  /** Reads values back, checking each length against what is left. */
  static final class Reader {
    private final byte[] bytes;
    private int position;
    private final int end;

    Reader(byte[] bytes) {
      this(bytes, 0, bytes.length);
    }

    Reader(byte[] bytes, int offset, int length) {
      this.bytes = bytes;
      this.position = offset;
      this.end = offset + length;
    }

    private void need(long n, String what) throws CorruptEntryException {
      if (n < 0 || n > end - position) {
        throw new CorruptEntryException("truncated at byte " + position + ": " + what + " needs " + n
            + " bytes, " + (end - position) + " left");
      }
    }

    boolean atEnd() {
      return position == end;
    }

    int readByte() throws CorruptEntryException {
      need(1, "a byte");
      return bytes[position++] & 0xff;
    }

    int readInt() throws CorruptEntryException {
      need(4, "an int");
      int v = (bytes[position] & 0xff) << 24 | (bytes[position + 1] & 0xff) << 16
          | (bytes[position + 2] & 0xff) << 8 | bytes[position + 3] & 0xff;
      position += 4;
      return v;
    }

    long readLong() throws CorruptEntryException {
      long high = readInt();
      return high << 32 | readInt() & 0xffffffffL;
    }

    boolean readBoolean() throws CorruptEntryException {
      int b = readByte();
      if (b > 1) {
        throw new CorruptEntryException("boolean byte " + b);
      }
      return b == 1;
    }

    /** A count of items that take at least {@code minItemBytes} each, checked against the bytes left. */
    int readCount(int minItemBytes, String what) throws CorruptEntryException {
      int n = readInt();
      need((long) n * minItemBytes, n + " " + what);
      return n;
    }

    String readString() throws CorruptEntryException {
      int n = readInt();
      need(n, "a string");
      String s = new String(bytes, position, n, StandardCharsets.UTF_8);
      position += n;
      return s;
    }

    byte[] readBytes() throws CorruptEntryException {
      int n = readInt();
      need(n, "a byte string");
      byte[] out = Arrays.copyOfRange(bytes, position, position + n);
      position += n;
      return out;
    }

    Instant readInstant() throws CorruptEntryException {
      if (!readBoolean()) {
        return null;
      }
      long seconds = readLong();
      int nanos = readInt();
      try {
        return Instant.ofEpochSecond(seconds, nanos);
      } catch (DateTimeException | ArithmeticException e) {
        throw new CorruptEntryException("instant out of range: " + seconds + "s " + nanos + "ns");
      }
    }

    Instant readRequiredInstant(String what) throws CorruptEntryException {
      Instant at = readInstant();
      if (at == null) {
        throw new CorruptEntryException(what + " is missing");
      }
      return at;
    }

    SortedMap<String, String> readStringMap() throws CorruptEntryException {
      int n = readCount(8, "map entries");
      SortedMap<String, String> map = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        map.put(readString(), readString());
      }
      return map;
    }

    Set<Long> readHashes() throws CorruptEntryException {
      int n = readCount(8, "hashes");
      Set<Long> hashes = new HashSet<>();
      for (int i = 0; i < n; i++) {
        hashes.add(readLong());
      }
      return hashes;
    }

    AlertStore.PostableAlert readPostableAlert() throws CorruptEntryException {
      return new AlertStore.PostableAlert(readStringMap(), readStringMap(), readInstant(), readInstant(),
          readString());
    }

    Alert readAlert() throws CorruptEntryException {
      SortedMap<String, String> labels = readStringMap();
      Map<String, String> annotations = readStringMap();
      Instant startsAt = readRequiredInstant("an alert's start");
      Instant endsAt = readInstant();
      String generatorUrl = readString();
      Instant updatedAt = readRequiredInstant("an alert's update time");
      return new Alert(labels, annotations, startsAt, endsAt, generatorUrl, updatedAt, readBoolean());
    }

    Silence readSilence() throws CorruptEntryException {
      String id = readString();
      int n = readCount(9, "matchers");
      List<Matcher> matchers = new ArrayList<>(n);
      Matcher.Type[] types = Matcher.Type.values();
      for (int i = 0; i < n; i++) {
        String name = readString();
        int type = readByte();
        if (type >= types.length) {
          throw new CorruptEntryException("matcher type " + type);
        }
        String value = readString();
        try {
          matchers.add(Matcher.of(name, types[type], value));
        } catch (RuntimeException e) {
          throw new CorruptEntryException("matcher " + name + types[type].operator() + value + ": " + e.getMessage());
        }
      }
      return new Silence(id, matchers, readInstant(), readInstant(), readInstant(), readString(), readString());
    }

    NotificationLog.Receiver readReceiver() throws CorruptEntryException {
      return new NotificationLog.Receiver(readString(), readString(), readInt());
    }

    NotificationLog.Entry readLogEntry() throws CorruptEntryException {
      return new NotificationLog.Entry(readString(), readReceiver(), readHashes(), readHashes(),
          readRequiredInstant("a log entry's timestamp"), readRequiredInstant("a log entry's expiry"));
    }

    NotifyIntent readIntent() throws CorruptEntryException {
      return new NotifyIntent(readString(), readString(), readReceiver(), readHashes(), readHashes(),
          readInstant());
    }
  }
}
