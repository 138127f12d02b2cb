package io.narthex.alertmanager.dispatch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * One tenant's dispatcher, as Alertmanager's {@code dispatch.Dispatcher}, driven by the caller's clock instead of
 * goroutines and timers: {@link #receive} routes an alert into the aggregation group of each matching route, and
 * {@link #advanceTo} fires every timer due by then, in time order, each flush seeing its own scheduled time as now.
 *
 * <p>Timers as {@code aggrGroup.run}: a new group flushes after {@code group_wait}, or at once when an alert's start is
 * already older than {@code group_wait} before the group's first flush; after each flush the next one is
 * {@code group_interval} later. A flush hands the group's alerts to the {@link FlushHandler}; if it succeeds,
 * resolved alerts not re-posted since leave the group. A flush may complete later (its notifications are sent
 * outside the tenant's lock): until then the group does not flush again, as Alertmanager's group goroutine is busy
 * in {@code flush}, and a flush that fell due meanwhile runs when the previous one completes. Empty groups are
 * dropped by the maintenance that runs every 30s from
 * the dispatcher's start. Groups beyond {@code alertmanager_max_dispatcher_aggregation_groups} are not created and
 * their alerts not dispatched. Not thread-safe: one caller drives a tenant's dispatcher.
 */
public final class Dispatcher {
  /** Alertmanager's dispatcher maintenance period. */
  public static final Duration MAINTENANCE_INTERVAL = Duration.ofSeconds(30);

  /** Receives each flush; returns whether the notification pipeline succeeded. */
  @FunctionalInterface
  public interface Notifier {
    boolean notify(NotificationRequest request);
  }

  /**
   * Receives each flush and reports its outcome through {@code done}, at once or later; {@code done} must be called
   * exactly once, serialized with the tenant's other calls into this dispatcher.
   */
  @FunctionalInterface
  public interface FlushHandler {
    void flush(NotificationRequest request, FlushDone done);
  }

  /** The outcome of one flush. */
  @FunctionalInterface
  public interface FlushDone {
    /**
     * @param succeeded whether the pipeline succeeded (resolved alerts then leave the group)
     * @param now when the flush completed; a next flush already due then runs at this instant
     */
    void complete(boolean succeeded, Instant now);
  }

  /** When a group was last notified, by any integration of its receiver; null if never (as far as known). */
  @FunctionalInterface
  public interface LastNotified {
    Instant of(DispatchRoute route, String groupKey, Instant now);
  }

  /** A group as {@code GET /api/v2/alerts/groups} lists it. */
  public record GroupSnapshot(DispatchRoute route, String groupKey, SortedMap<String, String> labels,
      List<Alert> alerts) {}

  private final DispatchRoute root;
  private final FlushHandler handler;
  private final int maxAggregationGroups;
  private final Map<DispatchRoute, Map<SortedMap<String, String>, AggregationGroup>> groups = new LinkedHashMap<>();
  // Every group by its next flush (ties in creation order), so that a tick costs log(groups), not a scan.
  private final TreeSet<AggregationGroup> timers = new TreeSet<>((a, b) -> {
    int c = a.next.compareTo(b.next);
    return c != 0 ? c : Long.compare(a.sequence, b.sequence);
  });
  private int groupCount;
  private long sequence;
  private Instant nextMaintenance;
  private long groupLimitReached;
  private LastNotified lastNotified;

  /**
   * @param maxAggregationGroups {@code alertmanager_max_dispatcher_aggregation_groups}; 0 for no limit
   * @param start when the dispatcher starts (its maintenance ticks count from here)
   */
  public Dispatcher(DispatchRoute root, Notifier notifier, int maxAggregationGroups, Instant start) {
    this(root, (FlushHandler) (request, done) -> done.complete(notifier.notify(request), request.now()),
        maxAggregationGroups, start);
  }

  /**
   * A dispatcher whose flushes may complete later (see {@link FlushHandler}).
   *
   * @param maxAggregationGroups {@code alertmanager_max_dispatcher_aggregation_groups}; 0 for no limit
   * @param start when the dispatcher starts (its maintenance ticks count from here)
   */
  public Dispatcher(DispatchRoute root, FlushHandler handler, int maxAggregationGroups, Instant start) {
    this.root = root;
    this.handler = handler;
    this.maxAggregationGroups = maxAggregationGroups;
    this.nextMaintenance = start.plus(MAINTENANCE_INTERVAL);
  }

  /**
   * Holds a new group's first flush until {@code group_interval} after the group's last notification, so that a
   * group rebuilt elsewhere (a new leader of the replicated state) keeps its interval instead of flushing at once.
   * Alertmanager has no such hold: its rebuilt groups flush after {@code group_wait} and rely on dedup, which sends
   * a changed group again inside its interval.
   */
  public void holdFirstFlush(LastNotified lastNotified) {
    this.lastNotified = lastNotified;
  }

  public DispatchRoute root() {
    return root;
  }

  /**
   * Routes an alert (as stored, after merging) to every matching route's group at {@code now}; first fires the
   * timers due before {@code now}.
   */
  public void receive(Alert alert, Instant now) {
    advanceTo(now);
    for (DispatchRoute route : root.match(alert.labels())) {
      SortedMap<String, String> groupLabels = route.groupLabels(alert.labels());
      Map<SortedMap<String, String>, AggregationGroup> routeGroups =
          groups.computeIfAbsent(route, r -> new HashMap<>());
      AggregationGroup group = routeGroups.get(groupLabels);
      if (group == null) {
        if (maxAggregationGroups > 0 && groupCount >= maxAggregationGroups) {
          groupLimitReached++;
          continue;
        }
        group = new AggregationGroup(route, groupLabels, now, sequence++);
        routeGroups.put(groupLabels, group);
        groupCount++;
      } else {
        timers.remove(group);
      }
      group.insert(alert, now);
      if (!group.inFlight) {
        timers.add(group);
      }
    }
  }

  /** Fires every flush and maintenance due at or before {@code now}, earliest first. */
  public void advanceTo(Instant now) {
    while (true) {
      AggregationGroup next = timers.isEmpty() ? null : timers.first();
      boolean flushDue = next != null && !next.next.isAfter(now);
      boolean maintenanceDue = !nextMaintenance.isAfter(now);
      if (!flushDue && !maintenanceDue) {
        return;
      }
      if (maintenanceDue && (!flushDue || !next.next.isBefore(nextMaintenance))) {
        maintain();
        nextMaintenance = nextMaintenance.plus(MAINTENANCE_INTERVAL);
      } else {
        timers.pollFirst();
        next.fire();
      }
    }
  }

  /** The earliest pending flush, or null without groups. */
  public Instant nextFlush() {
    return timers.isEmpty() ? null : timers.first().next;
  }

  private void maintain() {
    for (Map<SortedMap<String, String>, AggregationGroup> routeGroups : groups.values()) {
      int before = routeGroups.size();
      routeGroups.values().removeIf(g -> g.alerts.isEmpty() && timers.remove(g));
      groupCount -= before - routeGroups.size();
    }
  }

  /** The groups and their alerts, in creation order. */
  public List<GroupSnapshot> groups() {
    List<AggregationGroup> all = new ArrayList<>();
    groups.values().forEach(m -> all.addAll(m.values()));
    all.sort((a, b) -> Long.compare(a.sequence, b.sequence));
    List<GroupSnapshot> out = new ArrayList<>();
    for (AggregationGroup g : all) {
      List<Alert> alerts = new ArrayList<>(g.alerts.values());
      alerts.sort(Alert.NOTIFICATION_ORDER);
      out.add(new GroupSnapshot(g.route, g.groupKey(), g.labels, alerts));
    }
    return out;
  }

  /** How many groups exist (the limit counts them). */
  public int groupCount() {
    return groupCount;
  }

  /** How many times an alert found no group because of the limit. */
  public long groupLimitReached() {
    return groupLimitReached;
  }

  /** {@code aggrGroup}: the alerts of one route with the same group labels, and the group's flush timer. */
  private final class AggregationGroup {
    final DispatchRoute route;
    final SortedMap<String, String> labels;
    final long sequence;
    final Map<Long, Alert> alerts = new LinkedHashMap<>();
    Instant next;
    boolean hasFlushed;
    // A flush handed out and not completed yet: the group is out of the timers meanwhile.
    boolean inFlight;

    AggregationGroup(DispatchRoute route, SortedMap<String, String> labels, Instant now, long sequence) {
      this.route = route;
      this.labels = labels;
      this.sequence = sequence;
      this.next = held(now.plus(route.groupWait()), now);
    }

    /** {@code candidate}, or later when the group was notified less than {@code group_interval} before it. */
    Instant held(Instant candidate, Instant now) {
      if (lastNotified == null || hasFlushed) {
        return candidate;
      }
      Instant last = lastNotified.of(route, groupKey(), now);
      if (last == null) {
        return candidate;
      }
      Instant floor = last.plus(route.groupInterval());
      return candidate.isBefore(floor) ? floor : candidate;
    }

    String groupKey() {
      return route.key() + ":" + LabelSets.toGoString(labels);
    }

    void insert(Alert alert, Instant now) {
      alerts.put(alert.fingerprint(), alert);
      // An alert already older than group_wait need not wait for the first flush.
      if (!hasFlushed && alert.startsAt().plus(route.groupWait()).isBefore(now)) {
        next = held(now, now);
      }
    }

    void fire() {
      Instant now = next;
      next = now.plus(route.groupInterval());
      hasFlushed = true;
      if (alerts.isEmpty()) {
        timers.add(this);
        return;
      }
      List<Alert> snapshot = new ArrayList<>(alerts.size());
      for (Alert a : alerts.values()) {
        // Alerts do not resolve as time moves on: a firing alert is sent without its (timeout) end.
        snapshot.add(a.resolvedAt(now) ? a : a.withEndsAt(null));
      }
      snapshot.sort(Alert.NOTIFICATION_ORDER);
      NotificationRequest request = new NotificationRequest(route.receiver(), groupKey(), labels, now,
          route.groupInterval(), route.repeatInterval(), route.muteTimeIntervals(), route.activeTimeIntervals(),
          route.id(), List.copyOf(snapshot));
      inFlight = true;
      handler.flush(request, (succeeded, completedAt) -> complete(snapshot, now, succeeded, completedAt));
    }

    private void complete(List<Alert> snapshot, Instant flushedAt, boolean succeeded, Instant completedAt) {
      if (!inFlight) {
        throw new IllegalStateException("flush of " + groupKey() + " completed twice");
      }
      inFlight = false;
      if (succeeded) {
        for (Alert sent : snapshot) {
          Alert current = alerts.get(sent.fingerprint());
          // Only delete if the alert was not received again since.
          if (sent.resolvedAt(flushedAt) && current != null && current.updatedAt().equals(sent.updatedAt())) {
            alerts.remove(sent.fingerprint());
          }
        }
      }
      if (next.isBefore(completedAt)) {
        next = completedAt;
      }
      timers.add(this);
    }
  }
}
