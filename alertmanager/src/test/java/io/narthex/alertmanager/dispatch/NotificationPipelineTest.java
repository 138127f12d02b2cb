package io.narthex.alertmanager.dispatch;

import static io.narthex.alertmanager.dispatch.Fixtures.at;
import static io.narthex.alertmanager.dispatch.Fixtures.firing;
import static io.narthex.alertmanager.dispatch.Fixtures.labels;
import static io.narthex.alertmanager.dispatch.Fixtures.resolved;
import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.alertmanager.AlertmanagerConfig;
import io.narthex.alertmanager.Matcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NotificationPipelineTest {
  private static final String CONFIG = """
      route:
        receiver: hook
        group_by: [alertname]
        group_wait: 10s
        group_interval: 1m
        routes:
          - matchers: [muted="yes"]
            mute_time_intervals: [always]
            routes:
              - matchers: [sub="yes"]
          - matchers: [active="no"]
            active_time_intervals: [never]
      time_intervals:
        - name: always
          time_intervals: [{}]
        - name: never
          time_intervals: [{years: ['1999']}]
      inhibit_rules:
        - source_matchers: [severity="critical"]
          target_matchers: [severity="warning"]
          equal: [alertname]
      receivers:
        - name: hook
      """;

  private final AlertmanagerConfig config = AlertmanagerConfig.parse(CONFIG);
  private final AlertStore store = new AlertStore(AlertStore.Limits.NONE);
  private final Silences silences = new Silences(Silences.Limits.NONE, Duration.ofHours(1));
  private final NotificationLog log = new NotificationLog(Duration.ofHours(1));
  private final List<NotificationPipeline.Notification> sent = new ArrayList<>();
  private final NotificationLog.Receiver hook = new NotificationLog.Receiver("hook", "webhook", 0);
  private final NotificationPipeline pipeline = new NotificationPipeline(
      Map.of("hook", List.of(new NotificationPipeline.Integration(hook, true))),
      new Inhibitor(config.inhibitRules(), store::list), new TimeIntervals(config.timeIntervals()), silences, log,
      n -> sent.add(n));
  private final Dispatcher dispatcher = new Dispatcher(DispatchRoute.root(config), pipeline, 0, at(0));

  private void post(Alert a) {
    store.put(a, a.updatedAt());
    dispatcher.receive(store.get(a.fingerprint()), a.updatedAt());
  }

  @Test
  void inhibitedAndSilencedAlertsAreDroppedAndTheRestNotified() {
    post(firing(at(0), "alertname", "x", "severity", "critical"));
    post(firing(at(0), "alertname", "x", "severity", "warning"));
    post(firing(at(0), "alertname", "x", "severity", "info"));
    silences.set(new Silence(null, Matcher.parseAll("severity=info"), at(0), at(1000), null, "me", ""), at(0));
    dispatcher.advanceTo(at(10));
    assertThat(sent).hasSize(1);
    assertThat(sent.getFirst().alerts()).extracting(a -> a.labels().get("severity")).containsExactly("critical");
  }

  @Test
  void routeInMuteTimeSendsNothingAndLogsNothingButItsChildIsNotMuted() {
    post(firing(at(0), "alertname", "x", "muted", "yes"));
    post(firing(at(0), "alertname", "y", "muted", "yes", "sub", "yes"));
    post(firing(at(0), "alertname", "z", "active", "no"));
    dispatcher.advanceTo(at(10));
    assertThat(sent).extracting(n -> n.request().groupLabels()).containsExactly(labels("alertname", "y"));
    assertThat(log.snapshot()).hasSize(1);
  }

  @Test
  void unchangedGroupIsNotRenotifiedButANewFiringOrResolvedAlertIs() {
    post(firing(at(0), "alertname", "x"));
    dispatcher.advanceTo(at(70));
    assertThat(sent).hasSize(1);
    post(firing(at(75), "alertname", "x", "instance", "2"));
    dispatcher.advanceTo(at(130));
    assertThat(sent).hasSize(2);
    post(resolved(at(75), at(140), at(140), "alertname", "x", "instance", "2"));
    dispatcher.advanceTo(at(190));
    assertThat(sent).hasSize(3);
    assertThat(sent.getLast().alerts()).hasSize(2);
    NotificationLog.Entry entry = log.query(sent.getLast().request().groupKey(), hook, at(190));
    assertThat(entry.firing()).containsExactly(NotificationLog.hashAlert(labels("alertname", "x")));
    assertThat(entry.resolved()).hasSize(1);
  }

  @Test
  void dedupNeedsUpdateAsAlertmanagersDedupStage() {
    NotificationLog.Entry entry = new NotificationLog.Entry("g", hook, Set.of(1L, 2L), Set.of(3L), at(0), at(100));
    Duration repeat = Duration.ofSeconds(60);
    assertThat(NotificationLog.needsUpdate(null, Set.of(), Set.of(3L), true, repeat, at(1))).isFalse();
    assertThat(NotificationLog.needsUpdate(null, Set.of(1L), Set.of(), true, repeat, at(1))).isTrue();
    assertThat(NotificationLog.needsUpdate(entry, Set.of(1L, 4L), Set.of(), true, repeat, at(1))).isTrue();
    assertThat(NotificationLog.needsUpdate(entry, Set.of(1L), Set.of(), true, repeat, at(1))).isFalse();
    assertThat(NotificationLog.needsUpdate(entry, Set.of(), Set.of(1L, 2L), false, repeat, at(1))).isTrue();
    assertThat(NotificationLog.needsUpdate(entry, Set.of(1L), Set.of(2L), true, repeat, at(1))).isTrue();
    assertThat(NotificationLog.needsUpdate(entry, Set.of(1L), Set.of(2L), false, repeat, at(1))).isFalse();
    assertThat(NotificationLog.needsUpdate(entry, Set.of(1L), Set.of(), true, repeat, at(60))).isFalse();
    assertThat(NotificationLog.needsUpdate(entry, Set.of(1L), Set.of(), true, repeat, at(61))).isTrue();
  }
}
