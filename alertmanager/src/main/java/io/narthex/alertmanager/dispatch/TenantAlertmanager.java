package io.narthex.alertmanager.dispatch;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.alertmanager.AlertmanagerConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One tenant's Alertmanager, wired from its configuration: the alert store, silences and notification log, which
 * survive {@link #reload}, and the routing tree, inhibitor, time intervals, pipeline and dispatcher, which are rebuilt
 * from each configuration. This is what the API and the receivers sit on. Not thread-safe: callers serialize a
 * tenant's calls.
 *
 * <p>Without a {@link SendRunner}, a flush sends in the caller of {@link #advanceTo} (tests, the oracle comparison).
 * With one, a flush's stages up to dedup run in the caller, the sends run where the runner puts them (outside the
 * tenant's lock), and the log and the group are updated when the runner completes the flush, serialized again.
 */
public final class TenantAlertmanager {
  /**
   * Mimir's per-tenant limits and Alertmanager's retention.
   *
   * @param maxAggregationGroups {@code alertmanager_max_dispatcher_aggregation_groups}, 0 for none
   * @param retention how long nflog entries and expired silences are kept ({@code -alertmanager.storage.retention})
   */
  public record Settings(AlertStore.Limits alertLimits, Silences.Limits silenceLimits, int maxAggregationGroups,
      Duration retention) {
    public static final Settings DEFAULTS = new Settings(AlertStore.Limits.NONE, Silences.Limits.NONE, 0,
        NotificationLog.DEFAULT_RETENTION);
  }

  /**
   * An alert's state as {@code GET /api/v2/alerts} shows it.
   *
   * @param state {@code active} or {@code suppressed}
   * @param inhibitedBy fingerprints (hex) of the inhibiting alerts
   */
  public record AlertStatus(String state, List<String> silencedBy, List<String> inhibitedBy, List<String> receivers) {}

  /** Where a flush's sends run, and how their completion gets back in line with the tenant's calls. */
  public interface SendRunner {
    /**
     * Runs {@code sends} (which may block for seconds) away from the tenant's lock, then {@code complete} with the
     * completion time, serialized with the tenant's other calls.
     */
    void run(Runnable sends, java.util.function.Consumer<Instant> complete);
  }

  private static final org.slf4j.Logger logger = org.slf4j.LoggerFactory.getLogger(TenantAlertmanager.class);

  // Alertmanager's send_resolved defaults per integration kind (config/notifiers.go).
  private static final Set<String> SEND_RESOLVED_BY_DEFAULT = Set.of("webhook", "pagerduty", "opsgenie",
      "victorops", "pushover", "sns", "telegram", "discord", "webex", "msteams");

  private final Settings settings;
  private final SendRunner runner;
  private final boolean holdFirstFlush;
  private Map<String, List<NotificationPipeline.Integration>> receivers = Map.of();
  private NotificationPipeline.Sender sender;
  private final AlertStore store;
  private final Silences silences;
  private final NotificationLog log;
  // "<group key>:<integration>" of the sends in flight, across reloads: a group rebuilt by a reload must not send
  // again what its predecessor is still sending (the log is only written once that send completes). Concurrent: a
  // mirror rebuilt by ReplicatedDispatch shares it with the one it replaced, whose sends complete under its own lock.
  private Set<String> sending = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private AlertmanagerConfig config;
  private DispatchRoute root;
  private Inhibitor inhibitor;
  private Dispatcher dispatcher;

  public TenantAlertmanager(AlertmanagerConfig config, Settings settings, NotificationPipeline.Sender sender,
      Instant now) {
    this(config, settings, sender, null, now);
  }

  /** @param runner where flushes send; null to send in the caller */
  public TenantAlertmanager(AlertmanagerConfig config, Settings settings, NotificationPipeline.Sender sender,
      SendRunner runner, Instant now) {
    this(config, settings, sender, runner, false, now);
  }

  /**
   * @param runner where flushes send; null to send in the caller
   * @param holdFirstFlush whether a new group's first flush waits for {@code group_interval} after the group's last
   *     logged notification ({@link Dispatcher#holdFirstFlush}): for a leader that takes over replicated state
   */
  public TenantAlertmanager(AlertmanagerConfig config, Settings settings, NotificationPipeline.Sender sender,
      SendRunner runner, boolean holdFirstFlush, Instant now) {
    this.settings = settings;
    this.runner = runner;
    this.holdFirstFlush = holdFirstFlush;
    this.sender = sender;
    this.store = new AlertStore(settings.alertLimits());
    this.silences = new Silences(settings.silenceLimits(), settings.retention());
    this.log = new NotificationLog(settings.retention());
    reload(config, now);
  }

  /**
   * Applies a new configuration, keeping alerts, silences and the notification log; the groups start again and the
   * stored alerts are dispatched anew, as Alertmanager's dispatcher does after a reload (alerts already older than
   * {@code group_wait} flush at once, and the log keeps them from being sent twice).
   */
  public void reload(AlertmanagerConfig newConfig, Instant now) {
    config = newConfig;
    root = DispatchRoute.root(newConfig);
    inhibitor = new Inhibitor(newConfig.inhibitRules(), store::list);
    receivers = integrations(newConfig);
    NotificationPipeline pipeline = new NotificationPipeline(receivers, inhibitor,
        new TimeIntervals(newConfig.timeIntervals()), silences, log, sender);
    dispatcher = runner == null
        ? new Dispatcher(root, pipeline, settings.maxAggregationGroups(), now)
        : new Dispatcher(root, (request, done) -> flushElsewhere(pipeline, request, done),
            settings.maxAggregationGroups(), now);
    if (holdFirstFlush) {
      dispatcher.holdFirstFlush(this::lastNotified);
    }
    for (Alert a : store.list()) {
      dispatcher.receive(a, now);
    }
  }

  /** As {@link #reload(AlertmanagerConfig, Instant)}, with the sender built for the new configuration. */
  public void reload(AlertmanagerConfig newConfig, NotificationPipeline.Sender newSender, Instant now) {
    sender = newSender;
    reload(newConfig, now);
  }

  /**
   * Shares the record of the sends in flight of the Alertmanager this one replaces (a leader's mirror rebuilt for a
   * lowered limit): this one does not start again a send its predecessor is still making, and the predecessor's
   * completion clears it for both. Call before this one's first flush.
   */
  public void adoptSendsInFlight(TenantAlertmanager predecessor) {
    sending = predecessor.sending;
  }

  private Instant lastNotified(DispatchRoute route, String groupKey, Instant now) {
    Instant last = null;
    for (NotificationPipeline.Integration i : receivers.getOrDefault(route.receiver(), List.of())) {
      NotificationLog.Entry e = log.query(groupKey, i.receiver(), now);
      if (e != null && (last == null || e.timestamp().isAfter(last))) {
        last = e.timestamp();
      }
    }
    return last;
  }

  /**
   * Takes alerts as the replicated store holds them (merged and admitted there) and dispatches them: the leader's
   * mirror of a {@code PostAlerts} entry.
   */
  public void mirrorAlerts(List<Alert> stored, Instant now) {
    for (Alert a : stored) {
      store.replace(a);
      dispatcher.receive(a, now);
    }
  }

  /**
   * Takes a replica's whole state (alerts as held there, silences and log merged, newer wins) and dispatches the
   * alerts anew, as after a reload: a new leader's start.
   */
  public void mirrorState(List<Alert> alerts, List<Silence> silenceList, List<NotificationLog.Entry> entries,
      Instant now) {
    for (Alert a : alerts) {
      store.replace(a);
    }
    for (Silence s : silenceList) {
      silences.merge(s, now);
    }
    for (NotificationLog.Entry e : entries) {
      log.merge(e, now);
    }
    reload(config, now);
  }

  private void flushElsewhere(NotificationPipeline pipeline, NotificationRequest request, Dispatcher.FlushDone done) {
    NotificationPipeline.Plan plan = pipeline.plan(request);
    List<NotificationPipeline.Notification> sends = new ArrayList<>();
    boolean skipped = false;
    for (NotificationPipeline.Notification n : plan.notifications()) {
      if (sending.add(sendingKey(n))) {
        sends.add(n);
      } else {
        // Not a success: the group keeps its resolved alerts until a flush of its own gets through.
        skipped = true;
      }
    }
    if (sends.isEmpty()) {
      done.complete(!skipped, request.now());
      return;
    }
    boolean[] delivered = new boolean[sends.size()];
    boolean allPlanned = !skipped;
    runner.run(() -> sendAll(pipeline.sender(), sends, delivered), completedAt -> {
      boolean ok = allPlanned;
      for (int i = 0; i < delivered.length; i++) {
        sending.remove(sendingKey(sends.get(i)));
        if (delivered[i]) {
          pipeline.logSent(plan, sends.get(i), completedAt);
        } else {
          ok = false;
        }
      }
      done.complete(ok, completedAt);
    });
  }

  private static String sendingKey(NotificationPipeline.Notification n) {
    return n.request().groupKey() + ":" + n.integration().receiver();
  }

  /** Each integration sends on its own virtual thread, as Alertmanager's fan-out stage, so one slow one delays none. */
  private static void sendAll(NotificationPipeline.Sender sender, List<NotificationPipeline.Notification> sends,
      boolean[] delivered) {
    if (sends.size() == 1) {
      delivered[0] = sendQuietly(sender, sends.get(0));
      return;
    }
    List<Thread> threads = new ArrayList<>(sends.size());
    for (int i = 0; i < sends.size(); i++) {
      int index = i;
      threads.add(Thread.ofVirtual().name("alertmanager-send").start(
          () -> delivered[index] = sendQuietly(sender, sends.get(index))));
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static boolean sendQuietly(NotificationPipeline.Sender sender, NotificationPipeline.Notification n) {
    try {
      return sender.send(n);
    } catch (RuntimeException e) {
      logger.warn("notify failed receiver={} integration={} err=\"{}\"", n.integration().receiver().groupName(),
          n.integration().receiver(), e.toString());
      return false;
    }
  }

  /** Each receiver's integrations as the nflog names them: kind and index among that kind's configs. */
  static Map<String, List<NotificationPipeline.Integration>> integrations(AlertmanagerConfig config) {
    Map<String, List<NotificationPipeline.Integration>> out = new HashMap<>();
    for (AlertmanagerConfig.Receiver r : config.receivers()) {
      List<NotificationPipeline.Integration> list = new ArrayList<>();
      Map<String, Integer> perKind = new HashMap<>();
      for (AlertmanagerConfig.Integration i : r.integrations()) {
        int index = perKind.merge(i.kind(), 1, Integer::sum) - 1;
        JsonNode sendResolved = i.config() == null ? null : i.config().get("send_resolved");
        boolean resolved = sendResolved == null || sendResolved.isNull()
            ? SEND_RESOLVED_BY_DEFAULT.contains(i.kind()) : sendResolved.asBoolean();
        list.add(new NotificationPipeline.Integration(new NotificationLog.Receiver(r.name(), i.kind(), index),
            resolved));
      }
      out.put(r.name(), List.copyOf(list));
    }
    return out;
  }

  /** Posts alerts ({@code POST /api/v2/alerts}) and dispatches the stored ones. */
  public AlertStore.PutResult post(List<AlertStore.PostableAlert> alerts, Instant now) {
    AlertStore.PutResult result = store.post(alerts, config.resolveTimeout(), now);
    for (Alert a : result.stored()) {
      dispatcher.receive(a, now);
    }
    return result;
  }

  /** Fires the flushes due by {@code now}. */
  public void advanceTo(Instant now) {
    dispatcher.advanceTo(now);
  }

  /** An alert's status and the receivers of the routes it matches (each once, in route order). */
  public AlertStatus status(Alert alert, Instant now) {
    List<String> silencedBy = silences.mutedBy(alert.labels(), now);
    String inhibiting = inhibitor.inhibitedBy(alert.labels(), now);
    List<String> inhibitedBy = inhibiting == null ? List.of() : List.of(inhibiting);
    Set<String> receivers = new LinkedHashSet<>();
    for (DispatchRoute r : root.match(alert.labels())) {
      receivers.add(r.receiver());
    }
    String state = silencedBy.isEmpty() && inhibitedBy.isEmpty() ? "active" : "suppressed";
    return new AlertStatus(state, silencedBy, inhibitedBy, List.copyOf(receivers));
  }

  public AlertmanagerConfig config() {
    return config;
  }

  public AlertStore alerts() {
    return store;
  }

  public Silences silences() {
    return silences;
  }

  public NotificationLog notificationLog() {
    return log;
  }

  public Dispatcher dispatcher() {
    return dispatcher;
  }

  /** The provider's and the state's periodic garbage collection. */
  public void collectGarbage(Instant now) {
    store.collectGarbage(now);
    silences.collectGarbage(now);
    log.collectGarbage(now);
  }
}
