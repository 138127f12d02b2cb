package io.narthex.alertmanager.dispatch;

import io.narthex.common.XxHash64;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * The notification log, as Alertmanager's {@code nflog}: for each group key and receiver integration, the firing and
 * resolved alerts last notified and when. Entries expire {@code retention} after they were written (Alertmanager's
 * {@code --data.retention}, 120h). A plain value map, so that replication can snapshot it and merge peers' entries
 * (the later timestamp wins, as {@code nflog.state.merge}). Not thread-safe.
 *
 * <p>An entry names its alerts by {@link #hashAlert}, Alertmanager's {@code notify.hashAlert}, not by their
 * fingerprints, so that entries written by Alertmanager (Mimir's {@code nfl:} state) dedup here and ours there.
 */
public final class NotificationLog {
  /** Alertmanager's default {@code --data.retention}. */
  public static final Duration DEFAULT_RETENTION = Duration.ofHours(120);

  /** {@code nflogpb.Receiver}: receiver name, integration name and its index within the receiver. */
  public record Receiver(String groupName, String integration, int index) {
    @Override
    public String toString() {
      return groupName + "/" + integration + "/" + index;
    }
  }

  /**
   * {@code nflogpb.MeshEntry}: what was notified, and when it may be dropped.
   *
   * @param firing {@link #hashAlert} of each firing alert notified
   * @param resolved {@link #hashAlert} of each resolved alert notified
   */
  public record Entry(String groupKey, Receiver receiver, Set<Long> firing, Set<Long> resolved, Instant timestamp,
      Instant expiresAt) {
    public Entry {
      firing = Set.copyOf(firing);
      resolved = Set.copyOf(resolved);
    }

    /** {@code IsFiringSubset}: every given alert was firing in this entry. */
    public boolean isFiringSubset(Set<Long> subset) {
      return firing.containsAll(subset);
    }

    /** {@code IsResolvedSubset}: every given alert was resolved in this entry. */
    public boolean isResolvedSubset(Set<Long> subset) {
      return resolved.containsAll(subset);
    }
  }

  private static final byte SEPARATOR = (byte) 0xff;

  private final Duration retention;
  private final Map<String, Entry> entries = new HashMap<>();

  /**
   * Alertmanager's {@code notify.hashAlert}, the alert hash its notification log stores: XXH64 (seed 0) of the label
   * names in order, each name and each value followed by a 0xff byte. The names are UTF-16 ordered here and byte
   * ordered in Go, which agree for the ASCII names Alertmanager 0.25 accepts.
   *
   * @param labels an alert's labels; the empty set hashes the empty input
   * @return the unsigned 64-bit hash, as a long
   */
  public static long hashAlert(SortedMap<String, String> labels) {
    byte[][] parts = new byte[labels.size() * 2][];
    int length = 0;
    int i = 0;
    for (Map.Entry<String, String> e : labels.entrySet()) {
      parts[i] = e.getKey().getBytes(StandardCharsets.UTF_8);
      parts[i + 1] = e.getValue().getBytes(StandardCharsets.UTF_8);
      length += parts[i].length + parts[i + 1].length + 2;
      i += 2;
    }
    byte[] buffer = new byte[length];
    int at = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, buffer, at, part.length);
      at += part.length;
      buffer[at++] = SEPARATOR;
    }
    return XxHash64.hash(buffer);
  }

  public NotificationLog(Duration retention) {
    this.retention = retention;
  }

  private static String key(String groupKey, Receiver receiver) {
    return groupKey + ":" + receiver;
  }

  /** {@code nflog.Log}: records a notification sent at {@code now}. */
  public Entry log(String groupKey, Receiver receiver, Set<Long> firing, Set<Long> resolved, Instant now) {
    Entry e = new Entry(groupKey, receiver, firing, resolved, now, now.plus(retention));
    merge(e, now);
    return e;
  }

  /** The entry of this group and integration, or null (expired entries are not returned). */
  public Entry query(String groupKey, Receiver receiver, Instant now) {
    Entry e = entries.get(key(groupKey, receiver));
    return e == null || !e.expiresAt().isAfter(now) ? null : e;
  }

  /**
   * Merges one entry (local or a peer's): kept when there is none or it is newer than the one held, unless already
   * expired. Returns whether it was taken.
   */
  public boolean merge(Entry e, Instant now) {
    if (!e.expiresAt().isAfter(now)) {
      return false;
    }
    String k = key(e.groupKey(), e.receiver());
    Entry prev = entries.get(k);
    if (prev == null || prev.timestamp().isBefore(e.timestamp())) {
      entries.put(k, e);
      return true;
    }
    return false;
  }

  /** {@code nflog.GC}: drops expired entries; returns how many. */
  public int collectGarbage(Instant now) {
    int before = entries.size();
    entries.values().removeIf(e -> !e.expiresAt().isAfter(now));
    return before - entries.size();
  }

  /** A copy of all entries, to persist or send to peers. */
  public Map<String, Entry> snapshot() {
    return Map.copyOf(entries);
  }

  /**
   * {@code DedupStage.needsUpdate}: notify when nothing was notified yet and something fires; when a firing alert is
   * new; when everything resolved but firing alerts were notified; with {@code send_resolved}, when a resolved alert
   * is new; otherwise only when the last notification is more than {@code repeat} before {@code now}. The strict
   * comparison makes a repeat interval that is a multiple of the group interval repeat one flush later, as
   * Alertmanager does in practice.
   */
  public static boolean needsUpdate(Entry entry, Set<Long> firing, Set<Long> resolved, boolean sendResolved,
      Duration repeat, Instant now) {
    if (entry == null) {
      return !firing.isEmpty();
    }
    if (!entry.isFiringSubset(firing)) {
      return true;
    }
    if (firing.isEmpty()) {
      return !entry.firing().isEmpty();
    }
    if (sendResolved && !entry.isResolvedSubset(resolved)) {
      return true;
    }
    return entry.timestamp().isBefore(now.minus(repeat));
  }
}
