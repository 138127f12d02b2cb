package io.narthex.alertmanager.dispatch;

import io.narthex.alertmanager.Matcher;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A silence as Alertmanager's {@code silencepb.Silence}: an id (a UUID), the matchers an alert's labels must all
 * satisfy, the active range, when it was last written, who created it and why.
 */
public record Silence(String id, List<Matcher> matchers, Instant startsAt, Instant endsAt, Instant updatedAt,
    String createdBy, String comment) {

  /** The three states of {@code types.SilenceState}. */
  public enum State {
    PENDING, ACTIVE, EXPIRED;

    /** The API's spelling. */
    public String apiName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public Silence {
    matchers = List.copyOf(matchers);
  }

  /** {@code getState}: pending before its start, expired after its end, else active. */
  public State state(Instant now) {
    if (now.isBefore(startsAt)) {
      return State.PENDING;
    }
    if (now.isAfter(endsAt)) {
      return State.EXPIRED;
    }
    return State.ACTIVE;
  }

  /** Whether every matcher matches the labels (a missing label is the empty value). */
  public boolean matches(Map<String, String> labels) {
    return DispatchRoute.matches(matchers, labels);
  }

  Silence withId(String newId) {
    return new Silence(newId, matchers, startsAt, endsAt, updatedAt, createdBy, comment);
  }

  Silence withRange(Instant start, Instant end) {
    return new Silence(id, matchers, start, end, updatedAt, createdBy, comment);
  }

  Silence withUpdatedAt(Instant at) {
    return new Silence(id, matchers, startsAt, endsAt, at, createdBy, comment);
  }
}
