package io.narthex.alertmanager.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.alertmanager.Matcher;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.Silence;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FullStateCodecTest {
  static final Instant T0 = Instant.parse("2026-12-06T10:00:00.123456789Z");
  static final Duration RETENTION = Duration.ofHours(120);

  static Silence silence(String id, String matchers, Instant start, Instant end) {
    return new Silence(id, Matcher.parseAll(matchers), start, end, start, "me", "because");
  }

  static NotificationLog.Entry entry(String groupKey, int index, Set<Long> firing, Set<Long> resolved, Instant at) {
    return new NotificationLog.Entry(groupKey, new NotificationLog.Receiver("team", "webhook", index), firing,
        resolved, at, at.plus(RETENTION));
  }

  static final TenantState STATE = new TenantState(
      List.of(silence("b-id", "{a=\"1\",b!=\"2\",c=~\"x.*\",d!~\"(y|z)\"}", T0, T0.plusSeconds(3600)),
          silence("a-id", "alertname=\"quiet\"", T0.minusSeconds(60), T0.plusSeconds(60))),
      List.of(entry("{}/{team=\"a\"}:{alertname=\"x\"}", 1, Set.of(1L, -2L, Long.MIN_VALUE), Set.of(7L), T0),
          entry("{}:{alertname=\"y\"}", 0, Set.of(), Set.of(3L, 4L), T0.minusSeconds(10))));

  @Test
  void roundTripsSilencesAndLogEntriesExactly() throws Exception {
    byte[] bytes = FullStateCodec.encode("t1", STATE, RETENTION);
    FullStateCodec.Decoded decoded = FullStateCodec.decode("t1", bytes, T0, 0);
    assertThat(decoded.expired()).isZero();
    assertThat(decoded.invalid()).isZero();
    assertThat(decoded.state().notificationLog()).containsExactlyInAnyOrderElementsOf(STATE.notificationLog());
    // Matcher holds a compiled regex, compared by identity: compare silences field by field.
    assertThat(decoded.state().silences()).hasSize(2);
    for (Silence s : decoded.state().silences()) {
      Silence want = STATE.silences().stream().filter(x -> x.id().equals(s.id())).findFirst().orElseThrow();
      assertThat(s).usingRecursiveComparison().ignoringFieldsOfTypes(com.google.re2j.Pattern.class).isEqualTo(want);
    }
    Silence b = decoded.state().silences().stream().filter(x -> x.id().equals("b-id")).findFirst().orElseThrow();
    assertThat(b.matchers().get(3).matches("y")).as("the regex compiles again").isFalse();
  }

  @Test
  void encodingDoesNotDependOnTheOrderOfTheState() {
    TenantState reversed = new TenantState(STATE.silences().reversed(), STATE.notificationLog().reversed());
    assertThat(FullStateCodec.encode("t1", reversed, RETENTION))
        .isEqualTo(FullStateCodec.encode("t1", STATE, RETENTION));
  }

  @Test
  void decodingDropsSilencesAndEntriesPastTheirExpiry() throws Exception {
    byte[] bytes = FullStateCodec.encode("t1", STATE, RETENTION);
    // a-id ends at T0+60s, so expires at T0+60s+120h; the older entry expires at T0-10s+120h.
    Instant later = T0.plus(RETENTION).plusSeconds(61);
    FullStateCodec.Decoded decoded = FullStateCodec.decode("t1", bytes, later, 0);
    assertThat(decoded.state().silences()).extracting(Silence::id).containsExactly("b-id");
    assertThat(decoded.state().notificationLog()).isEmpty();
    assertThat(decoded.expired()).isEqualTo(3);
  }

  @Test
  void partsOfAnotherTenantAreIgnored() throws Exception {
    byte[] bytes = FullStateCodec.encode("t1", STATE, RETENTION);
    assertThat(FullStateCodec.decode("t2", bytes, T0, 0).state()).isEqualTo(TenantState.EMPTY);
  }

  @Test
  void unknownFieldsOfNewerAlertmanagersAreSkipped() throws Exception {
    // nflog's muted_alerts (9) and receiver_data (8) exist in Alertmanager after 0.25.
    ProtoWriter receiver = new ProtoWriter();
    receiver.string(1, "team");
    receiver.string(2, "email");
    ProtoWriter entry = new ProtoWriter();
    entry.bytes(1, "{}:{}".getBytes());
    entry.message(2, receiver);
    entry.timestamp(5, T0);
    entry.packedUint64(6, new long[] {5});
    entry.packedUint64(9, new long[] {5});
    entry.message(8, receiver);
    ProtoWriter mesh = new ProtoWriter();
    mesh.message(1, entry);
    mesh.timestamp(2, T0.plusSeconds(10));
    FullStateCodec.Decoded decoded = FullStateCodec.decode("t1", fullState("nfl:t1", mesh.toByteArray()), T0, 0);
    assertThat(decoded.state().notificationLog()).containsExactly(new NotificationLog.Entry("{}:{}",
        new NotificationLog.Receiver("team", "email", 0), Set.of(5L), Set.of(), T0, T0.plusSeconds(10)));
  }

  @Test
  void anUnusableSilenceIsSkippedAndTheRestKept() throws Exception {
    ProtoWriter badMatcher = new ProtoWriter();
    badMatcher.varint(1, 1);
    badMatcher.string(2, "a");
    badMatcher.string(3, "(");
    ProtoWriter bad = new ProtoWriter();
    bad.string(1, "bad");
    bad.message(2, badMatcher);
    bad.timestamp(3, T0);
    bad.timestamp(4, T0.plusSeconds(60));
    bad.timestamp(5, T0);
    ProtoWriter badMesh = new ProtoWriter();
    badMesh.message(1, bad);
    badMesh.timestamp(2, T0.plus(RETENTION));
    ProtoWriter noTimes = new ProtoWriter();
    noTimes.string(1, "no-times");
    ProtoWriter noTimesMesh = new ProtoWriter();
    noTimesMesh.message(1, noTimes);
    noTimesMesh.timestamp(2, T0.plus(RETENTION));

    byte[] good = FullStateCodec.encode("t1", new TenantState(List.of(STATE.silences().get(0)), List.of()),
        RETENTION);
    byte[] bytes = concat(fullState("sil:t1", badMesh.toByteArray(), noTimesMesh.toByteArray()), good);
    FullStateCodec.Decoded decoded = FullStateCodec.decode("t1", bytes, T0, 0);
    assertThat(decoded.invalid()).isEqualTo(2);
    assertThat(decoded.state().silences()).extracting(Silence::id).containsExactly("b-id");
  }

  @Test
  void aTruncatedObjectIsCorrupt() {
    byte[] bytes = FullStateCodec.encode("t1", STATE, RETENTION);
    byte[] truncated = Arrays.copyOf(bytes, bytes.length - 5);
    assertThatThrownBy(() -> FullStateCodec.decode("t1", truncated, T0, 0))
        .isInstanceOfSatisfying(InvalidStateException.class,
            e -> assertThat(e.reason()).isEqualTo(InvalidStateException.Reason.CORRUPT))
        .hasMessageContaining("not a Mimir FullStateDesc");
    assertThatThrownBy(() -> FullStateCodec.decode("t1", "not protobuf at all".getBytes(), T0, 0))
        .isInstanceOf(InvalidStateException.class);
  }

  @Test
  void aStateThatWouldOutgrowItsHeapBudgetIsRefused() {
    // 200,000 one-byte hashes: 200 KB on the wire, some 10 MB as boxed longs in a set.
    long[] hashes = new long[200_000];
    Arrays.setAll(hashes, i -> i % 128);
    ProtoWriter receiver = new ProtoWriter();
    receiver.string(1, "team");
    ProtoWriter entry = new ProtoWriter();
    entry.message(2, receiver);
    entry.timestamp(5, T0);
    entry.packedUint64(6, hashes);
    ProtoWriter mesh = new ProtoWriter();
    mesh.message(1, entry);
    mesh.timestamp(2, T0.plusSeconds(10));
    byte[] bytes = fullState("nfl:t1", mesh.toByteArray());
    assertThatThrownBy(() -> FullStateCodec.decode("t1", bytes, T0, 8L * bytes.length))
        .isInstanceOfSatisfying(InvalidStateException.class,
            e -> assertThat(e.reason()).isEqualTo(InvalidStateException.Reason.TOO_LARGE));
  }

  /** A FullStateDesc with one part holding {@code messages} delimited. */
  static byte[] fullState(String key, byte[]... messages) {
    ProtoWriter stream = new ProtoWriter();
    for (byte[] m : messages) {
      stream.delimited(m);
    }
    ProtoWriter part = new ProtoWriter();
    part.string(1, key);
    part.bytes(2, stream.toByteArray());
    ProtoWriter state = new ProtoWriter();
    state.message(1, part);
    ProtoWriter desc = new ProtoWriter();
    desc.message(1, state);
    return desc.toByteArray();
  }

  /** Protobuf's merge of two messages of the same type is their concatenation: the parts add up. */
  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
