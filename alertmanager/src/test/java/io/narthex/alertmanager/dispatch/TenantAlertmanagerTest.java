package io.narthex.alertmanager.dispatch;

import static io.narthex.alertmanager.dispatch.Fixtures.at;
import static io.narthex.alertmanager.dispatch.Fixtures.labels;
import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.alertmanager.AlertmanagerConfig;
import io.narthex.alertmanager.Matcher;
import io.narthex.alertmanager.dispatch.AlertStore.PostableAlert;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TenantAlertmanagerTest {
  private static final AlertmanagerConfig CONFIG = AlertmanagerConfig.parse("""
      route: {receiver: hook, group_by: [alertname], group_wait: 10s, group_interval: 1m}
      receivers:
        - name: hook
          webhook_configs: [{url: 'http://127.0.0.1:9/a'}, {url: 'http://127.0.0.1:9/b', send_resolved: false}]
          email_configs: [{to: a@example.com, from: b@example.com, smarthost: 'localhost:25'}]
      """);

  @Test
  void integrationsAreNamedByKindAndIndexWithAlertmanagersSendResolvedDefaults() {
    assertThat(TenantAlertmanager.integrations(CONFIG).get("hook")).containsExactlyInAnyOrder(
        new NotificationPipeline.Integration(new NotificationLog.Receiver("hook", "webhook", 0), true),
        new NotificationPipeline.Integration(new NotificationLog.Receiver("hook", "webhook", 1), false),
        new NotificationPipeline.Integration(new NotificationLog.Receiver("hook", "email", 0), false));
  }

  @Test
  void reloadKeepsAlertsSilencesAndTheLogSoNothingIsSentTwice() {
    List<NotificationPipeline.Notification> sent = new ArrayList<>();
    TenantAlertmanager tenant = new TenantAlertmanager(CONFIG, TenantAlertmanager.Settings.DEFAULTS, sent::add, at(0));
    tenant.silences().set(new Silence(null, Matcher.parseAll("alertname=\"quiet\""), at(0), at(3600), null, "me",
        ""), at(0));
    tenant.post(List.of(new PostableAlert(labels("alertname", "x"), Map.of(), null, null, null),
        new PostableAlert(labels("alertname", "quiet"), Map.of(), null, null, null)), at(0));
    tenant.advanceTo(at(10));
    assertThat(sent).hasSize(3).allMatch(n -> n.request().groupLabels().equals(labels("alertname", "x")));

    tenant.reload(CONFIG, at(20));
    tenant.advanceTo(at(100));
    assertThat(sent).as("the re-dispatched alert is older than group_wait but already notified").hasSize(3);
    assertThat(tenant.alerts().list()).hasSize(2);
    assertThat(tenant.status(tenant.alerts().list().get(1), at(100)).state()).isEqualTo("suppressed");
  }

  @Test
  void aGroupRebuiltByAReloadDoesNotSendWhatItsPredecessorIsStillSending() {
    List<Runnable> sends = new ArrayList<>();
    List<java.util.function.Consumer<java.time.Instant>> completions = new ArrayList<>();
    // The integrations of a flush send on virtual threads of their own.
    List<NotificationPipeline.Notification> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
    // A runner that holds every flush's sends until the test runs them.
    TenantAlertmanager tenant = new TenantAlertmanager(CONFIG, TenantAlertmanager.Settings.DEFAULTS, n -> sent.add(n),
        (send, complete) -> {
          sends.add(send);
          completions.add(complete);
        }, at(0));
    tenant.post(List.of(new PostableAlert(labels("alertname", "x"), Map.of(), null, null, null)), at(0));
    tenant.advanceTo(at(10));
    assertThat(sends).hasSize(1);

    // The reload re-dispatches the alert, older than group_wait: its new group flushes at once.
    tenant.reload(CONFIG, at(20));
    tenant.advanceTo(at(20));
    assertThat(sends).as("the first flush's sends are still in flight").hasSize(1);

    sends.getFirst().run();
    completions.getFirst().accept(at(25));
    assertThat(sent).hasSize(3);
    tenant.advanceTo(at(90));
    assertThat(sends).as("once logged, the group is up to date").hasSize(1);
  }
}
