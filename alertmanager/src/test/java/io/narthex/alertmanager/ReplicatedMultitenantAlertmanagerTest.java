package io.narthex.alertmanager;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.alertmanager.dispatch.AlertStore;
import io.narthex.alertmanager.dispatch.NotificationPipeline;
import io.narthex.alertmanager.dispatch.Silence;
import io.narthex.alertmanager.dispatch.TenantAlertmanager;
import io.narthex.alertmanager.replication.AlertmanagerPlacement;
import io.narthex.alertmanager.replication.AlertmanagerReplicaNode;
import io.narthex.alertmanager.replication.ReplicatedAlertmanagerState;
import io.narthex.alertmanager.replication.ReplicationOptions;
import io.narthex.alertmanager.state.StatePersister;
import io.narthex.alertmanager.state.StateStore;
import io.narthex.alertmanager.state.TenantState;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three Alertmanager processes in this JVM, each a {@link MultitenantAlertmanager} over its own replica node of one
 * Raft group, as {@code -target=alertmanager} runs them with replication: writes through any of them, dispatch by the
 * group's leader only, sends fenced by committed intents. Real clock, short group timers.
 */
class ReplicatedMultitenantAlertmanagerTest {
  /**
   * Ratis ends the JVM (System.exit) on a fatal error in one of its threads, and on any uncaught exception once it
   * is loaded; in a test JVM that takes every later test class with it and loses the cause (a CI run on 156665d
   * lost this class's fork with exit code 1 and no output). Disabled, Ratis throws instead and logs the cause.
   */
  @BeforeAll
  static void keepTheTestJvm() {
    org.apache.ratis.util.ExitUtils.disableSystemExit();
  }

  private static final String TENANT = "team";
  private static final Duration GROUP_INTERVAL = Duration.ofSeconds(1);
  private static final String CONFIG = """
      route: {receiver: hook, group_by: [alertname], group_wait: 500ms, group_interval: 1s, repeat_interval: 1h}
      receivers:
        - name: hook
          webhook_configs: [{url: 'http://127.0.0.1:9/a'}]
      """;
  // The production election timeout: the cases assert which process sent, and a 300 ms one let a GC pause or a
  // starved core start an election between noting the leader and its send.
  private static final ReplicationOptions OPTIONS = new ReplicationOptions(Duration.ofSeconds(1), 1000,
      Duration.ofSeconds(10), Duration.ofHours(120), 1 << 20, "127.0.0.1");

  /** One notification as a receiver got it. */
  private record Sent(int process, String groupKey, TreeSet<String> alertnames, Instant at) {}

  @TempDir Path root;
  private AlertmanagerPlacement placement;
  private final Process[] processes = new Process[3];
  private final List<Sent> sent = new CopyOnWriteArrayList<>();
  /** While set, a send of an alert of this name blocks until {@link #release} opens. */
  private volatile String blockAlertname;
  private final CountDownLatch blocked = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  /** Every process's tenants' limits, read per call as the runtime config is. */
  private volatile TenantAlertmanager.Settings settings = TenantAlertmanager.Settings.DEFAULTS;
  /** Called with (process, tenant) when a process reads a tenant's settings; null for nothing. */
  private volatile java.util.function.BiConsumer<Integer, String> onSettings;
  /** The processes that built a sender while their group's state lock was held (writes stalled meanwhile). */
  private final List<Integer> builtUnderStateLock = new CopyOnWriteArrayList<>();

  /** One alertmanager process: its bucket client, configurations, replica node, state client and runtime. */
  private final class Process {
    final int index;
    final Bucket bucket;
    final AlertmanagerConfigs configs;
    final PrometheusRegistry registry = new PrometheusRegistry();
    final StateStore stateStore;
    /** Not started: the tests persist by hand. */
    final StatePersister persister;
    final AlertmanagerReplicaNode node;
    final ReplicatedAlertmanagerState state;
    final MultitenantAlertmanager alertmanagers;

    Process(int index) throws Exception {
      this.index = index;
      bucket = Buckets.filesystem("replicated-alertmanager-" + index, root.resolve("bucket"));
      BucketAlertStore store = new BucketAlertStore(bucket, BucketAlertStore.BLOCKS_BUCKET_ROOT);
      configs = new AlertmanagerConfigs(store, FallbackConfig.load(""), registry);
      configs.sync("start");
      stateStore = new StateStore(bucket, BucketAlertStore.BLOCKS_BUCKET_ROOT, OPTIONS.retention(), 0);
      persister = new StatePersister(stateStore, Clock.systemUTC(), registry);
      node = AlertmanagerReplicaNode.start(placement, "am-" + index, root.resolve("am-" + index), OPTIONS,
          Clock.systemUTC());
      state = new ReplicatedAlertmanagerState(placement, OPTIONS, node);
      alertmanagers = new MultitenantAlertmanager(configs, (tenant, config, templates) -> {
        senderBuilt(this);
        return n -> send(index, n);
      }, tenant -> settingsOf(index, tenant), Clock.systemUTC(), registry, persister, state);
      alertmanagers.start();
    }

    boolean leads() {
      return node.isLeaderReady(0);
    }

    void stop() {
      alertmanagers.close();
      state.close();
      node.close();
      configs.close();
    }
  }

  private TenantAlertmanager.Settings settingsOf(int process, String tenant) {
    var hook = onSettings;
    if (hook != null) {
      hook.accept(process, tenant);
    }
    return settings;
  }

  /** Records whether another thread can take the group's state lock while the sender is built. */
  private void senderBuilt(Process p) {
    Thread probe = Thread.ofVirtual().start(() -> p.node.withStateLock(0, () -> {}));
    try {
      if (!probe.join(Duration.ofSeconds(5))) {
        builtUnderStateLock.add(p.index);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean send(int process, NotificationPipeline.Notification n) {
    TreeSet<String> names = new TreeSet<>();
    for (Alert a : n.alerts()) {
      names.add(a.labels().get("alertname"));
    }
    String block = blockAlertname;
    if (block != null && names.contains(block)) {
      blocked.countDown();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    sent.add(new Sent(process, n.request().groupKey(), names, Instant.now()));
    return true;
  }

  @BeforeEach
  void startThree() throws Exception {
    List<AlertmanagerPlacement.Node> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(new AlertmanagerPlacement.Node("am-" + i, "127.0.0.1:" + TestPorts.freePort()));
    }
    placement = AlertmanagerPlacement.roundRobin(nodes, 1, 3);
    try (Bucket bucket = Buckets.filesystem("replicated-alertmanager-setup", root.resolve("bucket"))) {
      new BucketAlertStore(bucket, BucketAlertStore.BLOCKS_BUCKET_ROOT)
          .set(new AlertConfigDesc(TENANT, CONFIG, Map.of()));
    }
    try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      List<java.util.concurrent.Future<Process>> started = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        int index = i;
        started.add(executor.submit(() -> new Process(index)));
      }
      for (int i = 0; i < 3; i++) {
        processes[i] = started.get(i).get();
      }
    }
    awaitLeader();
  }

  @AfterEach
  void stopAll() {
    release.countDown();
    // At once: closing a Raft server takes about a second.
    try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      for (Process p : processes) {
        if (p != null) {
          executor.execute(p::stop);
        }
      }
    }
  }

  private int awaitLeader() {
    int[] leader = {-1};
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
      int count = 0;
      for (Process p : processes) {
        if (p != null && p.leads()) {
          leader[0] = p.index;
          count++;
        }
      }
      return count == 1;
    });
    return leader[0];
  }

  private static AlertStore.PostableAlert firing(String alertname) {
    return new AlertStore.PostableAlert(new TreeMap<>(Map.of("alertname", alertname)), Map.of(), null, null, null);
  }

  private List<Sent> sentOf(String alertname) {
    return sent.stream().filter(s -> s.alertnames().contains(alertname)).toList();
  }

  private static double counter(PrometheusRegistry registry, String name) {
    return registry.scrape().stream().filter(s -> s.getMetadata().getPrometheusName().equals(name))
        .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream()).mapToDouble(d -> d.getValue()).sum();
  }

  @Test
  void onlyTheLeaderNotifiesOnceAndASilenceSetThroughAFollowerHoldsOnEveryProcess() throws Exception {
    int leader = awaitLeader();
    int follower = (leader + 1) % 3;
    int other = (leader + 2) % 3;
    Instant now = Instant.now();
    String silenceId = processes[follower].alertmanagers.setSilence(TENANT, new Silence(null,
        List.of(Matcher.of("alertname", Matcher.Type.EQUAL, "Muted")), now, now.plusSeconds(3600), null, "oncall",
        "maintenance"));

    // Acknowledged once a quorum holds it: every process reads it at once, the ones that do not lead included.
    for (Process p : processes) {
      Silence read = p.alertmanagers.withTenant(TENANT, false, (am, at) -> am.silences().get(silenceId));
      assertThat(read).as("silence read through am-%d", p.index).isNotNull();
    }
    processes[other].alertmanagers.post(TENANT, List.of(firing("Disk"), firing("Muted")));
    for (Process p : processes) {
      List<Alert> alerts = p.alertmanagers.withTenant(TENANT, false, (am, at) -> am.alerts().list());
      assertThat(alerts).hasSize(2);
    }

    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !sentOf("Disk").isEmpty());
    // Two more group intervals: a second replica sending, or the leader repeating, would show by then.
    Thread.sleep(2 * GROUP_INTERVAL.toMillis() + 500);
    assertThat(sentOf("Disk")).hasSize(1);
    if (awaitLeader() == leader) { // a re-election in the window (a stalled JVM) moves the send to the new leader
      assertThat(sentOf("Disk")).allSatisfy(s -> assertThat(s.process()).isEqualTo(leader));
    }
    assertThat(sentOf("Muted")).isEmpty();
    // The notification log is replicated: every replica's state holds the entry.
    for (Process p : processes) {
      assertThat(p.state.notificationLog(TENANT)).as("log of am-%d", p.index).hasSize(1);
      assertThat(p.state.openIntents(TENANT)).isEmpty();
    }
  }

  @Test
  void theLeaderPersistsEveryTenantOfItsGroup() throws Exception {
    int first = awaitLeader();
    // Tenants configured but without replicated state, one of them with a bucket state over the largest entry:
    // the next leader registers each and seeds the group from the bucket, where that one's seed is refused.
    List<String> configured = new ArrayList<>();
    try (Bucket bucket = Buckets.filesystem("replicated-alertmanager-setup", root.resolve("bucket"))) {
      BucketAlertStore configStore = new BucketAlertStore(bucket, BucketAlertStore.BLOCKS_BUCKET_ROOT);
      for (int i = 0; i < 20; i++) {
        configured.add("configured-" + i);
        configStore.set(new AlertConfigDesc("configured-" + i, CONFIG, Map.of()));
      }
      configStore.set(new AlertConfigDesc("oversized", CONFIG, Map.of()));
      Instant now = Instant.now();
      new StateStore(bucket, BucketAlertStore.BLOCKS_BUCKET_ROOT, OPTIONS.retention(), 0).set("oversized",
          new TenantState(List.of(new Silence(UUID.randomUUID().toString(),
              List.of(Matcher.of("alertname", Matcher.Type.EQUAL, "Big")), now, now.plusSeconds(3600), now, "me",
              "x".repeat(OPTIONS.maxEntryBytes()))), List.of()));
    }
    for (Process p : processes) {
      p.configs.sync("test");
    }
    processes[first].node.transferLeadership();
    int leader = Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> {
          for (Process p : processes) {
            if (p.index != first && p.leads()) {
              return p.index;
            }
          }
          return -1;
        }, i -> i >= 0);
    // Set.copyOf order: on the old code the refused seed stopped the registration of the ones after it.
    Awaitility.await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(configured)
        .as("registered past the tenant whose seed was refused")
        .allMatch(processes[leader].persister::registered));

    // A tenant whose first state comes after the take-over: registered off the state's lock once its mirror
    // exists, then written by the persister's next round.
    String newcomer = "newcomer";
    Instant now = Instant.now();
    String silenceId = processes[(leader + 1) % 3].alertmanagers.setSilence(newcomer, new Silence(null,
        List.of(Matcher.of("alertname", Matcher.Type.EQUAL, "Deploy")), now, now.plusSeconds(3600), null, "ci",
        "rollout"));
    Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
      processes[leader].persister.persistAll();
      assertThat(processes[leader].stateStore.get(newcomer, Instant.now()))
          .hasValueSatisfying(state -> assertThat(state.silences()).extracting(Silence::id)
              .containsExactly(silenceId));
    });
  }

  @Test
  void aNewLeaderDoesNotSendAgainWhatWasSentAndHoldsTheGroupInterval() throws Exception {
    int leader = awaitLeader();
    int survivor = (leader + 1) % 3;
    processes[survivor].alertmanagers.post(TENANT, List.of(firing("Disk")));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sentOf("Disk").size() == 1);
    Instant firstSent = sentOf("Disk").get(0).at();

    // The leader dies (its Raft server stops answering); a change to the notified group arrives meanwhile.
    processes[leader].stop();
    processes[leader] = null;
    processes[survivor].alertmanagers.post(TENANT, List.of(firing("Cpu"),
        new AlertStore.PostableAlert(new TreeMap<>(Map.of("alertname", "Disk", "disk", "sdb")), Map.of(), null,
            null, null)));
    int next = awaitLeader();
    assertThat(next).isNotEqualTo(leader);

    Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> !sentOf("Cpu").isEmpty()
        && sentOf("Disk").size() == 2);
    Thread.sleep(GROUP_INTERVAL.toMillis() + 500);
    assertThat(sentOf("Cpu")).hasSize(1).allSatisfy(s -> assertThat(s.process()).isEqualTo(next));
    List<Sent> disk = sentOf("Disk");
    // The second Disk notification carries the new alert, and waited for the group interval after the first.
    assertThat(disk).hasSize(2);
    assertThat(disk.get(1).process()).isEqualTo(next);
    assertThat(Duration.between(firstSent, disk.get(1).at())).isGreaterThanOrEqualTo(GROUP_INTERVAL);
  }

  @Test
  void aSendInDoubtWhenTheLeaderDiesIsSentAgainByTheNextLeader() throws Exception {
    int leader = awaitLeader();
    blockAlertname = "Pager";
    processes[(leader + 1) % 3].alertmanagers.post(TENANT, List.of(firing("Pager")));
    // The leader committed its intent and is inside the send when it dies: nobody knows whether the page went out.
    assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
    blockAlertname = null;
    Process dying = processes[leader];
    processes[leader] = null;
    Thread stopper = Thread.ofVirtual().start(dying::stop);
    int next = awaitLeader();

    Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> !sentOf("Pager").isEmpty());
    assertThat(sentOf("Pager")).first().satisfies(s -> assertThat(s.process()).isEqualTo(next));
    assertThat(counter(processes[next].registry, "narthex_alertmanager_notify_in_doubt")).isEqualTo(1.0);
    release.countDown();
    stopper.join(Duration.ofSeconds(30));
    // The deposed leader's late send is the one extra copy the guarantee allows; there is no third.
    Thread.sleep(GROUP_INTERVAL.toMillis() + 500);
    assertThat(sentOf("Pager").size()).isBetween(1, 2);
  }

  @Test
  void aLeaderBuildsTenantsSendersOffTheGroupsStateLock() throws Exception {
    int first = awaitLeader();
    // Mirrors created by applied changes, then by a take-over's copy of the group.
    processes[(first + 1) % 3].alertmanagers.post(TENANT, List.of(firing("Disk")));
    processes[(first + 1) % 3].alertmanagers.post("second", List.of(firing("Disk")));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sentOf("Disk").size() == 1
        && processes[first].alertmanagers.tenants().contains("second"));
    processes[first].node.transferLeadership();
    int next = Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(this::awaitLeader, i -> i != first);
    processes[next].alertmanagers.post(TENANT, List.of(firing("Cpu")));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !sentOf("Cpu").isEmpty());
    // On the old code each mirror's sender (its templates) was built under the lock, stalling the group's writes.
    assertThat(builtUnderStateLock).isEmpty();
  }

  @Test
  void aTenantLeftWithoutStateIsDroppedFromItsGroupAndTheLeadersMirrors() throws Exception {
    int leader = awaitLeader();
    MultitenantAlertmanager dispatch = processes[leader].alertmanagers;
    Instant ended = Instant.now().minusSeconds(60);
    dispatch.post("passer-by", List.of(new AlertStore.PostableAlert(new TreeMap<>(Map.of("alertname", "Gone")),
        Map.of(), ended.minusSeconds(60), ended, null)));
    // The resolved alert leaves its aggregation group at the group's flush (nothing fired, nothing sent).
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> dispatch.tenants().contains("passer-by")
        && dispatch.withTenant("passer-by", false, (am, now) -> am.dispatcher().groups().stream()
            .allMatch(g -> g.alerts().isEmpty())));

    processes[leader].state.collect(0);
    assertThat(processes[(leader + 1) % 3].state.tenants(0)).doesNotContain("passer-by");
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !dispatch.tenants().contains("passer-by"));
  }

  @Test
  void aLoweredAlertLimitDropsTheSameAlertsFromTheLeadersMirror() throws Exception {
    int leader = awaitLeader();
    processes[leader].alertmanagers.post(TENANT, List.of(firing("A"), firing("B"), firing("C")));
    settings = new TenantAlertmanager.Settings(new AlertStore.Limits(1, 0), TenantAlertmanager.Settings.DEFAULTS
        .silenceLimits(), 0, TenantAlertmanager.Settings.DEFAULTS.retention());
    processes[leader].alertmanagers.post(TENANT, List.of(firing("A")));

    List<String> replicatedNames = processes[(leader + 1) % 3].state.alerts(TENANT).stream()
        .map(a -> a.labels().get("alertname")).toList();
    assertThat(replicatedNames).containsExactly("A");
    List<String> mirrored = processes[leader].alertmanagers.withTenant(TENANT, false,
        (am, now) -> am.alerts().list().stream().map(a -> a.labels().get("alertname")).toList());
    assertThat(mirrored).containsExactlyElementsOf(replicatedNames);
  }

  @Test
  void aConfigurationLoadedWhileTheLeadersMirrorIsCreatedIsTheOneItRuns() throws Exception {
    int leader = awaitLeader();
    java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean(true);
    // The tenant's first configuration lands between the mirror reading the configuration and joining the map.
    onSettings = (process, tenant) -> {
      if (process == leader && tenant.equals("late") && armed.compareAndSet(true, false)) {
        try {
          new BucketAlertStore(processes[leader].bucket, BucketAlertStore.BLOCKS_BUCKET_ROOT)
              .set(new AlertConfigDesc("late", CONFIG, Map.of()));
          processes[leader].configs.sync("test");
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    };
    processes[(leader + 1) % 3].alertmanagers.post("late", List.of(firing("Disk")));
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> processes[leader].alertmanagers.tenants()
        .contains("late"));
    assertThat(armed).isFalse();
    assertThat(processes[leader].alertmanagers.configOf("late")).isSameAs(processes[leader].configs.configOf("late"));
  }
  @Test
  void aPersistBegunBeforeAStepDownDoesNotLandAfterTheNewLeadersWrite() throws Exception {
    int first = awaitLeader();
    Instant now = Instant.now();
    processes[first].alertmanagers.setSilence(TENANT, new Silence(null,
        List.of(Matcher.of("alertname", Matcher.Type.EQUAL, "Old")), now, now.plusSeconds(3600), null, "a", "old"));
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> processes[first].persister.registered(TENANT)
        && processes[first].alertmanagers.tenantMap().containsKey(TENANT));
    RunningTenant mirror = processes[first].alertmanagers.tenantMap().get(TENANT);
    // The old leader's persist passes the leadership check of its snapshot, then waits for the tenant's lock.
    java.util.concurrent.atomic.AtomicBoolean wrote = new java.util.concurrent.atomic.AtomicBoolean();
    Thread persist;
    mirror.lock.lock();
    try {
      persist = Thread.ofVirtual().start(() -> wrote.set(processes[first].persister.persist(TENANT)));
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> mirror.lock.hasQueuedThread(persist));
      processes[first].node.transferLeadership();
      int next = Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
          .until(this::awaitLeader, i -> i != first);
      processes[next].alertmanagers.setSilence(TENANT, new Silence(null,
          List.of(Matcher.of("alertname", Matcher.Type.EQUAL, "New")), now, now.plusSeconds(3600), null, "b",
          "new"));
      Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
        processes[next].persister.persistAll();
        assertThat(processes[next].stateStore.get(TENANT, Instant.now()))
            .hasValueSatisfying(state -> assertThat(state.silences()).hasSize(2));
      });
    } finally {
      mirror.lock.unlock();
    }
    persist.join(Duration.ofSeconds(10));
    // On the old code the deposed leader's older state overwrote the new leader's.
    assertThat(wrote).as("the deposed leader wrote").isFalse();
    assertThat(processes[first].stateStore.get(TENANT, Instant.now()))
        .hasValueSatisfying(state -> assertThat(state.silences()).hasSize(2));
  }

  @Test
  void aMirrorRebuiltForALoweredLimitDoesNotSendAgainWhatIsInFlight() throws Exception {
    int leader = awaitLeader();
    blockAlertname = "Pager";
    processes[leader].alertmanagers.post(TENANT, List.of(firing("Pager"), firing("A"), firing("B")));
    assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
    // Further sends of Pager go straight through: a second one would show at once.
    blockAlertname = null;
    settings = new TenantAlertmanager.Settings(new AlertStore.Limits(1, 0), TenantAlertmanager.Settings.DEFAULTS
        .silenceLimits(), 0, TenantAlertmanager.Settings.DEFAULTS.retention());
    processes[leader].alertmanagers.post(TENANT, List.of(firing("Pager")));
    List<Alert> kept = processes[leader].alertmanagers.withTenant(TENANT, false, (am, now) -> am.alerts().list());
    assertThat(kept).hasSize(1);
    // The rebuilt mirror flushes Pager's group at once (older than group_wait, nothing logged yet).
    Thread.sleep(GROUP_INTERVAL.toMillis() + 500);
    assertThat(sentOf("Pager")).as("sent again while the first send is in flight").isEmpty();
    release.countDown();
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> sentOf("Pager").size() == 1);
  }
}
