package io.narthex.alertmanager.dispatch;

import static io.narthex.alertmanager.dispatch.Fixtures.at;
import static io.narthex.alertmanager.dispatch.Fixtures.labels;
import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.alertmanager.dispatch.AlertStore.PostableAlert;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertTest {
  @Test
  void fingerprintIsAlertmanagersLabelSetFingerprint() {
    // Values read from Debian's Alertmanager 0.25 GET /api/v2/alerts.
    assertThat(new Alert(labels("alertname", "x", "severity", "page", "team", "a"), Map.of(), at(0), null, "",
        at(0), false).fingerprintHex()).isEqualTo("150f8fff90b15c08");
    assertThat(LabelSets.hex(LabelSets.fingerprint(labels("alertname", "y")))).isEqualTo("d23eefc3896b6f8f");
    assertThat(LabelSets.hex(LabelSets.fingerprint(labels()))).isEqualTo("cbf29ce484222325");
  }

  @Test
  void alertPostedWithoutEndGetsResolveTimeoutAndWithoutStartStartsNow() {
    AlertStore store = new AlertStore(AlertStore.Limits.NONE);
    var result = store.post(List.of(new PostableAlert(labels("alertname", "x"), Map.of(), null, null, null)),
        Duration.ofMinutes(3), at(10));
    Alert a = result.stored().getFirst();
    assertThat(a.startsAt()).isEqualTo(at(10));
    assertThat(a.endsAt()).isEqualTo(at(190));
    assertThat(a.timeout()).isTrue();
    assertThat(a.updatedAt()).isEqualTo(at(10));
  }

  @Test
  void repostedAlertKeepsEarliestStartAndExplicitResolutionWins() {
    AlertStore store = new AlertStore(AlertStore.Limits.NONE);
    Duration timeout = Duration.ofMinutes(5);
    store.post(List.of(new PostableAlert(labels("alertname", "x"), Map.of(), at(0), null, null)), timeout, at(0));
    store.post(List.of(new PostableAlert(labels("alertname", "x"), Map.of(), at(60), null, null)), timeout, at(60));
    Alert merged = store.list().getFirst();
    assertThat(merged.startsAt()).isEqualTo(at(0));
    assertThat(merged.endsAt()).isEqualTo(at(360));
    store.post(List.of(new PostableAlert(labels("alertname", "x"), Map.of(), at(0), at(90), null)), timeout, at(90));
    assertThat(store.list().getFirst().endsAt()).isEqualTo(at(90));
    assertThat(store.list().getFirst().resolvedAt(at(90))).isTrue();
  }

  @Test
  void repostsMergeOnlyWhenRangesOverlapAndAnExplicitEndOutlivesATimeout() {
    // The sequence and outcome observed on Debian's Alertmanager 0.25 (GET /api/v2/alerts after each post).
    AlertStore store = new AlertStore(AlertStore.Limits.NONE);
    Duration timeout = Duration.ofMinutes(5);
    java.time.Instant now = at(25_000);
    java.time.Instant far = at(10_000_000);
    store.post(List.of(new PostableAlert(labels("alertname", "m"), Map.of(), at(0), at(300), null)), timeout, now);
    store.post(List.of(new PostableAlert(labels("alertname", "m"), Map.of(), at(3600), null, null)), timeout, now);
    Alert m = store.get(LabelSets.fingerprint(labels("alertname", "m")));
    assertThat(m.startsAt()).as("a disjoint range replaces").isEqualTo(at(3600));
    assertThat(m.endsAt()).isEqualTo(now.plus(timeout));
    store.post(List.of(new PostableAlert(labels("alertname", "n"), Map.of(), at(0), null, null)), timeout, now);
    store.post(List.of(new PostableAlert(labels("alertname", "n"), Map.of(), at(1800), far, null)), timeout, now);
    store.post(List.of(new PostableAlert(labels("alertname", "n"), Map.of(), at(2400), null, null)), timeout, now);
    Alert n = store.get(LabelSets.fingerprint(labels("alertname", "n")));
    assertThat(n.startsAt()).isEqualTo(at(0));
    assertThat(n.endsAt()).isEqualTo(far);
  }

  @Test
  void newAlertsBeyondCountLimitAreRefusedButUpdatesAreNot() {
    AlertStore store = new AlertStore(new AlertStore.Limits(1, 0));
    Duration timeout = Duration.ofMinutes(5);
    var first = store.post(List.of(new PostableAlert(labels("alertname", "x"), Map.of(), null, null, null)),
        timeout, at(0));
    var second = store.post(List.of(new PostableAlert(labels("alertname", "y"), Map.of(), null, null, null),
        new PostableAlert(labels("alertname", "x"), Map.of("a", "b"), null, null, null)), timeout, at(1));
    assertThat(first.refused()).isEmpty();
    assertThat(second.refused()).containsExactly("too many alerts, limit: 1");
    assertThat(second.stored()).hasSize(1);
  }

  @Test
  void alertsOverTotalSizeLimitAreRefused() {
    // alertname + x = 10 bytes each alert.
    AlertStore store = new AlertStore(new AlertStore.Limits(0, 15));
    Duration timeout = Duration.ofMinutes(5);
    store.post(List.of(new PostableAlert(labels("alertname", "x"), Map.of(), null, null, null)), timeout, at(0));
    var result = store.post(List.of(new PostableAlert(labels("alertname", "y"), Map.of(), null, null, null)),
        timeout, at(0));
    assertThat(result.refused()).containsExactly("alerts too big, total size limit: 15 bytes");
    assertThat(store.totalSizeBytes()).isEqualTo(10);
  }

  @Test
  void invalidAlertsAreRefusedWithAlertmanagersMessagesWhileValidOnesOfTheBatchAreStored() {
    // Messages and outcomes as Debian's Alertmanager 0.25 answers POST /api/v2/alerts.
    AlertStore store = new AlertStore(AlertStore.Limits.NONE);
    var result = store.post(List.of(new PostableAlert(labels("alertname", "x"), Map.of(), at(10), at(5), null),
        new PostableAlert(labels(), Map.of(), null, null, null),
        new PostableAlert(labels("1a", "x"), Map.of(), null, null, null),
        new PostableAlert(labels("a", "b"), Map.of("1x", "y"), null, null, null),
        new PostableAlert(labels("e", ""), Map.of(), null, null, null),
        new PostableAlert(labels("alertname", "x", "e", ""), Map.of(), null, null, null)),
        Duration.ofMinutes(5), at(20));
    assertThat(result.invalid()).containsExactly("start time must be before end time",
        "at least one label pair required", "invalid label set: invalid name \"1a\"",
        "invalid annotations: invalid name \"1x\"", "at least one label pair required");
    assertThat(result.stored()).singleElement().satisfies(a -> {
      assertThat(a.labels()).isEqualTo(labels("alertname", "x"));
      assertThat(a.fingerprintHex()).isEqualTo("d240efc3896bf266");
    });
  }

  @Test
  void notificationOrderIsJobThenInstanceThenLabels() {
    Alert a = Fixtures.firing(at(0), "alertname", "a", "job", "b");
    Alert b = Fixtures.firing(at(0), "alertname", "b", "job", "a");
    Alert c = Fixtures.firing(at(0), "alertname", "c");
    List<Alert> sorted = new java.util.ArrayList<>(List.of(c, a, b));
    sorted.sort(Alert.NOTIFICATION_ORDER);
    assertThat(sorted).containsExactly(b, a, c);
  }
}
