package io.narthex.alertmanager.state;

import io.narthex.alertmanager.Matcher;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.Silence;
import io.narthex.alertmanager.state.ProtoReader.WireException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Mimir's persisted Alertmanager state, {@code alertspb.FullStateDesc} (the messages are in {@code src/main/proto},
 * the layout in docs/alertmanager.md, "State"): a {@code clusterpb.FullState} whose part {@code sil:<tenant>} is a stream of
 * varint-length-delimited {@code silencepb.MeshSilence} and part {@code nfl:<tenant>} one of
 * {@code nflogpb.MeshEntry}, as Alertmanager's {@code silence.state.MarshalBinary} and {@code nflog.state.MarshalBinary}
 * write them.
 *
 * <p>Encoding is deterministic (silences by id, log entries by group key and receiver, alert hashes in unsigned
 * order), so that equal states give equal bytes and the persister can tell when nothing changed.
 *
 * <p>Decoding drops what expired before {@code now}. A message that is well framed but unusable (a missing field,
 * a matcher that does not compile, a timestamp out of range) is skipped and counted; a broken frame, or a state
 * that would take more than the heap budget once decoded, fails the whole object.
 */
final class FullStateCodec {
  static final String SILENCES_PREFIX = "sil:";
  static final String NOTIFICATION_LOG_PREFIX = "nfl:";

  // The largest google.protobuf.Timestamp: 9999-12-31T23:59:59Z.
  private static final Instant MAX_TIMESTAMP = Instant.ofEpochSecond(253_402_300_799L);

  // Estimated heap bytes per decoded object, for the budget: record, collections and boxing overhead.
  private static final long HEAP_PER_RECORD = 200;
  private static final long HEAP_PER_MATCHER = 150;
  private static final long HEAP_PER_HASH = 48;
  private static final long HEAP_PER_STRING = 48;

  /** What was read: the usable state, and how many messages were dropped as expired or unusable. */
  record Decoded(TenantState state, int expired, int invalid) {}

  /** Thrown through the reader when the decoded state outgrows its budget. */
  private static final class BudgetExceeded extends WireException {
    BudgetExceeded(long budgetBytes) {
      super("decoded state would take more than " + budgetBytes + " bytes of heap");
    }
  }

  private FullStateCodec() {}

  /**
   * The full state of a tenant.
   *
   * @param retention how long a silence is kept after its end: its {@code expires_at} is {@code ends_at + retention}
   */
  static byte[] encode(String tenant, TenantState state, Duration retention) {
    List<Silence> silences = new ArrayList<>(state.silences());
    silences.sort(Comparator.comparing(Silence::id));
    ProtoWriter silenceStream = new ProtoWriter();
    for (Silence s : silences) {
      ProtoWriter mesh = new ProtoWriter();
      mesh.message(1, silence(s));
      mesh.timestamp(2, plusClamped(s.endsAt(), retention));
      silenceStream.delimited(mesh);
    }

    List<NotificationLog.Entry> entries = new ArrayList<>(state.notificationLog());
    entries.sort(Comparator.comparing(NotificationLog.Entry::groupKey)
        .thenComparing(e -> e.receiver().groupName())
        .thenComparing(e -> e.receiver().integration())
        .thenComparingInt(e -> e.receiver().index()));
    ProtoWriter entryStream = new ProtoWriter();
    for (NotificationLog.Entry e : entries) {
      ProtoWriter mesh = new ProtoWriter();
      mesh.message(1, entry(e));
      mesh.timestamp(2, e.expiresAt());
      entryStream.delimited(mesh);
    }

    ProtoWriter fullState = new ProtoWriter();
    fullState.message(1, part(SILENCES_PREFIX + tenant, silenceStream));
    fullState.message(1, part(NOTIFICATION_LOG_PREFIX + tenant, entryStream));
    ProtoWriter desc = new ProtoWriter();
    desc.message(1, fullState);
    return desc.toByteArray();
  }

  private static ProtoWriter part(String key, ProtoWriter data) {
    ProtoWriter part = new ProtoWriter();
    part.string(1, key);
    part.bytes(2, data.toByteArray());
    return part;
  }

  private static Instant plusClamped(Instant at, Duration d) {
    try {
      Instant sum = at.plus(d);
      return sum.isAfter(MAX_TIMESTAMP) ? MAX_TIMESTAMP : sum;
    } catch (DateTimeException | ArithmeticException e) {
      return MAX_TIMESTAMP;
    }
  }

  private static ProtoWriter silence(Silence s) {
    ProtoWriter w = new ProtoWriter();
    w.string(1, s.id());
    for (Matcher m : s.matchers()) {
      ProtoWriter mw = new ProtoWriter();
      mw.varint(1, switch (m.type()) {
        case EQUAL -> 0;
        case REGEX -> 1;
        case NOT_EQUAL -> 2;
        case NOT_REGEX -> 3;
      });
      mw.string(2, m.name());
      mw.string(3, m.value());
      w.message(2, mw);
    }
    w.timestamp(3, s.startsAt());
    w.timestamp(4, s.endsAt());
    w.timestamp(5, s.updatedAt());
    w.string(8, s.createdBy());
    w.string(9, s.comment());
    return w;
  }

  private static ProtoWriter entry(NotificationLog.Entry e) {
    ProtoWriter w = new ProtoWriter();
    w.bytes(1, e.groupKey().getBytes(StandardCharsets.UTF_8));
    ProtoWriter receiver = new ProtoWriter();
    receiver.string(1, e.receiver().groupName());
    receiver.string(2, e.receiver().integration());
    receiver.varint(3, Integer.toUnsignedLong(e.receiver().index()));
    w.message(2, receiver);
    w.timestamp(5, e.timestamp());
    w.packedUint64(6, sortedUnsigned(e.firing()));
    w.packedUint64(7, sortedUnsigned(e.resolved()));
    return w;
  }

  private static long[] sortedUnsigned(Set<Long> hashes) {
    long[] out = new long[hashes.size()];
    int i = 0;
    for (long h : hashes) {
      out[i++] = h;
    }
    // Unsigned order: flip the sign bit, sort signed, flip back.
    for (int j = 0; j < out.length; j++) {
      out[j] ^= Long.MIN_VALUE;
    }
    java.util.Arrays.sort(out);
    for (int j = 0; j < out.length; j++) {
      out[j] ^= Long.MIN_VALUE;
    }
    return out;
  }

  /**
   * Reads a tenant's full state; parts under other keys are ignored, as Mimir does.
   *
   * @param heapBudgetBytes the most heap the decoded state may take, estimated; 0 for no limit
   * @throws InvalidStateException when the object is not this format or the decoded state outgrows the budget
   */
  static Decoded decode(String tenant, byte[] bytes, Instant now, long heapBudgetBytes) throws InvalidStateException {
    Decoder d = new Decoder(now, heapBudgetBytes);
    try {
      ProtoReader desc = new ProtoReader(bytes);
      while (desc.next()) {
        if (desc.field() != 1) {
          desc.skip();
          continue;
        }
        ProtoReader fullState = desc.message();
        while (fullState.next()) {
          if (fullState.field() == 1) {
            d.part(tenant, fullState.message());
          } else {
            fullState.skip();
          }
        }
      }
    } catch (BudgetExceeded e) {
      throw new InvalidStateException(InvalidStateException.Reason.TOO_LARGE, e.getMessage());
    } catch (WireException e) {
      throw new InvalidStateException(InvalidStateException.Reason.CORRUPT, "not a Mimir FullStateDesc: "
          + e.getMessage());
    }
    return new Decoded(new TenantState(d.silences, d.entries), d.expired, d.invalid);
  }

  private static final class Decoder {
    private final Instant now;
    private final long budgetBytes;
    private long usedBytes;
    final List<Silence> silences = new ArrayList<>();
    final List<NotificationLog.Entry> entries = new ArrayList<>();
    int expired;
    int invalid;

    Decoder(Instant now, long budgetBytes) {
      this.now = now;
      this.budgetBytes = budgetBytes;
    }

    private void charge(long bytes) throws BudgetExceeded {
      usedBytes += bytes;
      if (budgetBytes > 0 && usedBytes > budgetBytes) {
        throw new BudgetExceeded(budgetBytes);
      }
    }

    void part(String tenant, ProtoReader part) throws WireException {
      String key = "";
      ProtoReader data = null;
      while (part.next()) {
        switch (part.field()) {
          case 1 -> key = part.string();
          case 2 -> data = part.message();
          default -> part.skip();
        }
      }
      if (data == null) {
        return;
      }
      boolean silencePart = key.equals(SILENCES_PREFIX + tenant);
      if (!silencePart && !key.equals(NOTIFICATION_LOG_PREFIX + tenant)) {
        return;
      }
      while (!data.atEnd()) {
        ProtoReader message = data.lengthDelimited();
        try {
          if (silencePart) {
            meshSilence(message);
          } else {
            meshEntry(message);
          }
        } catch (BudgetExceeded e) {
          throw e;
        } catch (WireException | IllegalArgumentException e) {
          // The frame is intact, so the rest of the stream still reads: skip only this message.
          invalid++;
        }
      }
    }

    private void meshSilence(ProtoReader r) throws WireException {
      Silence silence = null;
      Instant expiresAt = null;
      while (r.next()) {
        switch (r.field()) {
          case 1 -> silence = silence(r.message());
          case 2 -> expiresAt = r.timestamp();
          default -> r.skip();
        }
      }
      if (silence == null || expiresAt == null) {
        throw new WireException("MeshSilence without silence or expires_at");
      }
      if (!expiresAt.isAfter(now)) {
        expired++;
        return;
      }
      silences.add(silence);
    }

    private Silence silence(ProtoReader r) throws WireException {
      charge(HEAP_PER_RECORD);
      String id = "";
      List<Matcher> matchers = new ArrayList<>();
      Instant startsAt = null;
      Instant endsAt = null;
      Instant updatedAt = null;
      String createdBy = "";
      String comment = "";
      while (r.next()) {
        switch (r.field()) {
          case 1 -> id = string(r);
          case 2 -> matchers.add(matcher(r.message()));
          case 3 -> startsAt = r.timestamp();
          case 4 -> endsAt = r.timestamp();
          case 5 -> updatedAt = r.timestamp();
          case 8 -> createdBy = string(r);
          case 9 -> comment = string(r);
          default -> r.skip();
        }
      }
      if (id.isEmpty() || matchers.isEmpty() || startsAt == null || endsAt == null || updatedAt == null) {
        throw new WireException("silence without id, matchers or times");
      }
      return new Silence(id, matchers, startsAt, endsAt, updatedAt, createdBy, comment);
    }

    private Matcher matcher(ProtoReader r) throws WireException {
      charge(HEAP_PER_MATCHER);
      long type = 0;
      String name = "";
      String pattern = "";
      while (r.next()) {
        switch (r.field()) {
          case 1 -> type = r.varint();
          case 2 -> name = string(r);
          case 3 -> pattern = string(r);
          default -> r.skip();
        }
      }
      Matcher.Type t;
      if (type == 0) {
        t = Matcher.Type.EQUAL;
      } else if (type == 1) {
        t = Matcher.Type.REGEX;
      } else if (type == 2) {
        t = Matcher.Type.NOT_EQUAL;
      } else if (type == 3) {
        t = Matcher.Type.NOT_REGEX;
      } else {
        throw new WireException("unknown matcher type " + type);
      }
      return Matcher.of(name, t, pattern);
    }

    private void meshEntry(ProtoReader r) throws WireException {
      Instant expiresAt = null;
      ProtoReader entryBytes = null;
      while (r.next()) {
        switch (r.field()) {
          case 1 -> entryBytes = r.message();
          case 2 -> expiresAt = r.timestamp();
          default -> r.skip();
        }
      }
      if (entryBytes == null || expiresAt == null) {
        throw new WireException("MeshEntry without entry or expires_at");
      }
      if (!expiresAt.isAfter(now)) {
        expired++;
        return;
      }
      entries.add(entry(entryBytes, expiresAt));
    }

    private NotificationLog.Entry entry(ProtoReader r, Instant expiresAt) throws WireException {
      charge(HEAP_PER_RECORD);
      String groupKey = "";
      NotificationLog.Receiver receiver = null;
      Instant timestamp = null;
      Set<Long> firing = new HashSet<>();
      Set<Long> resolved = new HashSet<>();
      while (r.next()) {
        switch (r.field()) {
          case 1 -> groupKey = string(r);
          case 2 -> receiver = receiver(r.message());
          case 5 -> timestamp = r.timestamp();
          case 6 -> r.uint64s(h -> {
            charge(HEAP_PER_HASH);
            firing.add(h);
          });
          case 7 -> r.uint64s(h -> {
            charge(HEAP_PER_HASH);
            resolved.add(h);
          });
          default -> r.skip();
        }
      }
      if (receiver == null || timestamp == null) {
        throw new WireException("entry without receiver or timestamp");
      }
      return new NotificationLog.Entry(groupKey, receiver, firing, resolved, timestamp, expiresAt);
    }

    private NotificationLog.Receiver receiver(ProtoReader r) throws WireException {
      String groupName = "";
      String integration = "";
      long idx = 0;
      while (r.next()) {
        switch (r.field()) {
          case 1 -> groupName = string(r);
          case 2 -> integration = string(r);
          case 3 -> idx = r.varint();
          default -> r.skip();
        }
      }
      if (idx < 0 || idx > Integer.MAX_VALUE) {
        throw new WireException("receiver index out of range: " + idx);
      }
      return new NotificationLog.Receiver(groupName, integration, (int) idx);
    }

    private String string(ProtoReader r) throws WireException {
      String s = r.string();
      charge(HEAP_PER_STRING + s.length());
      return s;
    }
  }
}
