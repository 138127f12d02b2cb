package io.narthex.alertmanager.replication;

import io.narthex.alertmanager.dispatch.Silences;
import io.narthex.alertmanager.replication.BinaryCodec.CorruptEntryException;
import java.util.ArrayList;
import java.util.List;

/**
 * What applying an entry answers its proposer: whether it was taken and, when not, why (in Alertmanager's words
 * where dispatch has them); the id a silence was written under; for posted alerts, how many were stored and why the
 * others were refused.
 *
 * @param status {@link #OK}, {@link #REFUSED} or {@link #NOT_FOUND}
 * @param reason the name of the {@code Silences.SilenceException.Reason} of a refused silence change, else empty
 */
record Reply(int status, String message, String reason, int stored, List<String> invalid, List<String> refused) {
  static final int OK = 0;
  static final int REFUSED = 1;
  static final int NOT_FOUND = 2;

  Reply {
    invalid = List.copyOf(invalid);
    refused = List.copyOf(refused);
  }

  /** Taken; {@code message} is the id written (a silence's, an intent's), or empty. */
  static Reply ok(String message) {
    return new Reply(OK, message, "", 0, List.of(), List.of());
  }

  static Reply refused(boolean notFound, String message) {
    return new Reply(notFound ? NOT_FOUND : REFUSED, message, "", 0, List.of(), List.of());
  }

  static Reply refused(Silences.SilenceException e) {
    return new Reply(e.notFound() ? NOT_FOUND : REFUSED, e.getMessage(), e.reason().name(), 0, List.of(), List.of());
  }

  static Reply posted(int stored, List<String> invalid, List<String> refused) {
    return new Reply(OK, "", "", stored, invalid, refused);
  }

  byte[] encode() {
    BinaryCodec.Writer w = new BinaryCodec.Writer().writeByte(status).writeString(message).writeString(reason)
        .writeInt(stored);
    w.writeInt(invalid.size());
    invalid.forEach(w::writeString);
    w.writeInt(refused.size());
    refused.forEach(w::writeString);
    return w.toByteArray();
  }

  static Reply decode(byte[] bytes) throws CorruptEntryException {
    BinaryCodec.Reader r = new BinaryCodec.Reader(bytes);
    int status = r.readByte();
    String message = r.readString();
    String reason = r.readString();
    int stored = r.readInt();
    List<String> invalid = new ArrayList<>();
    for (int n = r.readCount(4, "messages"); n > 0; n--) {
      invalid.add(r.readString());
    }
    List<String> refused = new ArrayList<>();
    for (int n = r.readCount(4, "messages"); n > 0; n--) {
      refused.add(r.readString());
    }
    return new Reply(status, message, reason, stored, invalid, refused);
  }
}
