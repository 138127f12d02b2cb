package io.narthex.alertmanager.dispatch;

import java.time.Instant;
import java.util.Collections;
import java.util.Comparator;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An alert as Alertmanager keeps it ({@code types.Alert}): labels, annotations, the active range, where it came from,
 * when it was last received, and whether its end is only the {@code resolve_timeout} guess.
 *
 * @param endsAt null while unknown (Go's zero time)
 * @param timeout whether {@code endsAt} was set from {@code resolve_timeout} rather than sent
 */
public record Alert(
    SortedMap<String, String> labels,
    Map<String, String> annotations,
    Instant startsAt,
    Instant endsAt,
    String generatorUrl,
    Instant updatedAt,
    boolean timeout) {

  /** Alertmanager's notification order ({@code types.AlertSlice}): by job, then instance, then the label sets. */
  public static final Comparator<Alert> NOTIFICATION_ORDER = Alert::compareForNotification;

  public Alert {
    labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    annotations = Collections.unmodifiableSortedMap(new TreeMap<>(annotations));
    generatorUrl = generatorUrl == null ? "" : generatorUrl;
  }

  /** {@code model.LabelSet.Fingerprint} of the labels. */
  public long fingerprint() {
    return LabelSets.fingerprint(labels);
  }

  /** The fingerprint as the API prints it: 16 lowercase hex digits. */
  public String fingerprintHex() {
    return LabelSets.hex(fingerprint());
  }

  /** {@code ResolvedAt}: the end is known and not after {@code now}. */
  public boolean resolvedAt(Instant now) {
    return endsAt != null && !endsAt.isAfter(now);
  }

  /** This alert with another end. */
  public Alert withEndsAt(Instant newEndsAt) {
    return new Alert(labels, annotations, startsAt, newEndsAt, generatorUrl, updatedAt, timeout);
  }

  /**
   * {@code types.Alert.Merge}: the more recently updated alert wins, keeping the earliest start; while it is firing, a
   * later end of the other wins unless that end was a timeout; when both are resolved, the later end wins.
   */
  public Alert merge(Alert other, Instant now) {
    if (other.updatedAt.isBefore(updatedAt)) {
      return other.merge(this, now);
    }
    Instant start = startsAt.isBefore(other.startsAt) ? startsAt : other.startsAt;
    Instant end = other.endsAt;
    if (other.resolvedAt(now)) {
      if (resolvedAt(now) && endsAt.isAfter(other.endsAt)) {
        end = endsAt;
      }
    } else if (endsAt != null && (other.endsAt == null || endsAt.isAfter(other.endsAt)) && !timeout) {
      end = endsAt;
    }
    return new Alert(other.labels, other.annotations, start, end, other.generatorUrl, other.updatedAt, other.timeout);
  }

  private static int compareForNotification(Alert a, Alert b) {
    for (String key : new String[] {"job", "instance"}) {
      String av = a.labels.get(key);
      String bv = b.labels.get(key);
      if (av == null && bv == null) {
        continue;
      }
      if (av == null) {
        return 1;
      }
      if (bv == null) {
        return -1;
      }
      int c = av.compareTo(bv);
      if (c != 0) {
        return c;
      }
    }
    if (LabelSets.before(a.labels, b.labels)) {
      return -1;
    }
    return LabelSets.before(b.labels, a.labels) ? 1 : 0;
  }
}
