package io.narthex.ruler.eval;

import static io.narthex.ruler.eval.TestRuler.group;
import static io.narthex.ruler.eval.TestRuler.record;
import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.promql.Sample;
import io.narthex.ruler.LocalRuleStore;
import io.narthex.ruler.RuleGroup;
import io.narthex.ruler.RulerRing;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.StaleMarker;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuleManagerTest {
  private static final long INTERVAL = Duration.ofMinutes(1).toNanos();
  private final TestRuler ruler = new TestRuler();

  @Test
  void overrunningEvaluationSkipsTheMissedInstantsAndCountsThemPerGroupAndPerRule() throws Exception {
    GroupEvaluator group = ruler.group(group("slow", null, null, record("a", "vector(1)"), record("b", "vector(2)")));
    List<Long> instants = new ArrayList<>();
    RuleManager.GroupRunner[] runner = new RuleManager.GroupRunner[1];
    runner[0] = new RuleManager.GroupRunner(group, ruler.clock, ruler.metrics, (g, instantNanos) -> {
      instants.add(instantNanos);
      // The second evaluation takes 2.5 intervals.
      if (instants.size() == 2) {
        ruler.clock.advance(Duration.ofSeconds(150));
      }
      if (instants.size() == 3) {
        runner[0].requestStop();
      }
    });
    long start = ruler.clock.epochNanos();

    runner[0].run();

    long offset = GroupSchedule.offsetNanos("slow", GroupSchedule.file(TestRuler.TENANT, "ns"), INTERVAL);
    long first = GroupSchedule.previousInstantNanos(start, INTERVAL, offset) + INTERVAL;
    // Evaluated at first, first + 1 (which ran until first + 3.5), then first + 3: first + 2 was missed.
    assertThat(instants).containsExactly(first, first + INTERVAL, first + 3 * INTERVAL);
    assertThat(counter("cortex_prometheus_rule_group_iterations_missed")).isEqualTo(1);
    assertThat(counter("narthex_ruler_rule_evaluations_missed")).isEqualTo(2);
    assertThat(counter("cortex_prometheus_rule_group_iterations")).isEqualTo(4);
  }

  @Test
  void syncStartsChangesAndRemovesGroupsKeepingStalenessStateAcrossAChange() throws Exception {
    long t = 1_700_000_000_000L;
    ruler.append(Labels.of("__name__", "up", "job", "a"), t - 1000, 1);
    RuleManager manager = new RuleManager(null, new RuleManager.Config(Duration.ofMinutes(1), Duration.ofMinutes(10),
        Duration.ZERO, true, 4), RuleEvaluators.recordingOnly(), ruler.querier, ruler.pusher, new HeldClock(),
        ruler.metrics);
    RuleManager.GroupKey key = new RuleManager.GroupKey(TestRuler.TENANT, "ns", "g");
    manager.apply(Map.of(key, group("g", null, null, record("old", "up"))));
    GroupEvaluator first = manager.groups(TestRuler.TENANT).getFirst();
    first.evaluate(t);

    RuleGroup changed = group("g", null, null, record("new", "up"));
    manager.apply(Map.of(key, changed));
    manager.awaitReady();
    GroupEvaluator second = manager.groups(TestRuler.TENANT).getFirst();
    assertThat(second).isNotSameAs(first);
    second.evaluate(t + 60_000);
    assertThat(ruler.pushedSince(1)).extracting(s -> s.labels().metricName() + " " + StaleMarker.isStale(s.value()))
        .containsExactlyInAnyOrder("new false", "old true");

    manager.apply(Map.of(key, changed));
    assertThat(manager.groups(TestRuler.TENANT).getFirst()).as("unchanged: kept").isSameAs(second);

    manager.apply(Map.of());
    assertThat(manager.groups(TestRuler.TENANT)).isEmpty();
    manager.close();
    assertThat(second.markAllStale(t + 90_000)).isTrue();
    assertThat(ruler.pushes.getLast()).extracting(Sample::labels)
        .containsExactly(Labels.of("__name__", "new", "job", "a"));
  }

  @Test
  void eachRulerRunsOnlyTheGroupsItOwnsAndTogetherTheyRunEveryGroupOnce(@TempDir Path directory) throws Exception {
    Files.createDirectories(directory.resolve(TestRuler.TENANT));
    StringBuilder yaml = new StringBuilder("groups:\n");
    for (int i = 0; i < 12; i++) {
      yaml.append("- name: g").append(i).append("\n  rules:\n  - record: r").append(i).append("\n    expr: up\n");
    }
    Files.writeString(directory.resolve(TestRuler.TENANT + "/ns.yaml"), yaml);
    Map<String, String> rulers = Map.of("ruler-a", "127.0.0.1:1", "ruler-b", "127.0.0.1:2");
    List<String> seen = new ArrayList<>();
    for (String self : rulers.keySet()) {
      RulerRing ring = new RulerRing(rulers, self);
      RuleManager manager = new RuleManager(new LocalRuleStore(directory), new RuleManager.Config(
          Duration.ofMinutes(1), Duration.ofMinutes(10), Duration.ZERO, true, 4), RuleEvaluators.recordingOnly(),
          ruler.querier, ruler.pusher, new HeldClock(), ruler.metrics, ring, tenant -> {});
      try {
        manager.sync();
        List<GroupEvaluator> groups = manager.groups(TestRuler.TENANT);
        assertThat(groups).as(self + " runs a share").isNotEmpty().hasSizeLessThan(12)
            .allMatch(g -> ring.owns(TestRuler.TENANT, g.namespace(), g.group().name()));
        List<String> names = groups.stream().map(g -> g.group().name()).toList();
        seen.addAll(names);
      } finally {
        manager.close();
      }
    }
    assertThat(seen).hasSize(12).doesNotHaveDuplicates();
  }

  @Test
  void aGroupMovedToAnotherRulerStopsWithoutStalenessMarkersWhileARemovedOneIsMarkedStale() throws Exception {
    long t = 1_700_000_000_000L;
    ruler.append(Labels.of("__name__", "up", "job", "a"), t - 1000, 1);
    List<String> removedTenants = new CopyOnWriteArrayList<>();
    RuleManager manager = new RuleManager(null, new RuleManager.Config(Duration.ofMinutes(1), Duration.ofMinutes(10),
        Duration.ZERO, true, 4), RuleEvaluators.recordingOnly(), ruler.querier, ruler.pusher,
        new HeldClock("ruler-stale-"), ruler.metrics, null, removedTenants::add);
    RuleManager.GroupKey moved = new RuleManager.GroupKey(TestRuler.TENANT, "ns", "moved");
    RuleManager.GroupKey removed = new RuleManager.GroupKey(TestRuler.TENANT, "ns", "removed");
    try {
      manager.apply(Map.of(moved, group("moved", null, null, record("moved_series", "up")),
          removed, group("removed", null, null, record("removed_series", "up"))));
      for (GroupEvaluator group : manager.groups(TestRuler.TENANT)) {
        group.evaluate(t);
      }
      int pushesBefore = ruler.pushes.size();

      manager.apply(Map.of(), Set.of(moved));

      assertThat(manager.groups(TestRuler.TENANT)).isEmpty();
      Set<String> staleSeries = new HashSet<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!staleSeries.contains("removed_series") && System.nanoTime() < deadline) {
        Thread.sleep(10);
        for (List<Sample> push : List.copyOf(ruler.pushes.subList(pushesBefore, ruler.pushes.size()))) {
          push.stream().filter(s -> StaleMarker.isStale(s.value()))
              .forEach(s -> staleSeries.add(s.labels().metricName()));
        }
      }
      assertThat(staleSeries).containsExactly("removed_series");
      while (removedTenants.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(removedTenants).as("the tenant's notifier is stopped").containsExactly(TestRuler.TENANT);
    } finally {
      manager.close();
    }
  }

  @Test
  void aGroupAddedBackBeforeTheRemovedOnesMarkersAreDueIsNotMarkedStale() throws Exception {
    long t = 1_700_000_000_000L;
    ruler.append(Labels.of("__name__", "up", "job", "a"), t - 1000, 1);
    CountDownLatch markersDue = new CountDownLatch(1);
    RulerClock clock = new RulerClock() {
      @Override
      public long epochNanos() {
        return t * 1_000_000L;
      }

      @Override
      public void sleepUntil(long epochNanos) throws InterruptedException {
        if (Thread.currentThread().getName().startsWith("ruler-stale-")) {
          markersDue.await();
        } else {
          Thread.sleep(Long.MAX_VALUE);
        }
      }
    };
    RuleManager manager = new RuleManager(null, new RuleManager.Config(Duration.ofMinutes(1), Duration.ofMinutes(10),
        Duration.ZERO, true, 4), RuleEvaluators.recordingOnly(), ruler.querier, ruler.pusher, clock, ruler.metrics,
        null, tenant -> { });
    RuleManager.GroupKey key = new RuleManager.GroupKey(TestRuler.TENANT, "ns", "g");
    Map<RuleManager.GroupKey, RuleGroup> groups = Map.of(key, group("g", null, null, record("kept_series", "up")));
    try {
      manager.apply(groups);
      manager.groups(TestRuler.TENANT).getFirst().evaluate(t);
      int pushesBefore = ruler.pushes.size();
      manager.apply(Map.of());
      manager.apply(groups);
      markersDue.countDown();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (Thread.getAllStackTraces().keySet().stream().anyMatch(th -> th.getName().startsWith("ruler-stale-"))
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(ruler.pushes.subList(pushesBefore, ruler.pushes.size()).stream().flatMap(List::stream)
          .filter(sample -> StaleMarker.isStale(sample.value()))).isEmpty();
    } finally {
      manager.close();
    }
  }

  @Test
  void closeDoesNotWaitForASyncBlockedOnTheStore() throws Exception {
    CountDownLatch reading = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    io.narthex.ruler.RuleStore blockedStore = (io.narthex.ruler.RuleStore) java.lang.reflect.Proxy.newProxyInstance(
        getClass().getClassLoader(), new Class<?>[] {io.narthex.ruler.RuleStore.class}, (proxy, method, args) -> {
          if (method.getName().equals("tenants")) {
            return List.of(TestRuler.TENANT);
          }
          reading.countDown();
          release.await();
          return new java.util.TreeMap<String, List<RuleGroup>>();
        });
    RuleManager manager = new RuleManager(blockedStore, new RuleManager.Config(Duration.ofMinutes(1),
        Duration.ofMinutes(10), Duration.ZERO, true, 4), RuleEvaluators.recordingOnly(), ruler.querier, ruler.pusher,
        new HeldClock(), ruler.metrics, null, tenant -> { });
    // Own threads: the common pool may have a single worker on two cores.
    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    CompletableFuture<Void> sync = CompletableFuture.runAsync(() -> {
      try {
        manager.sync();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, threads);
    try {
      assertThat(reading.await(30, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<Void> closing = CompletableFuture.runAsync(manager::close, threads);
      // Before, sync held the manager's lock while reading, and close waited on it until the store answered.
      closing.get(30, TimeUnit.SECONDS);
      assertThat(release.getCount()).as("the store is still blocked").isEqualTo(1);
    } finally {
      release.countDown();
      sync.get(30, TimeUnit.SECONDS);
      threads.close();
    }
  }

  @Test
  void aTenantThatKeepsAGroupIsNotRemoved() throws Exception {
    List<String> removedTenants = new CopyOnWriteArrayList<>();
    RuleManager manager = new RuleManager(null, new RuleManager.Config(Duration.ofMinutes(1), Duration.ofMinutes(10),
        Duration.ZERO, true, 4), RuleEvaluators.recordingOnly(), ruler.querier, ruler.pusher, new HeldClock(),
        ruler.metrics, null, removedTenants::add);
    RuleManager.GroupKey kept = new RuleManager.GroupKey(TestRuler.TENANT, "ns", "kept");
    RuleManager.GroupKey other = new RuleManager.GroupKey("tenant-2", "ns", "gone");
    try {
      manager.apply(Map.of(kept, group("kept", null, null, record("a", "up")),
          other, group("gone", null, null, record("b", "up"))));
      RuleManager.GroupKey second = new RuleManager.GroupKey(TestRuler.TENANT, "ns", "second");
      manager.apply(Map.of(kept, group("kept", null, null, record("a", "up")),
          second, group("second", null, null, record("c", "up"))));
      manager.apply(Map.of(second, group("second", null, null, record("c", "up"))));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (removedTenants.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(removedTenants).containsExactly("tenant-2");
    } finally {
      manager.close();
    }
  }

  @Test
  void reloadDoesNotWaitForAnEvaluationUnderWay() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    RuleQuerier querier = (tenant, expr, timestampMs) -> {
      if (expr.equals("vector(1)")) {
        entered.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return new io.narthex.promql.Vector(List.of(new Sample(Labels.EMPTY, timestampMs, 1)));
    };
    RuleManager manager = new RuleManager(null, new RuleManager.Config(Duration.ofMinutes(1), Duration.ofMinutes(10),
        Duration.ZERO, true, 4), RuleEvaluators.recordingOnly(), querier, ruler.pusher, new FirstSleepOnlyClock(),
        ruler.metrics);
    RuleManager.GroupKey key = new RuleManager.GroupKey(TestRuler.TENANT, "ns", "g");
    try {
      manager.apply(Map.of(key, group("g", null, null, record("kept", "vector(1)"))));
      assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();

      // The old version's evaluation hangs; applying a change returns all the same.
      CompletableFuture<Void> reload = CompletableFuture.runAsync(() -> manager.apply(
          Map.of(key, group("g", null, null, record("kept", "vector(2)")))));
      reload.get(30, TimeUnit.SECONDS);

      release.countDown();
      manager.awaitReady();
      GroupEvaluator replaced = manager.groups(TestRuler.TENANT).getFirst();
      assertThat(replaced.rules().getFirst().rule().expr()).isEqualTo("vector(2)");
    } finally {
      release.countDown();
      manager.close();
    }
  }

  @Test
  void aTenantTakesAtMostHalfTheEvaluationSlotsSoOthersStillEvaluate() {
    EvaluationSlots slots = new EvaluationSlots(3);

    assertThat(slots.tryAcquire("slow")).isTrue();
    assertThat(slots.tryAcquire("slow")).isTrue();
    assertThat(slots.tryAcquire("slow")).as("over the tenant's share of 2").isFalse();
    assertThat(slots.tryAcquire("fast")).isTrue();
    assertThat(slots.tryAcquire("other")).as("the process's 3 are taken").isFalse();
    slots.release("slow");
    assertThat(slots.tryAcquire("other")).isTrue();
  }

  private long counter(String name) {
    for (MetricSnapshot snapshot : ruler.registry.scrape()) {
      if (snapshot.getMetadata().getPrometheusName().equals(name)) {
        return (long) ((CounterSnapshot) snapshot).getDataPoints().getFirst().getValue();
      }
    }
    throw new AssertionError("no metric " + name);
  }

  /** A clock whose first sleep on each thread returns at once and whose later ones never end on their own. */
  private static final class FirstSleepOnlyClock implements RulerClock {
    private final ThreadLocal<Boolean> slept = ThreadLocal.withInitial(() -> false);

    @Override
    public long epochNanos() {
      return 1_700_000_000_000_000_000L;
    }

    @Override
    public void sleepUntil(long epochNanos) throws InterruptedException {
      if (slept.get()) {
        Thread.sleep(Long.MAX_VALUE);
      }
      slept.set(true);
    }
  }

  /**
   * A clock whose sleeps never end on their own, so groups started by the manager never evaluate by themselves;
   * sleeps on threads named with {@code freeThreadPrefix} (the staleness marking of a removed group) end at once.
   */
  private static final class HeldClock implements RulerClock {
    private final String freeThreadPrefix;

    HeldClock() {
      this(null);
    }

    HeldClock(String freeThreadPrefix) {
      this.freeThreadPrefix = freeThreadPrefix;
    }

    @Override
    public long epochNanos() {
      return 1_700_000_000_000_000_000L;
    }

    @Override
    public void sleepUntil(long epochNanos) throws InterruptedException {
      if (freeThreadPrefix == null || !Thread.currentThread().getName().startsWith(freeThreadPrefix)) {
        Thread.sleep(Long.MAX_VALUE);
      }
    }
  }
}
