package io.narthex.alertmanager.dispatch;

import static io.narthex.alertmanager.dispatch.Fixtures.at;
import static io.narthex.alertmanager.dispatch.Fixtures.firing;
import static io.narthex.alertmanager.dispatch.Fixtures.labels;
import static io.narthex.alertmanager.dispatch.Fixtures.resolved;
import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.alertmanager.AlertmanagerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DispatcherTest {
  private static final String CONFIG = """
      route:
        receiver: default
        group_by: [alertname]
        group_wait: 10s
        group_interval: 1m
        repeat_interval: 3m
        routes:
          - matchers: ['team="a"', 'alertname=~"x|y"']
            receiver: team-a
            continue: true
            routes:
              - match: {severity: page}
                group_wait: 5s
          - match_re: {team: 'a|b'}
            receiver: team-ab
            group_by: ['...']
          - receiver: never
      receivers:
        - name: default
        - name: team-a
        - name: team-ab
        - name: never
      """;

  private final DispatchRoute root = DispatchRoute.root(AlertmanagerConfig.parse(CONFIG));
  private final List<NotificationRequest> flushes = new ArrayList<>();

  @Test
  void routeKeyAndIdFollowAlertmanagerAndChildrenInheritUnsetFields() {
    DispatchRoute teamA = root.routes().get(0);
    DispatchRoute page = teamA.routes().getFirst();
    assertThat(teamA.key()).isEqualTo("{}/{alertname=~\"x|y\",team=\"a\"}");
    assertThat(teamA.id()).isEqualTo("{}/{alertname=~\"x|y\",team=\"a\"}/0");
    assertThat(page.key()).isEqualTo("{}/{alertname=~\"x|y\",team=\"a\"}/{severity=\"page\"}");
    assertThat(page.receiver()).isEqualTo("team-a");
    assertThat(page.groupBy()).containsExactly("alertname");
    assertThat(page.groupWait()).isEqualTo(Duration.ofSeconds(5));
    assertThat(page.groupInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(page.repeatInterval()).isEqualTo(Duration.ofMinutes(3));
    DispatchRoute defaults = DispatchRoute.root(AlertmanagerConfig.parse("route: {receiver: r}\nreceivers: [{name: r}]"));
    assertThat(defaults.groupWait()).isEqualTo(Duration.ofSeconds(30));
    assertThat(defaults.groupInterval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(defaults.repeatInterval()).isEqualTo(Duration.ofHours(4));
  }

  @Test
  void firstMatchingChildWinsUnlessContinueAndUnmatchedAlertsStayAtTheParent() {
    assertThat(root.match(labels("alertname", "x", "team", "a", "severity", "page")))
        .extracting(DispatchRoute::receiver).containsExactly("team-a", "team-ab");
    assertThat(root.match(labels("alertname", "z", "team", "b"))).extracting(DispatchRoute::receiver)
        .containsExactly("team-ab");
    assertThat(root.match(labels("alertname", "z"))).extracting(DispatchRoute::receiver).containsExactly("never");
    DispatchRoute noChildMatches = DispatchRoute.root(AlertmanagerConfig.parse("""
        route:
          receiver: r
          routes: [{matchers: ['a="b"'], receiver: s}]
        receivers: [{name: r}, {name: s}]
        """));
    assertThat(noChildMatches.match(labels("alertname", "z"))).containsExactly(noChildMatches);
  }

  @Test
  void groupKeyIsRouteKeyColonGroupLabelsAndEllipsisGroupsByAllLabels() {
    Dispatcher d = dispatcher(0);
    d.receive(firing(at(0), "alertname", "x", "team", "a", "severity", "page"), at(0));
    d.advanceTo(at(60));
    assertThat(flushes).extracting(NotificationRequest::groupKey).containsExactlyInAnyOrder(
        "{}/{alertname=~\"x|y\",team=\"a\"}/{severity=\"page\"}:{alertname=\"x\"}",
        "{}/{team=~\"a|b\"}:{alertname=\"x\", severity=\"page\", team=\"a\"}");
    assertThat(flushes.get(0).groupLabels()).isEqualTo(labels("alertname", "x"));
  }

  @Test
  void firstFlushAfterGroupWaitThenEveryGroupIntervalOnlyWhenChangedOrRepeatDue() {
    List<List<String>> sent = new ArrayList<>();
    NotificationLog log = new NotificationLog(NotificationLog.DEFAULT_RETENTION);
    var pipeline = pipeline(log, n -> sent.add(List.of(n.request().now().toString(),
        String.valueOf(n.alerts().size()))));
    Dispatcher d = new Dispatcher(root, pipeline, 0, at(0));
    d.receive(firing(at(0), "alertname", "z"), at(0));
    d.advanceTo(at(9));
    assertThat(sent).isEmpty();
    d.advanceTo(at(10));
    assertThat(sent).containsExactly(List.of(at(10).toString(), "1"));
    d.receive(firing(at(20), "alertname", "z", "instance", "2"), at(20));
    d.advanceTo(at(69));
    assertThat(sent).hasSize(1);
    d.advanceTo(at(70));
    assertThat(sent).last().isEqualTo(List.of(at(70).toString(), "2"));
    // Nothing changes: the 3m repeat interval, a multiple of the 1m interval, repeats one flush later (at 310s, not
    // 250s), because the nflog comparison is strict.
    for (int s = 0; s < 300; s += 30) {
      d.receive(firing(at(s), "alertname", "z"), at(s));
      d.receive(firing(at(s), "alertname", "z", "instance", "2"), at(s));
    }
    d.advanceTo(at(300));
    assertThat(sent).hasSize(2);
    d.receive(firing(at(305), "alertname", "z"), at(305));
    d.receive(firing(at(305), "alertname", "z", "instance", "2"), at(305));
    d.advanceTo(at(310));
    assertThat(sent).hasSize(3).last().isEqualTo(List.of(at(310).toString(), "2"));
  }

  @Test
  void repeatIntervalIsRoundedUpToTheGroupIntervalTickAfterIt() {
    // Alertmanager 0.25 with group_wait 1s, group_interval 1s, repeat_interval 2s notified at +1s, +4s, +7s, +10s.
    DispatchRoute fast = DispatchRoute.root(AlertmanagerConfig.parse("""
        route: {receiver: never, group_wait: 1s, group_interval: 1s, repeat_interval: 2s}
        receivers: [{name: never}]
        """));
    List<String> sent = new ArrayList<>();
    Dispatcher d = new Dispatcher(fast, pipeline(new NotificationLog(Duration.ofHours(1)),
        n -> sent.add(n.request().now().toString())), 0, at(0));
    d.receive(firing(at(0), "alertname", "x"), at(0));
    d.advanceTo(at(11));
    assertThat(sent).containsExactly(at(1).toString(), at(4).toString(), at(7).toString(), at(10).toString());
  }

  @Test
  void alertResolvedWithinGroupWaitProducesNoNotificationAndLeavesTheGroup() {
    List<NotificationPipeline.Notification> sent = new ArrayList<>();
    Dispatcher d = new Dispatcher(root, pipeline(new NotificationLog(Duration.ofHours(1)), sent::add), 0, at(0));
    d.receive(firing(at(0), "alertname", "z"), at(0));
    d.receive(resolved(at(0), at(5), at(5), "alertname", "z"), at(5));
    d.advanceTo(at(10));
    assertThat(sent).isEmpty();
    assertThat(d.groups().getFirst().alerts()).isEmpty();
    d.advanceTo(at(30));
    assertThat(d.groups()).isEmpty();
  }

  @Test
  void resolvedAlertIsNotifiedOnceThenLeavesTheGroup() {
    List<NotificationPipeline.Notification> sent = new ArrayList<>();
    Dispatcher d = new Dispatcher(root, pipeline(new NotificationLog(Duration.ofHours(1)), sent::add), 0, at(0));
    d.receive(firing(at(0), "alertname", "z"), at(0));
    d.advanceTo(at(10));
    d.receive(resolved(at(0), at(30), at(30), "alertname", "z"), at(30));
    d.advanceTo(at(70));
    assertThat(sent).hasSize(2);
    assertThat(sent.get(0).alerts().getFirst().endsAt()).as("firing alerts are sent without an end").isNull();
    assertThat(sent.get(1).alerts().getFirst().endsAt()).isEqualTo(at(30));
    assertThat(d.groups().getFirst().alerts()).isEmpty();
    d.advanceTo(at(200));
    assertThat(sent).hasSize(2);
  }

  @Test
  void alertOlderThanGroupWaitIsFlushedAtOnce() {
    Dispatcher d = dispatcher(0);
    d.receive(firing(at(-60), "alertname", "z"), at(0));
    d.advanceTo(at(0));
    assertThat(flushes).hasSize(1);
  }

  @Test
  void failedNotificationKeepsResolvedAlertsForTheNextFlush() {
    List<Boolean> outcomes = new ArrayList<>(List.of(false, true));
    Dispatcher d = new Dispatcher(root, r -> {
      flushes.add(r);
      return outcomes.removeFirst();
    }, 0, at(0));
    d.receive(resolved(at(0), at(1), at(1), "alertname", "z"), at(1));
    d.advanceTo(at(11));
    assertThat(d.groups().getFirst().alerts()).hasSize(1);
    d.advanceTo(at(71));
    assertThat(d.groups().getFirst().alerts()).isEmpty();
  }

  @Test
  void aggregationGroupLimitDropsAlertsOfNewGroups() {
    Dispatcher d = dispatcher(1);
    d.receive(firing(at(0), "alertname", "z"), at(0));
    d.receive(firing(at(0), "alertname", "w"), at(0));
    assertThat(d.groupCount()).isEqualTo(1);
    assertThat(d.groupLimitReached()).isEqualTo(1);
  }

  @Test
  void aGroupWhoseFlushIsStillSendingDoesNotFlushAgainUntilItCompletes() {
    List<Dispatcher.FlushDone> pending = new ArrayList<>();
    // z's sends hang until the test completes them; w's complete at once.
    Dispatcher d = new Dispatcher(root, (Dispatcher.FlushHandler) (request, done) -> {
      flushes.add(request);
      if (request.groupLabels().get("alertname").equals("z")) {
        pending.add(done);
      } else {
        done.complete(true, request.now());
      }
    }, 0, at(0));
    d.receive(firing(at(0), "alertname", "z"), at(0));
    d.receive(firing(at(0), "alertname", "w"), at(0));
    d.advanceTo(at(150));
    assertThat(flushes).extracting(r -> r.groupLabels().get("alertname")).containsExactly("z", "w", "w", "w");
    assertThat(pending).hasSize(1);
    pending.get(0).complete(false, at(155));
    assertThat(d.nextFlush()).as("the flush that fell due meanwhile runs at the completion").isEqualTo(at(155));
    d.advanceTo(at(155));
    assertThat(flushes).extracting(r -> r.groupLabels().get("alertname")).containsExactly("z", "w", "w", "w", "z");
    assertThat(flushes.get(4).now()).isEqualTo(at(155));
  }

  private Dispatcher dispatcher(int maxGroups) {
    return new Dispatcher(root, r -> flushes.add(r), maxGroups, at(0));
  }

  private static NotificationPipeline pipeline(NotificationLog log,
      java.util.function.Consumer<NotificationPipeline.Notification> sink) {
    Map<String, List<NotificationPipeline.Integration>> receivers = Map.of("never", List.of(
        new NotificationPipeline.Integration(new NotificationLog.Receiver("never", "webhook", 0), true)));
    return new NotificationPipeline(receivers, new Inhibitor(List.of(), List::of), new TimeIntervals(Map.of()),
        new Silences(Silences.Limits.NONE, Duration.ofHours(1)), log, n -> {
          sink.accept(n);
          return true;
        });
  }
}
