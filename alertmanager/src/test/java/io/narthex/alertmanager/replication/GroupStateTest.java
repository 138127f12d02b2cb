package io.narthex.alertmanager.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.alertmanager.Matcher;
import io.narthex.alertmanager.dispatch.AlertStore;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.Silence;
import io.narthex.alertmanager.dispatch.Silences;
import io.narthex.alertmanager.replication.BinaryCodec.CorruptEntryException;
import io.narthex.alertmanager.state.TenantState;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The state machine's apply, queries and snapshots, without Ratis. */
class GroupStateTest {
  private static final Duration RETENTION = Duration.ofHours(120);
  private static final long T0_MS = 1_700_000_000_000L;
  private static final NotificationLog.Receiver WEBHOOK = new NotificationLog.Receiver("team", "webhook", 0);

  static AlertStore.PostableAlert alert(String name, String annotation) {
    return new AlertStore.PostableAlert(new TreeMap<>(Map.of("alertname", name, "job", "api")),
        Map.of("summary", annotation), null, null, "http://prometheus/graph");
  }

  static Silence silence(String id, String alertname, Instant start, Instant end) {
    return new Silence(id, List.of(Matcher.of("alertname", Matcher.Type.EQUAL, alertname)), start, end, null,
        "oncall", "maintenance");
  }

  /** Every kind of entry, through the codec as the log holds them. */
  private static List<StateEntry> history() {
    Instant t0 = Instant.ofEpochMilli(T0_MS);
    return List.of(
        new StateEntry.PostAlerts("team-a", T0_MS, 300_000, AlertStore.Limits.NONE,
            List.of(alert("HighLatency", "p99 over 1s"), alert("ErrorRate", "5xx"))),
        new StateEntry.SetSilence("team-a", T0_MS + 1, Silences.Limits.NONE,
            silence("", "ErrorRate", t0, t0.plusSeconds(3600)), "11111111-1111-1111-1111-111111111111"),
        new StateEntry.SetSilence("team-b", T0_MS + 2, Silences.Limits.NONE,
            silence("", "Disk", t0.plusSeconds(60), t0.plusSeconds(120)), "22222222-2222-2222-2222-222222222222"),
        new StateEntry.Intent("team-a", T0_MS + 3, new NotifyIntent("intent-1", "{}:{alertname=\"HighLatency\"}",
            WEBHOOK, Set.of(7L, -3L), Set.of(), null)),
        new StateEntry.Intent("team-a", T0_MS + 4, new NotifyIntent("intent-2", "{}:{alertname=\"Other\"}",
            WEBHOOK, Set.of(9L), Set.of(1L), null)),
        new StateEntry.Done("team-a", T0_MS + 5, "intent-1"),
        new StateEntry.ExpireSilence("team-b", T0_MS + 6, "22222222-2222-2222-2222-222222222222"),
        // A leader whose clock is behind: applied at the previous entry's time.
        new StateEntry.PostAlerts("team-b", T0_MS - 60_000, 300_000, new AlertStore.Limits(1, 0),
            List.of(alert("Disk", "full"), alert("Memory", "full"))),
        new StateEntry.LoadState("team-c", T0_MS + 7, new TenantState(
            List.of(new Silence("33333333-3333-3333-3333-333333333333",
                List.of(Matcher.of("alertname", Matcher.Type.EQUAL, "Cpu")), t0, t0.plusSeconds(60), t0, "", "")),
            List.of(new NotificationLog.Entry("g", WEBHOOK, Set.of(1L), Set.of(), t0, t0.plus(RETENTION))))),
        new StateEntry.Collect(T0_MS + 8));
  }

  private static GroupState applyAll(List<StateEntry> entries) throws CorruptEntryException {
    GroupState state = new GroupState(RETENTION);
    for (StateEntry e : entries) {
      Reply reply = state.apply(StateEntry.decode(StateEntry.encode(e)));
      assertThat(reply.status()).as(e.toString()).isEqualTo(Reply.OK);
    }
    return state;
  }

  private static byte[] snapshot(GroupState state) {
    BinaryCodec.Writer w = new BinaryCodec.Writer();
    state.writeSnapshot(w);
    return w.toByteArray();
  }

  @Test
  void replicasApplyingTheSameLogHoldTheSameStateAndSnapshotBytes() throws Exception {
    byte[] first = snapshot(applyAll(history()));
    byte[] second = snapshot(applyAll(history()));
    assertThat(second).isEqualTo(first);

    GroupState restored = new GroupState(RETENTION);
    restored.readSnapshot(new BinaryCodec.Reader(first));
    assertThat(snapshot(restored)).isEqualTo(first);
    // The restored replica goes on applying as the others do.
    StateEntry next = new StateEntry.Done("team-a", T0_MS + 9, "intent-2");
    GroupState live = applyAll(history());
    live.apply(next);
    restored.apply(next);
    assertThat(snapshot(restored)).isEqualTo(snapshot(live));
  }

  @Test
  void silencesTakeTheIdDrawnBeforeProposingAndIntentsBecomeLogEntriesWhenDone() throws Exception {
    GroupState state = applyAll(history());
    List<Silence> silences = decodeSilences(state.query(new StateEntry.Query("team-a", 0,
        StateEntry.QueryKind.SILENCES)));
    assertThat(silences).extracting(Silence::id).containsExactly("11111111-1111-1111-1111-111111111111");
    assertThat(silences.getFirst().updatedAt()).isEqualTo(Instant.ofEpochMilli(T0_MS + 1));

    byte[] log = state.query(new StateEntry.Query("team-a", 0, StateEntry.QueryKind.NOTIFICATION_LOG));
    BinaryCodec.Reader r = new BinaryCodec.Reader(log);
    assertThat(r.readInt()).isEqualTo(1);
    NotificationLog.Entry entry = r.readLogEntry();
    assertThat(entry.groupKey()).isEqualTo("{}:{alertname=\"HighLatency\"}");
    assertThat(entry.firing()).containsExactlyInAnyOrder(7L, -3L);
    assertThat(entry.timestamp()).isEqualTo(Instant.ofEpochMilli(T0_MS + 5));

    BinaryCodec.Reader intents = new BinaryCodec.Reader(state.query(new StateEntry.Query("team-a", 0,
        StateEntry.QueryKind.OPEN_INTENTS)));
    assertThat(intents.readInt()).isEqualTo(1);
    NotifyIntent open = intents.readIntent();
    assertThat(open.intentId()).isEqualTo("intent-2");
    assertThat(open.createdAt()).isEqualTo(Instant.ofEpochMilli(T0_MS + 4));
  }

  @Test
  void appliesAnEntryStampedBehindThePreviousOneAtThePreviousTime() throws Exception {
    GroupState state = applyAll(history().subList(0, 8));
    assertThat(state.appliedNow()).isEqualTo(Instant.ofEpochMilli(T0_MS + 6));
    BinaryCodec.Reader alerts = new BinaryCodec.Reader(state.query(new StateEntry.Query("team-b", 0,
        StateEntry.QueryKind.ALERTS)));
    // The limit of one alert came with the entry; the second alert was refused.
    assertThat(alerts.readInt()).isEqualTo(1);
    assertThat(alerts.readAlert().updatedAt()).isEqualTo(Instant.ofEpochMilli(T0_MS + 6));
  }

  @Test
  void refusesSilenceChangesWithAlertmanagersMessages() {
    GroupState state = new GroupState(RETENTION);
    Instant t0 = Instant.ofEpochMilli(T0_MS);
    Reply unknown = state.apply(new StateEntry.ExpireSilence("team-a", T0_MS, "nope"));
    assertThat(unknown.status()).isEqualTo(Reply.NOT_FOUND);
    Reply invalid = state.apply(new StateEntry.SetSilence("team-a", T0_MS, Silences.Limits.NONE,
        silence("", "x", t0.plusSeconds(10), t0), "id-1"));
    assertThat(invalid.status()).isEqualTo(Reply.REFUSED);
    assertThat(invalid.message()).isEqualTo("end time must not be before start time");
    assertThat(invalid.reason()).isEqualTo("INVALID");
    Reply done = state.apply(new StateEntry.Done("team-a", T0_MS, "never-opened"));
    assertThat(done.status()).isEqualTo(Reply.NOT_FOUND);
  }

  @Test
  void aSilenceUpdateThatReplacesTheSilenceTellsTheListenerOfTheExpiredOneToo() {
    // The leader's dispatch mirrors silences from these events only: it must see the old silence end.
    Silences mirror = new Silences(Silences.Limits.NONE, RETENTION);
    StateListener toMirror = new StateListener() {
      @Override
      public void alertsStored(int group, String tenant, List<io.narthex.alertmanager.dispatch.Alert> stored,
          Instant now) {}

      @Override
      public void silenceChanged(int group, String tenant, Silence silence, Instant now) {
        mirror.merge(silence, now);
      }

      @Override
      public void notificationLogged(int group, String tenant, NotificationLog.Entry entry, Instant now) {}

      @Override
      public void stateLoaded(int group, String tenant, List<Silence> silences, List<NotificationLog.Entry> log,
          Instant now) {}
    };
    GroupState state = new GroupState(0, RETENTION, toMirror);
    Instant t0 = Instant.ofEpochMilli(T0_MS);
    String first = "11111111-1111-1111-1111-111111111111";
    state.apply(new StateEntry.SetSilence("team-a", T0_MS, Silences.Limits.NONE,
        silence("", "Disk", t0, t0.plusSeconds(3600)), first));
    // Other matchers: Alertmanager cannot update in place, so it expires the silence and creates another.
    Reply updated = state.apply(new StateEntry.SetSilence("team-a", T0_MS + 1_000, Silences.Limits.NONE,
        silence(first, "Cpu", t0, t0.plusSeconds(3600)), "22222222-2222-2222-2222-222222222222"));
    assertThat(updated.message()).isEqualTo("22222222-2222-2222-2222-222222222222");

    Instant later = t0.plusSeconds(2);
    assertThat(mirror.mutedBy(Map.of("alertname", "Disk"), later)).isEmpty();
    assertThat(mirror.mutedBy(Map.of("alertname", "Cpu"), later))
        .containsExactly("22222222-2222-2222-2222-222222222222");
  }

  @Test
  void anIntentFencedToATermIsRefusedWhenAppendedInAnother() throws Exception {
    GroupState state = new GroupState(RETENTION);
    NotifyIntent intent = new NotifyIntent("intent-1", "{}:{alertname=\"A\"}", WEBHOOK, Set.of(1L), Set.of(), null);
    StateEntry fenced = StateEntry.decode(StateEntry.encode(new StateEntry.Intent("team-a", T0_MS, intent, 5)));
    assertThat(fenced).isEqualTo(new StateEntry.Intent("team-a", T0_MS, intent, 5));

    Reply deposed = state.apply(fenced, 6);
    assertThat(deposed.status()).isEqualTo(Reply.REFUSED);
    assertThat(deposed.message()).contains("term 5 was appended in term 6");
    assertThat(state.copy()).allSatisfy(t -> assertThat(t.openIntents()).isEmpty());
    assertThat(state.apply(fenced, 5).status()).isEqualTo(Reply.OK);
    assertThat(state.copy().getFirst().openIntents()).extracting(NotifyIntent::intentId).containsExactly("intent-1");
  }

  @Test
  void refusesTruncatedAndInflatedEntriesWithoutAllocatingTheirClaims() {
    byte[] good = StateEntry.encode(history().getFirst());
    for (int cut = 0; cut < good.length; cut += 7) {
      byte[] truncated = Arrays.copyOf(good, cut);
      assertThatThrownBy(() -> StateEntry.decode(truncated)).isInstanceOf(CorruptEntryException.class);
    }
    // A count of two billion alerts in a few bytes: refused by the bytes left, not by running out of heap.
    BinaryCodec.Writer w = new BinaryCodec.Writer().writeByte(StateEntry.VERSION).writeByte(1).writeLong(T0_MS)
        .writeString("t").writeLong(0).writeInt(0).writeLong(0).writeInt(Integer.MAX_VALUE);
    assertThatThrownBy(() -> StateEntry.decode(w.toByteArray())).isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining("2147483647 alerts");
    byte[] newer = good.clone();
    newer[0] = StateEntry.VERSION + 1;
    assertThatThrownBy(() -> StateEntry.decode(newer)).hasMessage("entry format version 2, this build reads 1");
  }

  private static List<Silence> decodeSilences(byte[] bytes) throws CorruptEntryException {
    BinaryCodec.Reader r = new BinaryCodec.Reader(bytes);
    int n = r.readInt();
    java.util.ArrayList<Silence> out = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(r.readSilence());
    }
    return out;
  }
}
