package io.narthex.alertmanager.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.alertmanager.TestPorts;
import io.narthex.alertmanager.dispatch.AlertStore;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.Silence;
import io.narthex.alertmanager.dispatch.Silences;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three alertmanager replica nodes in this JVM on loopback, one cluster for the class, holding two groups of three
 * replicas. Each test leaves the three nodes running and every replica caught up. The cluster's start covers a
 * replica stopped before its groups' first election ({@link #startCluster}).
 */
class ReplicatedAlertmanagerStateTest {
  private static final int GROUPS = 2;
  private static final int MAX_ENTRY_BYTES = 64 << 10;
  private static final long T0_MS = 1_700_000_000_000L;
  private static final NotificationLog.Receiver WEBHOOK = new NotificationLog.Receiver("team", "webhook", 0);

  @TempDir
  static Path dataDir;

  /** The time every node stamps: moved by the tests, never by the wall clock. */
  private static final AtomicLong nowMs = new AtomicLong(T0_MS);
  private static final Clock CLOCK = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(nowMs.get());
    }
  };
  private static final ReplicationOptions OPTIONS = new ReplicationOptions(Duration.ofMillis(300), 8,
      Duration.ofSeconds(10), Duration.ofHours(120), MAX_ENTRY_BYTES, "127.0.0.1");

  private static AlertmanagerPlacement placement;
  private static final AlertmanagerReplicaNode[] nodes = new AlertmanagerReplicaNode[3];
  private static final ReplicatedAlertmanagerState[] states = new ReplicatedAlertmanagerState[3];
  private static final List<String> leadership = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startCluster() throws IOException {
    // As in ReplicatedMultitenantAlertmanagerTest: a Ratis fatal error throws and logs rather than ending the JVM.
    org.apache.ratis.util.ExitUtils.disableSystemExit();
    List<AlertmanagerPlacement.Node> list = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      list.add(new AlertmanagerPlacement.Node("am-" + i, "127.0.0.1:" + TestPorts.freePort()));
    }
    placement = AlertmanagerPlacement.roundRobin(list, GROUPS, 3);
    // Each node first starts alone and stops before its groups' first election (one replica of three cannot win
    // one), as processes that crashed at their first boot: their group directories hold no configuration, and the
    // cluster must still elect when they start again. Alone: its peers' addresses lead nowhere, so the three can
    // do it at once.
    inParallel(i -> {
      List<AlertmanagerPlacement.Node> alone = new ArrayList<>();
      for (AlertmanagerPlacement.Node node : placement.nodes()) {
        alone.add(node.id().equals("am-" + i) ? node : new AlertmanagerPlacement.Node(node.id(), "127.0.0.1:1"));
      }
      AlertmanagerReplicaNode.start(new AlertmanagerPlacement(alone, placement.groups()), "am-" + i,
          dataDir.resolve("am-" + i), OPTIONS, CLOCK).close();
    });
    inParallel(ReplicatedAlertmanagerStateTest::start);
    awaitCaughtUp();
  }

  private interface NodeAction {
    void run(int node) throws IOException;
  }

  /** Runs the action for the three nodes at once: starting and stopping a node takes about a second. */
  private static void inParallel(NodeAction action) {
    try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        int node = i;
        futures.add(executor.submit(() -> {
          action.run(node);
          return null;
        }));
      }
      for (java.util.concurrent.Future<?> f : futures) {
        f.get();
      }
    } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void start(int i) throws IOException {
    nodes[i] = AlertmanagerReplicaNode.start(placement, "am-" + i, dataDir.resolve("am-" + i), OPTIONS, CLOCK);
    String name = "am-" + i;
    nodes[i].addLeadershipListener((group, ready) -> leadership.add(name + " group " + group + " " + ready));
    states[i] = new ReplicatedAlertmanagerState(placement, OPTIONS, nodes[i]);
  }

  private static void stop(int i) {
    states[i].close();
    nodes[i].close();
    nodes[i] = null;
  }

  @AfterAll
  static void stopCluster() {
    inParallel(i -> {
      if (nodes[i] != null) {
        stop(i);
      }
    });
  }

  @AfterEach
  void everyReplicaCaughtUp() {
    awaitCaughtUp();
  }

  /** Every node runs, each group has a ready leader, and every replica applied the same index. */
  private static void awaitCaughtUp() {
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
      for (int g = 0; g < GROUPS; g++) {
        int ready = 0;
        for (AlertmanagerReplicaNode node : nodes) {
          ready += node.isLeaderReady(g) ? 1 : 0;
        }
        long applied = nodes[0].appliedIndex(g);
        if (ready != 1 || nodes[1].appliedIndex(g) != applied || nodes[2].appliedIndex(g) != applied) {
          return false;
        }
      }
      return true;
    });
  }

  private static int leaderOf(int group) {
    for (int i = 0; i < 3; i++) {
      if (nodes[i] != null && nodes[i].isLeaderReady(group)) {
        return i;
      }
    }
    return -1;
  }

  private static Silence silence(String alertname) {
    Instant now = Instant.ofEpochMilli(nowMs.get());
    return GroupStateTest.silence("", alertname, now, now.plusSeconds(3600));
  }

  private static byte[] snapshotBytes(int node, int group) {
    return nodes[node].readLocal(group, state -> {
      BinaryCodec.Writer w = new BinaryCodec.Writer();
      state.writeSnapshot(w);
      return w.toByteArray();
    });
  }

  @Test
  void aSilenceSetThroughOneReplicaIsReadLinearizablyOnEveryOther() {
    String tenant = "linearizable";
    int group = placement.groupOf(tenant);
    // Through a follower: its client finds the leader.
    int follower = (leaderOf(group) + 1) % 3;
    String id = states[follower].setSilence(tenant, silence("Linearizable"), Silences.Limits.NONE);

    // Each read starts after the write was acknowledged: every replica answers with it, none with a stale state.
    for (ReplicatedAlertmanagerState state : states) {
      assertThat(state.silences(tenant)).extracting(Silence::id).containsExactly(id);
    }
    assertThat(UUID.fromString(id)).isNotNull();
    assertThat(states[0].silences(tenant).getFirst().updatedAt()).isEqualTo(Instant.ofEpochMilli(nowMs.get()));

    states[2].expireSilence(tenant, id);
    // Expired only strictly after its end, as Alertmanager's silence state.
    nowMs.addAndGet(1_000);
    assertThatThrownBy(() -> states[1].expireSilence(tenant, id))
        .isInstanceOfSatisfying(SilenceRefusedException.class, e -> assertThat(e.reason())
            .isEqualTo(Silences.SilenceException.Reason.ALREADY_EXPIRED))
        .hasMessage("silence " + id + " already expired");
    assertThatThrownBy(() -> states[0].expireSilence(tenant, "no-such-id"))
        .isInstanceOfSatisfying(SilenceRefusedException.class, e -> assertThat(e.notFound()).isTrue());
  }

  @Test
  void postedAlertsAreStoredAtTheLeadersTimeOnEveryReplica() {
    String tenant = "alerts";
    nowMs.addAndGet(1_000);
    ReplicatedAlertmanagerState.PostResult result = states[1].postAlerts(tenant, List.of(
        GroupStateTest.alert("HighLatency", "p99"),
        new AlertStore.PostableAlert(new java.util.TreeMap<>(Map.of("bad-name", "x")), Map.of(), null, null, "")),
        Duration.ofMinutes(5), AlertStore.Limits.NONE);
    assertThat(result.stored()).isEqualTo(1);
    assertThat(result.invalid()).containsExactly("invalid label set: invalid name \"bad-name\"");
    for (ReplicatedAlertmanagerState state : states) {
      assertThat(state.alerts(tenant)).singleElement().satisfies(a -> {
        assertThat(a.updatedAt()).isEqualTo(Instant.ofEpochMilli(nowMs.get()));
        assertThat(a.endsAt()).isEqualTo(Instant.ofEpochMilli(nowMs.get()).plus(Duration.ofMinutes(5)));
      });
    }
  }

  @Test
  void anOversizedEntryIsRefusedBeforeItIsProposedAndByTheLeader() {
    String tenant = "oversized";
    int group = placement.groupOf(tenant);
    long appliedBefore = nodes[0].appliedIndex(group);
    List<AlertStore.PostableAlert> big = List.of(GroupStateTest.alert("Big", "x".repeat(MAX_ENTRY_BYTES)));

    assertThatThrownBy(() -> states[0].postAlerts(tenant, big, Duration.ofMinutes(5), AlertStore.Limits.NONE))
        .isInstanceOf(EntryTooLargeException.class)
        .hasMessageContaining("over the limit of 65536 bytes");
    assertThat(nodes[0].appliedIndex(group)).isEqualTo(appliedBefore);

    // A client that skips the check (configured with a larger cap) is refused by the leader: nothing is appended.
    ReplicationOptions larger = new ReplicationOptions(OPTIONS.electionTimeout(), OPTIONS.snapshotEveryEntries(),
        OPTIONS.requestTimeout(), OPTIONS.retention(), 4 * MAX_ENTRY_BYTES, "");
    try (ReplicatedAlertmanagerState careless = new ReplicatedAlertmanagerState(placement, larger, null)) {
      assertThatThrownBy(() -> careless.postAlerts(tenant, big, Duration.ofMinutes(5), AlertStore.Limits.NONE))
          .isInstanceOf(EntryTooLargeException.class);
    }
    assertThat(states[1].alerts(tenant)).isEmpty();
    assertThat(nodes[leaderOf(group)].appliedIndex(group)).isEqualTo(appliedBefore);
  }

  @Test
  void whenTheLeaderDiesTheSilenceSurvivesAndTheNextLeaderFindsTheIntentInDoubt() throws IOException {
    String tenant = "failover";
    int group = placement.groupOf(tenant);
    int oldLeader = leaderOf(group);
    String silenceId = states[oldLeader].setSilence(tenant, silence("Failover"), Silences.Limits.NONE);
    NotifyIntent sent = new NotifyIntent("intent-sent", "{}:{alertname=\"A\"}", WEBHOOK, Set.of(1L), Set.of(), null);
    NotifyIntent inDoubt = new NotifyIntent("intent-in-doubt", "{}:{alertname=\"B\"}", WEBHOOK, Set.of(2L),
        Set.of(), null);
    states[oldLeader].notifyIntent(tenant, sent);
    nowMs.addAndGet(1_000);
    assertThat(states[oldLeader].notifyDone(tenant, "intent-sent")).isTrue();
    // The leader dies between committing this intent and its done.
    states[oldLeader].notifyIntent(tenant, inDoubt);
    leadership.clear();
    stop(oldLeader);

    int newLeader = Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> leaderOf(group), i -> i >= 0);
    assertThat(newLeader).isNotEqualTo(oldLeader);
    assertThat(leadership).contains("am-" + newLeader + " group " + group + " true");
    assertThat(states[newLeader].silences(tenant)).extracting(Silence::id).containsExactly(silenceId);
    assertThat(states[newLeader].openIntents(tenant)).extracting(NotifyIntent::intentId)
        .containsExactly("intent-in-doubt");
    assertThat(states[newLeader].notificationLog(tenant)).singleElement().satisfies(e -> {
      assertThat(e.groupKey()).isEqualTo("{}:{alertname=\"A\"}");
      assertThat(e.timestamp()).isEqualTo(Instant.ofEpochMilli(nowMs.get()));
    });
    // The new leader re-sends it and closes it.
    assertThat(states[newLeader].notifyDone(tenant, "intent-in-doubt")).isTrue();
    assertThat(states[newLeader].openIntents(tenant)).isEmpty();

    start(oldLeader);
    awaitCaughtUp();
    assertThat(states[oldLeader].silences(tenant)).extracting(Silence::id).containsExactly(silenceId);
  }

  @Test
  void aGroupWithoutALeaderFailsAsUnavailableWithinTheRequestTimeout() {
    // A placement whose replicas all lead nowhere: no leader will answer.
    List<AlertmanagerPlacement.Node> dead = new ArrayList<>();
    for (AlertmanagerPlacement.Node node : placement.nodes()) {
      dead.add(new AlertmanagerPlacement.Node(node.id(), "127.0.0.1:1"));
    }
    ReplicationOptions shortTimeout = new ReplicationOptions(OPTIONS.electionTimeout(),
        OPTIONS.snapshotEveryEntries(), Duration.ofMillis(500), OPTIONS.retention(), MAX_ENTRY_BYTES, "");
    try (ReplicatedAlertmanagerState unreachable = new ReplicatedAlertmanagerState(
        new AlertmanagerPlacement(dead, placement.groups()), shortTimeout, null)) {
      assertThatThrownBy(() -> unreachable.setSilence("t", silence("X"), Silences.Limits.NONE))
          .isInstanceOf(StateUnavailableException.class)
          .hasMessageStartingWith("alertmanager state group " + placement.groupOf("t") + " is unavailable");
      assertThatThrownBy(() -> unreachable.silences("t")).isInstanceOf(StateUnavailableException.class);
    }
  }

  @Test
  void transferLeadershipHandsEveryGroupTheNodeLedToAnotherReplica() {
    int leader = leaderOf(0);
    nodes[leader].transferLeadership();
    for (int g = 0; g < GROUPS; g++) {
      int group = g;
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
          .until(() -> leaderOf(group) >= 0 && leaderOf(group) != leader);
    }
    // The new leaders take writes.
    assertThat(states[leader].setSilence("transfer", silence("Transfer"), Silences.Limits.NONE)).isNotEmpty();
  }

  @Test
  void transferLeadershipSkipsAStoppedReplicaForOneThatIsUpAndCaughtUp() throws IOException {
    int group = 0;
    int leader = leaderOf(group);
    // The replica listed first after the leader: the one a hand-over to the first other replica would pick.
    String first = placement.groups().get(group).stream().filter(id -> !id.equals("am-" + leader)).findFirst()
        .orElseThrow();
    int down = Integer.parseInt(first.substring("am-".length()));
    int live = 3 - leader - down;
    stop(down);
    try {
      // A change the stopped replica cannot acknowledge: its match index falls behind the live one's.
      states[live].setSilence("handover", silence("Handover"), Silences.Limits.NONE);
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
          .until(() -> nodes[leader].transferTargets(group).getFirst().toString(), ("am-" + live)::equals);

      Map<Integer, String> handedTo = nodes[leader].transferLeadership();

      assertThat(handedTo).containsEntry(group, "am-" + live).doesNotContainValue("am-" + down);
      Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
          .until(() -> leaderOf(group) == live);
    } finally {
      start(down);
    }
  }

  @Test
  void anIntentOfADeposedLeaderIsRefusedByTheLeaderItsClientForwardsItTo() {
    String tenant = "fenced";
    int group = placement.groupOf(tenant);
    int oldLeader = leaderOf(group);
    long term = nodes[oldLeader].leaderTerm(group);
    assertThat(term).isPositive();
    NotifyIntent beforeTransfer = new NotifyIntent("intent-before", "{}:{alertname=\"A\"}", WEBHOOK, Set.of(1L),
        Set.of(), null);
    states[oldLeader].notifyIntent(tenant, beforeTransfer, term);

    nodes[oldLeader].transferLeadership();
    int newLeader = Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> leaderOf(group), i -> i >= 0 && i != oldLeader);
    // The deposed leader's dispatch has not heard yet: its client forwards the intent to the new leader.
    NotifyIntent deposed = new NotifyIntent("intent-deposed", "{}:{alertname=\"A\"}", WEBHOOK, Set.of(1L),
        Set.of(), null);
    assertThatThrownBy(() -> states[oldLeader].notifyIntent(tenant, deposed, term))
        .isInstanceOf(StateUnavailableException.class).hasMessageContaining("deposed");
    assertThat(nodes[oldLeader].leaderTerm(group)).isEqualTo(-1);
    long newTerm = nodes[newLeader].leaderTerm(group);
    assertThat(newTerm).isGreaterThan(term);
    states[newLeader].notifyIntent(tenant, new NotifyIntent("intent-after", "{}:{alertname=\"A\"}", WEBHOOK,
        Set.of(1L), Set.of(), null), newTerm);
    assertThat(states[newLeader].openIntents(tenant)).extracting(NotifyIntent::intentId)
        .containsExactly("intent-before", "intent-after");
  }

  @Test
  void aRestartedReplicaRecoversFromItsSnapshotAndLogThenCatchesUp() throws IOException {
    String tenant = "restart";
    int group = placement.groupOf(tenant);
    int down = (leaderOf(group) + 2) % 3;
    // More than a snapshot's worth (8 entries) before the stop: the replica restarts from its own snapshot.
    for (int i = 0; i < 9; i++) {
      states[down].setSilence(tenant, silence("BeforeStop" + i), Silences.Limits.NONE);
    }
    awaitCaughtUp();
    stop(down);
    Path stateMachineDir = dataDir.resolve("am-" + down).resolve("raft")
        .resolve(AlertmanagerPlacement.groupId(group).getUuid().toString()).resolve("sm");
    try (Stream<Path> files = Files.list(stateMachineDir)) {
      assertThat(files.map(p -> p.getFileName().toString())).anyMatch(name -> name.startsWith("snapshot."));
    }
    // More entries than a snapshot's worth (8) while it is down: the leader purges its log and sends the snapshot.
    int up = (down + 1) % 3;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      nowMs.addAndGet(10);
      ids.add(states[up].setSilence(tenant, silence("WhileDown" + i), Silences.Limits.NONE));
    }
    states[up].postAlerts(tenant, List.of(GroupStateTest.alert("WhileDown", "x")), Duration.ofMinutes(5),
        AlertStore.Limits.NONE);

    start(down);
    awaitCaughtUp();
    assertThat(states[down].silences(tenant)).hasSize(29).extracting(Silence::id).containsAll(ids);
    for (int g = 0; g < GROUPS; g++) {
      byte[] expected = snapshotBytes(0, g);
      assertThat(snapshotBytes(1, g)).as("group " + g).isEqualTo(expected);
      assertThat(Arrays.equals(snapshotBytes(2, g), expected)).as("group " + g).isTrue();
    }
  }
}
