package io.narthex.alertmanager.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * One tenant's received alerts, as Alertmanager's in-memory provider ({@code provider/mem}) with Mimir's per-tenant
 * limiter in front: a re-posted alert is merged with the stored one when their active ranges overlap, and new alerts
 * beyond {@code alertmanager_max_alerts_count} or growing the total past {@code alertmanager_max_alerts_size_bytes}
 * are refused. Not thread-safe: the tenant's dispatcher owns it.
 */
public final class AlertStore {
  /**
   * Mimir's per-tenant alert limits; 0 means no limit.
   *
   * @param maxAlertsCount {@code alertmanager_max_alerts_count}
   * @param maxAlertsSizeBytes {@code alertmanager_max_alerts_size_bytes}: label names and values, annotation names and
   *     values and the generator URL, in UTF-8 bytes, summed over the stored alerts
   */
  public record Limits(int maxAlertsCount, long maxAlertsSizeBytes) {
    public static final Limits NONE = new Limits(0, 0);
  }

  /** An alert as posted to {@code POST /api/v2/alerts}: start and end may be null (unset). */
  public record PostableAlert(SortedMap<String, String> labels, Map<String, String> annotations, Instant startsAt,
      Instant endsAt, String generatorUrl) {}

  /**
   * The outcome of a post, as Alertmanager handles a batch: valid alerts are stored even when others are invalid.
   *
   * @param stored the alerts stored, as merged
   * @param invalid why each invalid alert was refused (the API answers 400 with them)
   * @param refused why each alert over a limit was refused (Alertmanager only logs these and answers 200)
   */
  public record PutResult(List<Alert> stored, List<String> invalid, List<String> refused) {}

  private final Limits limits;
  private final Map<Long, Alert> alerts = new LinkedHashMap<>();
  private final Map<Long, Long> sizes = new HashMap<>();
  private long totalSizeBytes;

  public AlertStore(Limits limits) {
    this.limits = limits;
  }

  /**
   * The API v2 post handler then {@code Put}: drops labels with empty values, sets {@code updatedAt} to now, an unset
   * start to the end (or now), an unset end to {@code now + resolveTimeout} (marked as a timeout), validates as
   * {@code types.Alert.Validate}, merges and stores. An invalid or over-limit alert is reported and skipped; the
   * others are stored (checked against Alertmanager 0.25).
   */
  public PutResult post(List<PostableAlert> posted, Duration resolveTimeout, Instant now) {
    List<Alert> stored = new ArrayList<>();
    List<String> invalidAlerts = new ArrayList<>();
    List<String> refusedAlerts = new ArrayList<>();
    for (PostableAlert p : posted) {
      java.util.TreeMap<String, String> labels = new java.util.TreeMap<>(p.labels());
      labels.values().removeIf(String::isEmpty);
      Instant starts = p.startsAt();
      if (starts == null) {
        starts = p.endsAt() == null ? now : p.endsAt();
      }
      boolean timeout = p.endsAt() == null;
      Instant ends = timeout ? now.plus(resolveTimeout) : p.endsAt();
      Alert alert = new Alert(labels, p.annotations(), starts, ends, p.generatorUrl(), now, timeout);
      String invalid = validate(alert);
      if (invalid != null) {
        invalidAlerts.add(invalid);
        continue;
      }
      String refused = put(alert, now);
      if (refused != null) {
        refusedAlerts.add(refused);
      } else {
        stored.add(alerts.get(alert.fingerprint()));
      }
    }
    return new PutResult(stored, invalidAlerts, refusedAlerts);
  }

  /** {@code types.Alert.Validate}'s checks that the posted shape can fail; null when valid. */
  static String validate(Alert a) {
    if (a.endsAt() != null && a.endsAt().isBefore(a.startsAt())) {
      return "start time must be before end time";
    }
    for (String name : a.labels().keySet()) {
      if (!validName(name)) {
        return "invalid label set: invalid name " + LabelSets.goQuote(name);
      }
    }
    if (a.labels().isEmpty()) {
      return "at least one label pair required";
    }
    for (String name : a.annotations().keySet()) {
      if (!validName(name)) {
        return "invalid annotations: invalid name " + LabelSets.goQuote(name);
      }
    }
    return null;
  }

  private static boolean validName(String name) {
    return name.matches("[a-zA-Z_][a-zA-Z0-9_]*");
  }

  /**
   * {@code mem.Alerts.Put} for one alert: merged with the stored alert of the same fingerprint when the new one ends
   * inside, or starts inside, the stored one's range (bounds exclusive); null when stored, else why it was refused.
   */
  public String put(Alert alert, Instant now) {
    long fp = alert.fingerprint();
    Alert old = alerts.get(fp);
    if (old != null && overlaps(alert, old)) {
      alert = old.merge(alert, now);
    }
    long size = sizeBytes(alert);
    if (old == null && limits.maxAlertsCount() > 0 && alerts.size() + 1 > limits.maxAlertsCount()) {
      return "too many alerts, limit: " + limits.maxAlertsCount();
    }
    long diff = size - sizes.getOrDefault(fp, 0L);
    if (limits.maxAlertsSizeBytes() > 0 && totalSizeBytes + diff > limits.maxAlertsSizeBytes()) {
      return "alerts too big, total size limit: " + limits.maxAlertsSizeBytes() + " bytes";
    }
    alerts.put(fp, alert);
    sizes.put(fp, size);
    totalSizeBytes += diff;
    return null;
  }

  private static boolean overlaps(Alert a, Alert old) {
    Instant oldEnd = old.endsAt() == null ? Instant.MIN : old.endsAt();
    boolean endInside = a.endsAt() != null && a.endsAt().isAfter(old.startsAt()) && a.endsAt().isBefore(oldEnd);
    boolean startInside = a.startsAt().isAfter(old.startsAt()) && a.startsAt().isBefore(oldEnd);
    return endInside || startInside;
  }

  static long sizeBytes(Alert a) {
    long n = utf8Length(a.generatorUrl());
    for (Map.Entry<String, String> e : a.labels().entrySet()) {
      n += utf8Length(e.getKey()) + utf8Length(e.getValue());
    }
    for (Map.Entry<String, String> e : a.annotations().entrySet()) {
      n += utf8Length(e.getKey()) + utf8Length(e.getValue());
    }
    return n;
  }

  private static long utf8Length(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }

  /**
   * Holds an alert exactly as another store merged and admitted it (the leader's mirror of the replicated state):
   * no merge and no limits, since the replicated store applied both.
   */
  public void replace(Alert alert) {
    long fp = alert.fingerprint();
    long size = sizeBytes(alert);
    alerts.put(fp, alert);
    Long before = sizes.put(fp, size);
    totalSizeBytes += size - (before == null ? 0 : before);
  }

  /** The stored alert with this fingerprint, or null. */
  public Alert get(long fingerprint) {
    return alerts.get(fingerprint);
  }

  /** All stored alerts, resolved ones included until {@link #collectGarbage}. */
  public List<Alert> list() {
    return List.copyOf(alerts.values());
  }

  /** The total size the size limit counts. */
  public long totalSizeBytes() {
    return totalSizeBytes;
  }

  /** The provider's periodic GC (every 30 minutes in Alertmanager): drops alerts resolved at {@code now}. */
  public List<Alert> collectGarbage(Instant now) {
    List<Alert> removed = new ArrayList<>();
    alerts.values().removeIf(a -> {
      if (a.resolvedAt(now)) {
        removed.add(a);
        return true;
      }
      return false;
    });
    for (Alert a : removed) {
      totalSizeBytes -= sizes.remove(a.fingerprint());
    }
    return removed;
  }
}
