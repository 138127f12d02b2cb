package io.narthex.alertmanager.dispatch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The stages a flush goes through before an integration sends, in the order of Alertmanager's
 * {@code notify.PipelineBuilder.New}: inhibition drops inhibited alerts; outside the route's active time intervals,
 * or inside its mute time intervals, everything is dropped; silences drop silenced alerts; then, for each integration
 * of the receiver, the dedup stage asks the {@link NotificationLog} whether the group needs a notification, the
 * {@link Sender} sends, and a successful send is logged. A stage that leaves no alert ends the pipeline successfully,
 * as Alertmanager's {@code MultiStage}. The flush succeeds when every integration's send did.
 *
 * <p>{@link #notify} runs all of it in the caller. To send outside the tenant's lock, split it: {@link #plan} (under
 * the lock) decides which integrations send what, the caller sends each {@link Plan#notifications()} elsewhere, and
 * {@link #logSent} (under the lock again) writes each delivered one to the log.
 */
public final class NotificationPipeline implements Dispatcher.Notifier {
  /** One integration of a receiver: its nflog identity and whether it sends resolved alerts. */
  public record Integration(NotificationLog.Receiver receiver, boolean sendResolved) {}

  /** What an integration is asked to send. */
  public record Notification(NotificationRequest request, Integration integration, List<Alert> alerts) {}

  /**
   * The sends one flush needs: empty when every alert is muted or every integration is up to date.
   *
   * @param firing {@link NotificationLog#hashAlert} of each firing alert sent
   * @param resolved {@link NotificationLog#hashAlert} of each resolved alert sent
   */
  public record Plan(List<Notification> notifications, Set<Long> firing, Set<Long> resolved) {
    static final Plan NOTHING = new Plan(List.of(), Set.of(), Set.of());
  }

  /**
   * Sends one notification (item 4's receivers); returns whether it was delivered. May block (retries until the
   * group interval ends); called outside the tenant's lock, for different groups at once.
   */
  @FunctionalInterface
  public interface Sender {
    boolean send(Notification notification);
  }

  private final Map<String, List<Integration>> receivers;
  private final Inhibitor inhibitor;
  private final TimeIntervals timeIntervals;
  private final Silences silences;
  private final NotificationLog log;
  private final Sender sender;

  /** @param receivers each receiver name's integrations, in configuration order */
  public NotificationPipeline(Map<String, List<Integration>> receivers, Inhibitor inhibitor,
      TimeIntervals timeIntervals, Silences silences, NotificationLog log, Sender sender) {
    this.receivers = Map.copyOf(receivers);
    this.inhibitor = inhibitor;
    this.timeIntervals = timeIntervals;
    this.silences = silences;
    this.log = log;
    this.sender = sender;
  }

  /** The alerts of a flush left after inhibition, time intervals and silences. */
  public List<Alert> unmuted(NotificationRequest request) {
    Instant now = request.now();
    List<Alert> alerts = new ArrayList<>();
    for (Alert a : request.alerts()) {
      if (inhibitor.inhibitedBy(a.labels(), now) == null) {
        alerts.add(a);
      }
    }
    if (alerts.isEmpty()) {
      return alerts;
    }
    if (!request.activeTimeIntervals().isEmpty()
        && !timeIntervals.anyContains(request.activeTimeIntervals(), now)) {
      return List.of();
    }
    if (timeIntervals.anyContains(request.muteTimeIntervals(), now)) {
      return List.of();
    }
    alerts.removeIf(a -> !silences.mutedBy(a.labels(), now).isEmpty());
    return alerts;
  }

  /** The stages before sending: what each integration of the flush's receiver needs to send, if anything. */
  public Plan plan(NotificationRequest request) {
    List<Alert> alerts = unmuted(request);
    if (alerts.isEmpty()) {
      return Plan.NOTHING;
    }
    Instant now = request.now();
    Set<Long> firing = new HashSet<>();
    Set<Long> resolved = new HashSet<>();
    for (Alert a : alerts) {
      (a.resolvedAt(now) ? resolved : firing).add(NotificationLog.hashAlert(a.labels()));
    }
    List<Notification> out = new ArrayList<>();
    List<Alert> shared = List.copyOf(alerts);
    for (Integration integration : receivers.getOrDefault(request.receiver(), List.of())) {
      NotificationLog.Entry entry = log.query(request.groupKey(), integration.receiver(), now);
      if (NotificationLog.needsUpdate(entry, firing, resolved, integration.sendResolved(),
          request.repeatInterval(), now)) {
        out.add(new Notification(request, integration, shared));
      }
    }
    return new Plan(List.copyOf(out), Set.copyOf(firing), Set.copyOf(resolved));
  }

  /** Logs a delivered notification of {@code plan}, as the stage after a successful send (at {@code now}). */
  public void logSent(Plan plan, Notification sent, Instant now) {
    log.log(sent.request().groupKey(), sent.integration().receiver(), plan.firing(), plan.resolved(), now);
  }

  /** The sender this pipeline's flushes use. */
  public Sender sender() {
    return sender;
  }

  @Override
  public boolean notify(NotificationRequest request) {
    Plan plan = plan(request);
    boolean ok = true;
    for (Notification n : plan.notifications()) {
      if (sender.send(n)) {
        logSent(plan, n, request.now());
      } else {
        ok = false;
      }
    }
    return ok;
  }
}
