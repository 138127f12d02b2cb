package io.narthex.alertmanager.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.alertmanager.AlertmanagerConfig;
import io.narthex.alertmanager.BucketAlertStore;
import io.narthex.alertmanager.Matcher;
import io.narthex.alertmanager.dispatch.AlertStore.PostableAlert;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.NotificationPipeline;
import io.narthex.alertmanager.dispatch.Silence;
import io.narthex.alertmanager.dispatch.TenantAlertmanager;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.FilesystemBucket;
import io.narthex.objstore.ObjectAttributes;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatePersisterTest {
  private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");
  private static final AlertmanagerConfig CONFIG = AlertmanagerConfig.parse("""
      route: {receiver: hook, group_by: [alertname], group_wait: 10s, group_interval: 1m, repeat_interval: 4h}
      receivers:
        - name: hook
          webhook_configs: [{url: 'http://127.0.0.1:9/a'}]
      """);

  @TempDir
  Path dir;
  private FaultyBucket bucket;
  private final Clock clock = new Clock();
  private PrometheusRegistry registry;

  /** The test's clock, moved by hand. */
  private static final class Clock implements InstantSource {
    Instant now = T0;

    @Override
    public Instant instant() {
      return now;
    }
  }

  /** A tenant as the runtime holds it: the Alertmanager, and what it sent. */
  private final class Running implements StatePersister.Source {
    final List<NotificationPipeline.Notification> sent = new ArrayList<>();
    final TenantAlertmanager am = new TenantAlertmanager(CONFIG, TenantAlertmanager.Settings.DEFAULTS, sent::add,
        clock.now);

    @Override
    public synchronized TenantState snapshot() {
      return TenantState.of(am.silences(), am.notificationLog());
    }

    @Override
    public synchronized void merge(TenantState stored) {
      stored.mergeInto(am.silences(), am.notificationLog(), clock.now);
    }

    synchronized void postAndAdvance(String alertname, Instant until) {
      am.post(List.of(new PostableAlert(new java.util.TreeMap<>(Map.of("alertname", alertname)), Map.of(), null, null,
          null)), clock.now);
      clock.now = until;
      am.advanceTo(until);
    }

    synchronized String silence(String matchers) {
      return am.silences().set(new Silence(null, Matcher.parseAll(matchers), clock.now, clock.now.plusSeconds(7200),
          null, "me", "maintenance"), clock.now);
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    bucket = new FaultyBucket(new FilesystemBucket(dir));
    registry = new PrometheusRegistry();
  }

  private StatePersister persister(long maxStateSizeBytes) {
    registry = new PrometheusRegistry();
    return new StatePersister(new StateStore(bucket, BucketAlertStore.BLOCKS_BUCKET_ROOT,
        NotificationLog.DEFAULT_RETENTION, maxStateSizeBytes), clock, registry);
  }

  private static final String OBJECT = "__alertmanager__/alertmanager/t1/fullstate";

  @Test
  void aFullRestartKeepsSilencesAndDoesNotResendWithinTheRepeatInterval() throws Exception {
    StatePersister before = persister(0);
    Running first = new Running();
    assertThat(before.register("t1", first)).isEqualTo(StatePersister.Outcome.USER_NOT_FOUND);
    String silenceId = first.silence("alertname=\"quiet\"");
    first.postAndAdvance("x", T0.plusSeconds(10));
    assertThat(first.sent).hasSize(1);
    before.close();
    assertThat(bucket.delegate.exists(OBJECT)).as("written at shutdown, in Mimir's layout").isTrue();

    clock.now = T0.plusSeconds(120);
    StatePersister after = persister(0);
    Running second = new Running();
    assertThat(after.register("t1", second)).isEqualTo(StatePersister.Outcome.FROM_STORAGE);
    assertThat(counter("cortex_alertmanager_state_initial_sync_completed", "outcome", "from-storage")).isEqualTo(1);
    // The ruler re-sends its firing alerts after the restart; the group flushes after group_wait.
    second.postAndAdvance("x", T0.plusSeconds(180));
    second.postAndAdvance("quiet", T0.plusSeconds(240));
    assertThat(second.sent).as("notified before the restart, within repeat_interval, and silenced").isEmpty();
    assertThat(second.am.silences().get(silenceId).state(clock.now)).isEqualTo(Silence.State.ACTIVE);

    // The log still repeats on time: past repeat_interval (4h) the next group_interval tick sends again.
    second.postAndAdvance("x", T0.plus(Duration.ofHours(4)).plusSeconds(70));
    assertThat(second.sent).hasSize(1);
  }

  @Test
  void writesOnlyWhenTheStateChanged() throws Exception {
    StatePersister p = persister(0);
    Running tenant = new Running();
    p.register("t1", tenant);
    assertThat(p.persist("t1")).as("nothing to write for a tenant without state").isFalse();
    assertThat(bucket.delegate.exists(OBJECT)).isFalse();

    tenant.silence("a=\"b\"");
    assertThat(p.persist("t1")).isTrue();
    assertThat(p.persist("t1")).isFalse();
    tenant.postAndAdvance("x", T0.plusSeconds(10));
    assertThat(p.persist("t1")).as("a notification was logged").isTrue();
    assertThat(counter("cortex_alertmanager_state_persist", null, null)).isEqualTo(2);
    assertThat(counter("cortex_alertmanager_state_persist_failed", null, null)).isZero();
  }

  @Test
  void aCorruptObjectIsCountedAndKeptUntilTheTenantHasNewState() throws Exception {
    byte[] corrupt = "not a FullStateDesc".getBytes();
    bucket.upload(OBJECT, corrupt);
    StatePersister p = persister(0);
    Running tenant = new Running();
    assertThat(p.register("t1", tenant)).isEqualTo(StatePersister.Outcome.FAILED);
    assertThat(counter("narthex_alertmanager_state_load_failures", "reason", "corrupt")).isEqualTo(1);
    assertThat(counter("cortex_alertmanager_state_initial_sync_completed", "outcome", "failed")).isEqualTo(1);

    p.persistAll();
    assertThat(read(OBJECT)).as("kept for an operator to look at").isEqualTo(corrupt);

    String id = tenant.silence("a=\"b\"");
    p.persistAll();
    assertThat(new StateStore(bucket, BucketAlertStore.BLOCKS_BUCKET_ROOT, NotificationLog.DEFAULT_RETENTION, 0)
        .get("t1", clock.now).orElseThrow().silences()).extracting(Silence::id).containsExactly(id);
  }

  @Test
  void anObjectOverTheSizeLimitIsRefusedAndTheTenantStartsEmpty() throws Exception {
    StateStore unlimited = new StateStore(bucket, BucketAlertStore.BLOCKS_BUCKET_ROOT,
        NotificationLog.DEFAULT_RETENTION, 0);
    List<Silence> many = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      many.add(new Silence("id-" + i, Matcher.parseAll("a=\"" + i + "\""), T0, T0.plusSeconds(60), T0, "me", ""));
    }
    unlimited.set("t1", new TenantState(many, List.of()));
    assertThat(read(OBJECT).length).isGreaterThan(1024);

    StatePersister p = persister(1024);
    Running tenant = new Running();
    assertThat(p.register("t1", tenant)).isEqualTo(StatePersister.Outcome.FAILED);
    assertThat(counter("narthex_alertmanager_state_load_failures", "reason", "too_large")).isEqualTo(1);
    assertThat(tenant.am.silences().list()).isEmpty();
    assertThat(bucket.bytesRead).as("reads stop one byte past the limit").isEqualTo(1025);
  }

  @Test
  void aBucketFailureAtStartIsReadAgainBeforeTheFirstWrite() throws Exception {
    StateStore store = new StateStore(bucket, BucketAlertStore.BLOCKS_BUCKET_ROOT,
        NotificationLog.DEFAULT_RETENTION, 0);
    Silence stored = new Silence("stored", Matcher.parseAll("a=\"1\""), T0, T0.plusSeconds(3600), T0, "me", "");
    store.set("t1", new TenantState(List.of(stored), List.of()));

    bucket.failingGets = 1;
    StatePersister p = persister(0);
    Running tenant = new Running();
    assertThat(p.register("t1", tenant)).isEqualTo(StatePersister.Outcome.FAILED);
    assertThat(counter("narthex_alertmanager_state_load_failures", "reason", "bucket")).isEqualTo(1);
    String created = tenant.silence("b=\"2\"");

    assertThat(p.persist("t1")).isTrue();
    assertThat(store.get("t1", clock.now).orElseThrow().silences()).extracting(Silence::id)
        .containsExactlyInAnyOrder("stored", created);
    assertThat(tenant.am.silences().get("stored")).as("merged late, but merged").isNotNull();
  }

  @Test
  void aFailedWriteIsCountedAndTriedAgainAtTheNextInterval() throws Exception {
    StatePersister p = persister(0);
    Running tenant = new Running();
    p.register("t1", tenant);
    tenant.silence("a=\"b\"");
    bucket.failingUploads = 1;
    assertThat(p.persist("t1")).isFalse();
    assertThat(counter("cortex_alertmanager_state_persist_failed", null, null)).isEqualTo(1);
    assertThat(p.persist("t1")).isTrue();
    assertThat(counter("cortex_alertmanager_state_persist", null, null)).isEqualTo(2);
  }

  @Test
  void aTenantThatStopsIsWrittenOnceMoreAndThenForgotten() throws Exception {
    StatePersister p = persister(0);
    Running tenant = new Running();
    p.register("t1", tenant);
    tenant.silence("a=\"b\"");
    p.deregister("t1");
    assertThat(bucket.delegate.exists(OBJECT)).isTrue();
    tenant.silence("c=\"d\"");
    assertThat(p.persist("t1")).isFalse();
  }

  @Test
  void aPersistIntervalOfZeroIsRefusedWithMimirsMessage() {
    try (StatePersister p = persister(0)) {
      assertThatThrownBy(() -> p.start(Duration.ZERO))
          .hasMessage("invalid alertmanager persist interval, must be greater than zero");
    }
  }

  private byte[] read(String name) throws IOException {
    try (InputStream in = bucket.delegate.get(name)) {
      return in.readAllBytes();
    }
  }

  private double counter(String name, String label, String value) {
    return registry.scrape().stream().filter(s -> s.getMetadata().getPrometheusName().equals(name))
        .flatMap(s -> ((CounterSnapshot) s).getDataPoints().stream())
        .filter(d -> label == null || value.equals(d.getLabels().get(label)))
        .mapToDouble(CounterSnapshot.CounterDataPointSnapshot::getValue).sum();
  }

  /** A real bucket whose next gets or uploads fail, as an outage would; counts the bytes read through it. */
  private static final class FaultyBucket implements Bucket {
    final Bucket delegate;
    int failingGets;
    int failingUploads;
    long bytesRead;

    FaultyBucket(Bucket delegate) {
      this.delegate = delegate;
    }

    @Override
    public InputStream get(String name) throws IOException {
      if (failingGets > 0) {
        failingGets--;
        throw new IOException("injected outage");
      }
      InputStream in = delegate.get(name);
      return new java.io.FilterInputStream(in) {
        @Override
        public int read() throws IOException {
          int b = super.read();
          bytesRead += b < 0 ? 0 : 1;
          return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
          int n = super.read(buf, off, len);
          bytesRead += Math.max(n, 0);
          return n;
        }
      };
    }

    @Override
    public InputStream getRange(String name, long offsetBytes, long lengthBytes) throws IOException {
      return delegate.getRange(name, offsetBytes, lengthBytes);
    }

    @Override
    public void upload(String name, InputStream content, long lengthBytes) throws IOException {
      if (failingUploads > 0) {
        failingUploads--;
        throw new IOException("injected outage");
      }
      delegate.upload(name, content, lengthBytes);
    }

    @Override
    public void delete(String name) throws IOException {
      delegate.delete(name);
    }

    @Override
    public boolean exists(String name) throws IOException {
      return delegate.exists(name);
    }

    @Override
    public ObjectAttributes attributes(String name) throws IOException {
      return delegate.attributes(name);
    }

    @Override
    public void iter(String dir, boolean recursive, Consumer<String> names) throws IOException {
      delegate.iter(dir, recursive, names);
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }
}
