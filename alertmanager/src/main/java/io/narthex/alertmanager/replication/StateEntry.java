package io.narthex.alertmanager.replication;

import io.narthex.alertmanager.dispatch.AlertStore;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.Silence;
import io.narthex.alertmanager.dispatch.Silences;
import io.narthex.alertmanager.replication.BinaryCodec.CorruptEntryException;
import io.narthex.alertmanager.state.TenantState;
import java.util.ArrayList;
import java.util.List;

/**
 * A log entry of a tenant-state group, and the read-only queries of the same group. Encoded as
 * {@code [format version: 1 byte][kind: 1 byte][now: 8 bytes, epoch milliseconds][tenant: string][body]} (values in
 * {@link BinaryCodec}'s form). {@code now} sits at a fixed offset so that the leader can stamp its own clock into
 * a proposal before it enters the log; every replica then applies the entry at that time.
 */
sealed interface StateEntry {
  /** The format this build writes and the newest it reads. */
  int VERSION = 1;
  /** Where {@code now} is in an encoded entry. */
  int NOW_OFFSET = 2;

  /** Epoch milliseconds of the leader's clock when it took the entry. */
  long nowMs();

  /** The tenant; empty for {@link Collect}. */
  String tenant();

  /** {@code POST /api/v2/alerts}: the posted alerts with the tenant's resolve timeout and limits when posted. */
  record PostAlerts(String tenant, long nowMs, long resolveTimeoutMs, AlertStore.Limits limits,
      List<AlertStore.PostableAlert> alerts) implements StateEntry {}

  /** A silence created or updated, with the tenant's limits; {@code newId} is drawn before proposing. */
  record SetSilence(String tenant, long nowMs, Silences.Limits limits, Silence silence, String newId)
      implements StateEntry {}

  record ExpireSilence(String tenant, long nowMs, String silenceId) implements StateEntry {}

  /**
   * Opens an intent: the leader is about to send.
   *
   * @param leaderTerm the Raft term in which the proposer led the group when it built its dispatch; the entry is
   *     refused when appended in another term (by another leader), which fences a deposed leader. 0 for none
   *     (encoded as kind 4, the format before fencing)
   */
  record Intent(String tenant, long nowMs, NotifyIntent intent, long leaderTerm) implements StateEntry {
    Intent(String tenant, long nowMs, NotifyIntent intent) {
      this(tenant, nowMs, intent, 0);
    }
  }

  /** The receiver accepted: the intent becomes the notification log entry. */
  record Done(String tenant, long nowMs, String intentId) implements StateEntry {}

  /** The retries ran out: the intent is dropped, nothing is logged. */
  record Abandoned(String tenant, long nowMs, String intentId) implements StateEntry {}

  /** Garbage collection of every tenant of the group: silences, log, resolved alerts and stale intents. */
  record Collect(String tenant, long nowMs) implements StateEntry {
    Collect(long nowMs) {
      this("", nowMs);
    }
  }

  /** A tenant's bucket state merged in (newer wins), as the seed of a group with no log. */
  record LoadState(String tenant, long nowMs, TenantState state) implements StateEntry {}

  /** A read-only query; never in the log. */
  record Query(String tenant, long nowMs, QueryKind kind) implements StateEntry {}

  /** What a {@link Query} reads. */
  enum QueryKind { ALERTS, SILENCES, NOTIFICATION_LOG, OPEN_INTENTS, TENANTS }

  static byte[] encode(StateEntry entry) {
    BinaryCodec.Writer w = new BinaryCodec.Writer();
    w.writeByte(VERSION);
    w.writeByte(kind(entry));
    w.writeLong(entry.nowMs());
    w.writeString(entry.tenant());
    switch (entry) {
      case PostAlerts p -> {
        w.writeLong(p.resolveTimeoutMs());
        w.writeInt(p.limits().maxAlertsCount());
        w.writeLong(p.limits().maxAlertsSizeBytes());
        w.writeInt(p.alerts().size());
        p.alerts().forEach(w::writePostableAlert);
      }
      case SetSilence s -> {
        w.writeInt(s.limits().maxSilencesCount());
        w.writeLong(s.limits().maxSilenceSizeBytes());
        w.writeSilence(s.silence());
        w.writeString(s.newId());
      }
      case ExpireSilence e -> w.writeString(e.silenceId());
      case Intent i -> {
        w.writeIntent(i.intent());
        if (i.leaderTerm() != 0) {
          w.writeLong(i.leaderTerm());
        }
      }
      case Done d -> w.writeString(d.intentId());
      case Abandoned a -> w.writeString(a.intentId());
      case Collect c -> { }
      case LoadState l -> {
        w.writeInt(l.state().silences().size());
        l.state().silences().forEach(w::writeSilence);
        w.writeInt(l.state().notificationLog().size());
        l.state().notificationLog().forEach(w::writeLogEntry);
      }
      case Query q -> w.writeByte(q.kind().ordinal());
    }
    return w.toByteArray();
  }

  private static int kind(StateEntry entry) {
    return switch (entry) {
      case PostAlerts p -> 1;
      case SetSilence s -> 2;
      case ExpireSilence e -> 3;
      case Intent i -> i.leaderTerm() == 0 ? 4 : 10;
      case Done d -> 5;
      case Abandoned a -> 6;
      case Collect c -> 7;
      case LoadState l -> 8;
      case Query q -> 9;
    };
  }

  /**
   * @throws CorruptEntryException when the bytes are not an entry of a version this build reads, or are truncated
   *     or carry bytes after the entry
   */
  static StateEntry decode(byte[] bytes) throws CorruptEntryException {
    BinaryCodec.Reader r = new BinaryCodec.Reader(bytes);
    int version = r.readByte();
    if (version != VERSION) {
      throw new CorruptEntryException("entry format version " + version + ", this build reads " + VERSION);
    }
    int kind = r.readByte();
    long nowMs = r.readLong();
    String tenant = r.readString();
    StateEntry entry = switch (kind) {
      case 1 -> {
        long resolveTimeoutMs = r.readLong();
        AlertStore.Limits limits = new AlertStore.Limits(r.readInt(), r.readLong());
        int n = r.readCount(14, "alerts");
        List<AlertStore.PostableAlert> alerts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          alerts.add(r.readPostableAlert());
        }
        yield new PostAlerts(tenant, nowMs, resolveTimeoutMs, limits, alerts);
      }
      case 2 -> new SetSilence(tenant, nowMs, new Silences.Limits(r.readInt(), r.readLong()), r.readSilence(),
          r.readString());
      case 3 -> new ExpireSilence(tenant, nowMs, r.readString());
      case 4 -> new Intent(tenant, nowMs, r.readIntent());
      case 10 -> new Intent(tenant, nowMs, r.readIntent(), r.readLong());
      case 5 -> new Done(tenant, nowMs, r.readString());
      case 6 -> new Abandoned(tenant, nowMs, r.readString());
      case 7 -> new Collect(tenant, nowMs);
      case 8 -> {
        int silenceCount = r.readCount(19, "silences");
        List<Silence> silences = new ArrayList<>(silenceCount);
        for (int i = 0; i < silenceCount; i++) {
          silences.add(r.readSilence());
        }
        int entryCount = r.readCount(30, "log entries");
        List<NotificationLog.Entry> entries = new ArrayList<>(entryCount);
        for (int i = 0; i < entryCount; i++) {
          entries.add(r.readLogEntry());
        }
        yield new LoadState(tenant, nowMs, new TenantState(silences, entries));
      }
      case 9 -> {
        int q = r.readByte();
        if (q >= QueryKind.values().length) {
          throw new CorruptEntryException("query kind " + q);
        }
        yield new Query(tenant, nowMs, QueryKind.values()[q]);
      }
      default -> throw new CorruptEntryException("entry kind " + kind);
    };
    if (!r.atEnd()) {
      throw new CorruptEntryException("bytes after the entry");
    }
    return entry;
  }
}
