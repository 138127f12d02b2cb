package io.narthex.alertmanager.dispatch;

import static io.narthex.alertmanager.dispatch.Fixtures.at;
import static io.narthex.alertmanager.dispatch.Fixtures.labels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.alertmanager.Matcher;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SilencesTest {
  private final AtomicInteger next = new AtomicInteger();
  private final Silences silences = silences(Silences.Limits.NONE);

  private Silences silences(Silences.Limits limits) {
    return new Silences(limits, Duration.ofHours(1), () -> "s" + next.incrementAndGet());
  }

  private static Silence silence(String id, String matchers, Instant start, Instant end) {
    return new Silence(id, Matcher.parseAll(matchers), start, end, null, "me", "why");
  }

  @Test
  void newSilenceStartingInThePastStartsNowAndMatchesAlertsWhileActive() {
    String id = silences.set(silence(null, "{alertname=\"x\"}", at(-100), at(100)), at(0));
    assertThat(silences.get(id).startsAt()).isEqualTo(at(0));
    assertThat(silences.mutedBy(labels("alertname", "x", "job", "j"), at(50))).containsExactly(id);
    assertThat(silences.mutedBy(labels("alertname", "y"), at(50))).isEmpty();
    assertThat(silences.mutedBy(labels("alertname", "x"), at(101))).isEmpty();
    assertThat(silences.get(id).state(at(101))).isEqualTo(Silence.State.EXPIRED);
  }

  @Test
  void changingMatchersOfActiveSilenceExpiresItAndCreatesANewOne() {
    String id = silences.set(silence(null, "{alertname=\"x\"}", at(0), at(100)), at(0));
    String replaced = silences.set(silence(id, "{alertname=\"y\"}", at(0), at(100)), at(10));
    assertThat(replaced).isNotEqualTo(id);
    assertThat(silences.get(id).endsAt()).isEqualTo(at(10));
    assertThat(silences.get(id).state(at(11))).isEqualTo(Silence.State.EXPIRED);
    assertThat(silences.get(replaced).startsAt()).isEqualTo(at(10));
  }

  @Test
  void extendingActiveSilenceWithSameMatchersUpdatesItInPlace() {
    String id = silences.set(silence(null, "{alertname=\"x\"}", at(0), at(100)), at(0));
    assertThat(silences.set(silence(id, "{alertname=\"x\"}", at(0), at(500)), at(10))).isEqualTo(id);
    assertThat(silences.get(id).endsAt()).isEqualTo(at(500));
    assertThat(silences.get(id).updatedAt()).isEqualTo(at(10));
  }

  @Test
  void expiringPendingSilenceSetsStartAndEndToNow() {
    String id = silences.set(silence(null, "{alertname=\"x\"}", at(100), at(200)), at(0));
    assertThat(silences.get(id).state(at(0))).isEqualTo(Silence.State.PENDING);
    silences.expire(id, at(5));
    assertThat(silences.get(id).startsAt()).isEqualTo(at(5));
    assertThat(silences.get(id).endsAt()).isEqualTo(at(5));
    assertThatThrownBy(() -> silences.expire(id, at(6))).hasMessage("silence " + id + " already expired");
  }

  @Test
  void rejectsSilencesAsAlertmanagerValidates() {
    assertThatThrownBy(() -> silences.set(silence(null, "{}", at(0), at(10)), at(0)))
        .hasMessage("at least one matcher required");
    // Message checked against Alertmanager 0.25's POST /api/v2/silences ("silence invalid: ...").
    assertThatThrownBy(() -> silences.set(silence(null, "{a=~\".*\",b=\"\"}", at(0), at(10)), at(0)))
        .hasMessage("at least one matcher must not match the empty string");
    assertThatThrownBy(() -> silences.set(silence(null, "{a=\"b\"}", at(10), at(5)), at(0)))
        .hasMessage("end time must not be before start time");
    String id = silences.set(silence(null, "{a=\"b\"}", at(0), at(10)), at(0));
    assertThatThrownBy(() -> silences.set(silence(id, "{a=\"b\"}", null, at(10)), at(1)))
        .hasMessage("invalid zero start timestamp");
    assertThatThrownBy(() -> silences.set(silence("nope", "{a=\"b\"}", at(0), at(5)), at(0)))
        .isInstanceOf(Silences.SilenceException.class).matches(e -> ((Silences.SilenceException) e).notFound());
  }

  @Test
  void silenceCountLimitCountsOnlyPendingAndActiveSilences() {
    Silences limited = silences(new Silences.Limits(1, 0));
    String id = limited.set(silence(null, "{a=\"b\"}", at(0), at(10)), at(0));
    assertThatThrownBy(() -> limited.set(silence(null, "{a=\"c\"}", at(0), at(10)), at(1)))
        .hasMessage("exceeded maximum number of silences: 1 (limit: 1)");
    limited.expire(id, at(2));
    assertThat(limited.set(silence(null, "{a=\"c\"}", at(0), at(10)), at(3))).isNotNull();
  }

  @Test
  void changingTheMatchersOfTheOnlySilenceAllowedReplacesIt() {
    Silences limited = silences(new Silences.Limits(1, 0));
    String id = limited.set(silence(null, "{a=\"b\"}", at(0), at(10)), at(0));
    String replaced = limited.set(silence(id, "{a=\"c\"}", at(0), at(10)), at(1));
    assertThat(limited.get(id).state(at(2))).isEqualTo(Silence.State.EXPIRED);
    assertThat(limited.get(replaced).state(at(2))).isEqualTo(Silence.State.ACTIVE);
  }

  @Test
  void silenceSizeLimitRefusesLargeSilencesButStillExpiresThem() {
    Silences limited = silences(new Silences.Limits(0, 60));
    String big = "{a=\"" + "x".repeat(40) + "\"}";
    assertThatThrownBy(() -> limited.set(silence(null, big, at(0), at(10)), at(0)))
        .hasMessageStartingWith("silence exceeded maximum size: ");
    String id = limited.set(silence(null, "{a=\"b\"}", at(0), at(10)), at(0));
    limited.expire(id, at(1));
    assertThat(limited.list()).hasSize(1);
  }

  @Test
  void mergeKeepsTheLaterUpdateAndGarbageCollectionDropsSilencesPastRetention() {
    String id = silences.set(silence(null, "{a=\"b\"}", at(0), at(10)), at(0));
    Silence older = silences.get(id);
    Silence newer = new Silence(id, older.matchers(), at(0), at(20), at(5), "me", "peer");
    assertThat(silences.merge(newer, at(6))).isTrue();
    assertThat(silences.merge(older, at(6))).isFalse();
    assertThat(silences.snapshot().get(id).comment()).isEqualTo("peer");
    assertThat(silences.collectGarbage(at(20 + 3600))).isEqualTo(1);
    assertThat(silences.list()).isEmpty();
  }
}
