package io.narthex.alertmanager.replication;

import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.alertmanager.dispatch.AlertStore;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.Silence;
import io.narthex.alertmanager.dispatch.Silences;
import io.narthex.alertmanager.replication.BinaryCodec.CorruptEntryException;
import io.narthex.alertmanager.replication.StateEntry.QueryKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replicated state of one group: for each of its tenants the alerts, silences and notification log of
 * {@code dispatch}, and the open notify intents. Applying is deterministic: it reads no clock (each entry's time is
 * the leader's, never earlier than the previous entry's) and iterates only ordered collections, so every replica
 * that applies the same log holds the same state, and {@link #writeSnapshot} gives the same bytes. Not thread-safe:
 * the state machine guards it.
 */
final class GroupState {
  /** The snapshot format this build writes and reads. */
  private static final int SNAPSHOT_VERSION = 1;
  // Restoring a snapshot or rebuilding for new limits keeps every silence and log entry, whatever their age.
  private static final Instant KEEP_ALL = Instant.MIN;
  private static final Comparator<NotificationLog.Entry> LOG_ORDER = Comparator
      .comparing(NotificationLog.Entry::groupKey).thenComparing(e -> e.receiver().toString());

  private final int group;
  private final Duration retention;
  private final StateListener listener;
  private final Map<String, TenantReplica> tenants = new TreeMap<>();
  private long appliedNowMs = Long.MIN_VALUE;

  /** @param retention how long expired silences, log entries and unresolved intents are kept */
  GroupState(Duration retention) {
    this(0, retention, null);
  }

  /**
   * @param group the group this state is of, as the listener is told
   * @param listener told of each applied change; null for none
   */
  GroupState(int group, Duration retention, StateListener listener) {
    this.group = group;
    this.retention = retention;
    this.listener = listener;
  }

  /** One tenant's part of the group. */
  private final class TenantReplica {
    AlertStore.Limits alertLimits = AlertStore.Limits.NONE;
    AlertStore alerts = new AlertStore(alertLimits);
    Silences.Limits silenceLimits = Silences.Limits.NONE;
    Silences silences = newSilences(silenceLimits);
    NotificationLog log = new NotificationLog(retention);
    final Map<String, NotifyIntent> intents = new LinkedHashMap<>();
    /** The id a silence created by the entry being applied gets: the one drawn before proposing. */
    String nextSilenceId;

    Silences newSilences(Silences.Limits limits) {
      return new Silences(limits, retention, () -> {
        if (nextSilenceId == null) {
          throw new IllegalStateException("a silence was created without an id drawn before proposing");
        }
        return nextSilenceId;
      });
    }

    /** Returns the alerts the new limits dropped. */
    List<Alert> alertLimits(AlertStore.Limits limits, Instant now) {
      if (limits.equals(alertLimits)) {
        return List.of();
      }
      // AlertStore's limits are fixed: a new store takes the alerts again, in their order, under the new limits.
      AlertStore fresh = new AlertStore(limits);
      List<Alert> dropped = new ArrayList<>();
      for (Alert a : alerts.list()) {
        if (fresh.put(a, now) != null) {
          dropped.add(a);
        }
      }
      alerts = fresh;
      alertLimits = limits;
      return dropped;
    }

    boolean holdsNothing() {
      return intents.isEmpty() && alerts.list().isEmpty() && silences.list().isEmpty() && log.snapshot().isEmpty();
    }

    void silenceLimits(Silences.Limits limits) {
      if (limits.equals(silenceLimits)) {
        return;
      }
      Silences fresh = newSilences(limits);
      for (Silence s : silences.list()) {
        fresh.merge(s, KEEP_ALL);
      }
      silences = fresh;
      silenceLimits = limits;
    }
  }

  private TenantReplica tenant(String name) {
    return tenants.computeIfAbsent(name, n -> new TenantReplica());
  }

  /** The time entries are applied at: the entry's, or the last applied one's when the leader's clock was behind. */
  Instant appliedNow() {
    return appliedNowMs == Long.MIN_VALUE ? Instant.EPOCH : Instant.ofEpochMilli(appliedNowMs);
  }

  /** As {@link #apply(StateEntry, long)} outside a log: an intent fenced to a term is refused. */
  Reply apply(StateEntry entry) {
    return apply(entry, 0);
  }

  /**
   * Applies a committed entry; what it answers the proposer, refusals included (they change nothing).
   *
   * @param logTerm the Raft term of the log entry, the term of the leader that appended it
   */
  Reply apply(StateEntry entry, long logTerm) {
    appliedNowMs = Math.max(appliedNowMs, entry.nowMs());
    Instant now = Instant.ofEpochMilli(appliedNowMs);
    switch (entry) {
      case StateEntry.PostAlerts p -> {
        TenantReplica t = tenant(p.tenant());
        List<Alert> dropped = t.alertLimits(p.limits(), now);
        if (listener != null && !dropped.isEmpty()) {
          listener.alertsDropped(group, p.tenant(), dropped, now);
        }
        AlertStore.PutResult result = t.alerts.post(p.alerts(), Duration.ofMillis(p.resolveTimeoutMs()), now);
        if (listener != null && !result.stored().isEmpty()) {
          listener.alertsStored(group, p.tenant(), result.stored(), now);
        }
        return Reply.posted(result.stored().size(), result.invalid(), result.refused());
      }
      case StateEntry.SetSilence s -> {
        TenantReplica t = tenant(s.tenant());
        t.silenceLimits(s.limits());
        t.nextSilenceId = s.newId();
        try {
          String id = t.silences.set(s.silence(), now);
          if (listener != null) {
            String updated = s.silence().id();
            if (updated != null && !updated.isEmpty() && !updated.equals(id)) {
              // Not updatable in place: the silence was expired and replaced by a new one, two changes to mirror.
              listener.silenceChanged(group, s.tenant(), t.silences.get(updated), now);
            }
            listener.silenceChanged(group, s.tenant(), t.silences.get(id), now);
          }
          return Reply.ok(id);
        } catch (Silences.SilenceException e) {
          return Reply.refused(e);
        } finally {
          t.nextSilenceId = null;
        }
      }
      case StateEntry.ExpireSilence e -> {
        try {
          TenantReplica t = tenant(e.tenant());
          t.silences.expire(e.silenceId(), now);
          if (listener != null) {
            listener.silenceChanged(group, e.tenant(), t.silences.get(e.silenceId()), now);
          }
          return Reply.ok(e.silenceId());
        } catch (Silences.SilenceException ex) {
          return Reply.refused(ex);
        }
      }
      case StateEntry.Intent i -> {
        if (i.leaderTerm() != 0 && i.leaderTerm() != logTerm) {
          // Proposed by the leader of an earlier term, forwarded to the current one by its client: not its send.
          return Reply.refused(false, "notify intent " + i.intent().intentId() + " of the leader of term "
              + i.leaderTerm() + " was appended in term " + logTerm + ": that leader was deposed, do not send");
        }
        tenant(i.tenant()).intents.putIfAbsent(i.intent().intentId(), i.intent().createdAt(now));
        return Reply.ok(i.intent().intentId());
      }
      case StateEntry.Done d -> {
        TenantReplica t = tenant(d.tenant());
        NotifyIntent intent = t.intents.remove(d.intentId());
        if (intent == null) {
          return Reply.refused(true, "notify intent " + d.intentId() + " is not open");
        }
        NotificationLog.Entry logged = t.log.log(intent.groupKey(), intent.receiver(), intent.firing(),
            intent.resolved(), now);
        if (listener != null) {
          listener.notificationLogged(group, d.tenant(), logged, now);
        }
        return Reply.ok(d.intentId());
      }
      case StateEntry.Abandoned a -> {
        if (tenant(a.tenant()).intents.remove(a.intentId()) == null) {
          return Reply.refused(true, "notify intent " + a.intentId() + " is not open");
        }
        return Reply.ok(a.intentId());
      }
      case StateEntry.Collect c -> {
        for (var it = tenants.entrySet().iterator(); it.hasNext(); ) {
          Map.Entry<String, TenantReplica> e = it.next();
          TenantReplica t = e.getValue();
          t.silences.collectGarbage(now);
          t.log.collectGarbage(now);
          t.alerts.collectGarbage(now);
          t.intents.values().removeIf(i -> !i.createdAt().plus(retention).isAfter(now));
          // A tenant that holds nothing costs nothing: memory is bounded by the tenants with state in retention.
          if (t.holdsNothing()) {
            it.remove();
            if (listener != null) {
              listener.tenantDropped(group, e.getKey(), now);
            }
          }
        }
        return Reply.ok("");
      }
      case StateEntry.LoadState l -> {
        TenantReplica t = tenant(l.tenant());
        l.state().mergeInto(t.silences, t.log, now);
        if (listener != null) {
          listener.stateLoaded(group, l.tenant(), t.silences.list(), sortedLog(t.log), now);
        }
        return Reply.ok("");
      }
      case StateEntry.Query q -> throw new IllegalArgumentException("a query is not a log entry");
    }
  }

  /** A copy of every tenant's state as applied, tenants in name order. */
  List<TenantCopy> copy() {
    List<TenantCopy> out = new ArrayList<>(tenants.size());
    for (Map.Entry<String, TenantReplica> e : tenants.entrySet()) {
      TenantReplica t = e.getValue();
      out.add(new TenantCopy(e.getKey(), t.alerts.list(), t.silences.list(), sortedLog(t.log),
          List.copyOf(t.intents.values())));
    }
    return out;
  }

  /** Answers a read-only query from the state as applied. */
  byte[] query(StateEntry.Query query) {
    BinaryCodec.Writer w = new BinaryCodec.Writer();
    TenantReplica t = tenants.get(query.tenant());
    if (query.kind() == QueryKind.TENANTS) {
      w.writeInt(tenants.size());
      tenants.keySet().forEach(w::writeString);
      return w.toByteArray();
    }
    if (t == null) {
      return w.writeInt(0).toByteArray();
    }
    switch (query.kind()) {
      case ALERTS -> {
        List<Alert> alerts = t.alerts.list();
        w.writeInt(alerts.size());
        alerts.forEach(w::writeAlert);
      }
      case SILENCES -> {
        List<Silence> silences = t.silences.list();
        w.writeInt(silences.size());
        silences.forEach(w::writeSilence);
      }
      case NOTIFICATION_LOG -> {
        List<NotificationLog.Entry> entries = sortedLog(t.log);
        w.writeInt(entries.size());
        entries.forEach(w::writeLogEntry);
      }
      case OPEN_INTENTS -> {
        w.writeInt(t.intents.size());
        t.intents.values().forEach(w::writeIntent);
      }
      case TENANTS -> throw new IllegalStateException("answered above");
    }
    return w.toByteArray();
  }

  private static List<NotificationLog.Entry> sortedLog(NotificationLog log) {
    List<NotificationLog.Entry> entries = new ArrayList<>(log.snapshot().values());
    entries.sort(LOG_ORDER);
    return entries;
  }

  /** The whole state, tenants in name order; equal states give equal bytes. */
  void writeSnapshot(BinaryCodec.Writer w) {
    w.writeByte(SNAPSHOT_VERSION);
    w.writeLong(appliedNowMs);
    w.writeInt(tenants.size());
    for (Map.Entry<String, TenantReplica> e : tenants.entrySet()) {
      TenantReplica t = e.getValue();
      w.writeString(e.getKey());
      w.writeInt(t.alertLimits.maxAlertsCount()).writeLong(t.alertLimits.maxAlertsSizeBytes());
      w.writeInt(t.silenceLimits.maxSilencesCount()).writeLong(t.silenceLimits.maxSilenceSizeBytes());
      List<Alert> alerts = t.alerts.list();
      w.writeInt(alerts.size());
      alerts.forEach(w::writeAlert);
      List<Silence> silences = t.silences.list();
      w.writeInt(silences.size());
      silences.forEach(w::writeSilence);
      List<NotificationLog.Entry> entries = sortedLog(t.log);
      w.writeInt(entries.size());
      entries.forEach(w::writeLogEntry);
      w.writeInt(t.intents.size());
      t.intents.values().forEach(w::writeIntent);
    }
  }

  /**
   * Replaces this state with a snapshot's.
   *
   * @throws CorruptEntryException when the bytes are not a snapshot of this format
   */
  void readSnapshot(BinaryCodec.Reader r) throws CorruptEntryException {
    int version = r.readByte();
    if (version != SNAPSHOT_VERSION) {
      throw new CorruptEntryException("snapshot format version " + version + ", this build reads "
          + SNAPSHOT_VERSION);
    }
    long nowMs = r.readLong();
    Map<String, TenantReplica> read = new TreeMap<>();
    int tenantCount = r.readCount(4, "tenants");
    for (int i = 0; i < tenantCount; i++) {
      String name = r.readString();
      TenantReplica t = new TenantReplica();
      Instant now = Instant.ofEpochMilli(nowMs);
      t.alertLimits(new AlertStore.Limits(r.readInt(), r.readLong()), now);
      t.silenceLimits(new Silences.Limits(r.readInt(), r.readLong()));
      for (int n = r.readCount(14, "alerts"); n > 0; n--) {
        Alert a = r.readAlert();
        if (t.alerts.put(a, now) != null) {
          throw new CorruptEntryException("snapshot alert " + a.fingerprintHex() + " is over the tenant's limits");
        }
      }
      for (int n = r.readCount(19, "silences"); n > 0; n--) {
        t.silences.merge(r.readSilence(), KEEP_ALL);
      }
      for (int n = r.readCount(30, "log entries"); n > 0; n--) {
        t.log.merge(r.readLogEntry(), KEEP_ALL);
      }
      for (int n = r.readCount(20, "intents"); n > 0; n--) {
        NotifyIntent intent = r.readIntent();
        t.intents.put(intent.intentId(), intent);
      }
      read.put(name, t);
    }
    if (!r.atEnd()) {
      throw new CorruptEntryException("bytes after the snapshot");
    }
    tenants.clear();
    tenants.putAll(read);
    appliedNowMs = nowMs;
  }
}
