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

  // Alertmanager's send_resolved defaults per integration kind (config/notifiers.go).
  private static final Set<String> SEND_RESOLVED_BY_DEFAULT = Set.of("webhook", "pagerduty", "opsgenie",
      "victorops", "pushover", "sns", "telegram", "discord", "webex", "msteams");

  private final Settings settings;
  private final NotificationPipeline.Sender sender;
  private final AlertStore store;
  private final Silences silences;
  private final NotificationLog log;
  private AlertmanagerConfig config;
  private DispatchRoute root;
  private Inhibitor inhibitor;
  private Dispatcher dispatcher;

  public TenantAlertmanager(AlertmanagerConfig config, Settings settings, NotificationPipeline.Sender sender,
      Instant now) {
    this.settings = settings;
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
    NotificationPipeline pipeline = new NotificationPipeline(integrations(newConfig), inhibitor,
        new TimeIntervals(newConfig.timeIntervals()), silences, log, sender);
    dispatcher = new Dispatcher(root, pipeline, settings.maxAggregationGroups(), now);
    for (Alert a : store.list()) {
      dispatcher.receive(a, now);
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
