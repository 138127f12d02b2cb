package io.narthex.alertmanager.dispatch;

import io.narthex.alertmanager.Matcher;
import io.narthex.alertmanager.dispatch.Silences.SilenceException.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * One tenant's silences, as Alertmanager's {@code silence.Silences}: {@link #set} creates or updates with its rules,
 * {@link #expire} ends one, {@link #mutedBy} lists the active silences that match an alert. Expired silences are kept
 * for {@code retention} after their end. The state is a plain map of values that replication can snapshot and merge
 * (the later {@code updatedAt} wins, as {@code silence.state.merge}). Not thread-safe.
 */
public final class Silences {
  /**
   * Mimir's per-tenant silence limits; 0 means no limit.
   *
   * @param maxSilencesCount {@code alertmanager_max_silences_count}: pending and active silences
   * @param maxSilenceSizeBytes {@code alertmanager_max_silence_size_bytes}
   */
  public record Limits(int maxSilencesCount, long maxSilenceSizeBytes) {
    public static final Limits NONE = new Limits(0, 0);
  }

  /** A silence refused: invalid, over a limit, or not found; the message is Alertmanager's. */
  public static final class SilenceException extends RuntimeException {
    /** Why: the API prefixes {@code INVALID} messages with {@code silence invalid: }, as Alertmanager's Set does. */
    public enum Reason { INVALID, NOT_FOUND, ALREADY_EXPIRED, MAX_SILENCES_COUNT, MAX_SILENCE_SIZE_BYTES }

    private final Reason reason;

    public SilenceException(String message, Reason reason) {
      super(message);
      this.reason = reason;
    }

    /** Whether the id named no silence (404 in the API, else 400). */
    public boolean notFound() {
      return reason == Reason.NOT_FOUND;
    }

    public Reason reason() {
      return reason;
    }
  }

  private final Limits limits;
  private final Duration retention;
  private final Supplier<String> ids;
  private final Map<String, Silence> silences = new LinkedHashMap<>();

  /** Silences with random UUIDs. */
  public Silences(Limits limits, Duration retention) {
    this(limits, retention, () -> UUID.randomUUID().toString());
  }

  /** Silences with the given id source (tests use a predictable one). */
  public Silences(Limits limits, Duration retention, Supplier<String> ids) {
    this.limits = limits;
    this.retention = retention;
    this.ids = ids;
  }

  /**
   * {@code Silences.Set}: with an id, the silence is updated in place when its matchers are unchanged and the update
   * keeps the rules of its state (an active one keeps its start and may not end in the past; a pending one may not
   * start in the past; an expired one cannot change); otherwise the old one is expired (unless it already is) and a
   * new one is created under a new id. A new silence starting in the past starts now.
   *
   * @return the id written
   * @throws SilenceException when the id is unknown, the silence is invalid or over a limit
   */
  public String set(Silence silence, Instant now) {
    String id = silence.id() == null ? "" : silence.id();
    // As the API does before Set: the update rules below compare timestamps that must be there.
    validate(silence);
    Silence prev = silences.get(id);
    if (!id.isEmpty() && prev == null) {
      throw new SilenceException("not found", Reason.NOT_FOUND);
    }
    if (prev != null) {
      if (canUpdate(prev, silence, now)) {
        write(silence.withId(id), now);
        return id;
      }
      if (prev.state(now) != Silence.State.EXPIRED) {
        checkLimits(silence.withId(id), now, id, null);
        expire(id, now);
      }
    }
    Silence created = silence.withId(ids.get());
    if (created.startsAt() != null && created.startsAt().isBefore(now)) {
      created = created.withRange(now, created.endsAt());
    }
    // The silence it replaces ends now, which still counts as active at now: it must not count against the limit.
    write(created, now, prev == null ? null : id);
    return created.id();
  }

  /**
   * {@code Silences.Expire}: an active silence ends now, a pending one starts and ends now.
   *
   * @throws SilenceException when unknown or already expired
   */
  public void expire(String id, Instant now) {
    Silence s = silences.get(id);
    if (s == null) {
      throw new SilenceException("not found", Reason.NOT_FOUND);
    }
    switch (s.state(now)) {
      case EXPIRED -> throw new SilenceException("silence " + id + " already expired", Reason.ALREADY_EXPIRED);
      case ACTIVE -> write(s.withRange(s.startsAt(), now), now);
      case PENDING -> write(s.withRange(now, now), now);
    }
  }

  private static boolean canUpdate(Silence a, Silence b, Instant now) {
    if (!sameMatchers(a.matchers(), b.matchers())) {
      return false;
    }
    return switch (a.state(now)) {
      case ACTIVE -> b.startsAt().equals(a.startsAt()) && !b.endsAt().isBefore(now);
      case PENDING -> !b.startsAt().isBefore(now);
      case EXPIRED -> false;
    };
  }

  private static boolean sameMatchers(List<Matcher> a, List<Matcher> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      Matcher x = a.get(i);
      Matcher y = b.get(i);
      if (!x.name().equals(y.name()) || x.type() != y.type() || !x.value().equals(y.value())) {
        return false;
      }
    }
    return true;
  }

  private void write(Silence s, Instant now) {
    write(s, now, null);
  }

  /** @param replaced the id of the silence this one replaces, not counted against the limit; null for none */
  private void write(Silence s, Instant now, String replaced) {
    Silence stamped = s.withUpdatedAt(now);
    validate(stamped);
    checkLimits(stamped, now, stamped.id(), replaced);
    silences.put(stamped.id(), stamped);
  }

  /** {@code validateSilence}: Alertmanager's messages. */
  static void validate(Silence s) {
    if (s.matchers().isEmpty()) {
      throw new SilenceException("at least one matcher required", Reason.INVALID);
    }
    boolean allMatchEmpty = true;
    for (int i = 0; i < s.matchers().size(); i++) {
      Matcher m = s.matchers().get(i);
      if (!m.name().matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
        throw new SilenceException("invalid label matcher " + i + ": invalid label name \"" + m.name() + "\"",
            Reason.INVALID);
      }
      allMatchEmpty &= m.matches("");
    }
    if (allMatchEmpty) {
      throw new SilenceException("at least one matcher must not match the empty string", Reason.INVALID);
    }
    if (s.startsAt() == null) {
      throw new SilenceException("invalid zero start timestamp", Reason.INVALID);
    }
    if (s.endsAt() == null) {
      throw new SilenceException("invalid zero end timestamp", Reason.INVALID);
    }
    if (s.endsAt().isBefore(s.startsAt())) {
      throw new SilenceException("end time must not be before start time", Reason.INVALID);
    }
  }

  /**
   * @param replacing the silence's own id, not counted
   * @param replaced the id of the silence it replaces, not counted either; null for none
   */
  private void checkLimits(Silence s, Instant now, String replacing, String replaced) {
    if (s.state(now) == Silence.State.EXPIRED) {
      // Expiring must work even after a limit was lowered.
      return;
    }
    long size = sizeBytes(s);
    if (limits.maxSilenceSizeBytes() > 0 && size > limits.maxSilenceSizeBytes()) {
      throw new SilenceException("silence exceeded maximum size: " + size + " bytes (limit: "
          + limits.maxSilenceSizeBytes() + " bytes)", Reason.MAX_SILENCE_SIZE_BYTES);
    }
    if (limits.maxSilencesCount() > 0) {
      int live = 0;
      for (Silence other : silences.values()) {
        if (!other.id().equals(replacing) && !other.id().equals(replaced)
            && other.state(now) != Silence.State.EXPIRED) {
          live++;
        }
      }
      if (live + 1 > limits.maxSilencesCount()) {
        throw new SilenceException("exceeded maximum number of silences: " + live + " (limit: "
            + limits.maxSilencesCount() + ")", Reason.MAX_SILENCES_COUNT);
      }
    }
  }

  /**
   * The size the size limit counts: the UTF-8 bytes of id, matcher names and values, creator and comment, plus 8
   * bytes per timestamp and 1 per matcher operator (an approximation of the protobuf size Alertmanager measures).
   */
  static long sizeBytes(Silence s) {
    long n = utf8(s.id()) + utf8(s.createdBy()) + utf8(s.comment()) + 3 * 8;
    for (Matcher m : s.matchers()) {
      n += utf8(m.name()) + utf8(m.value()) + 1;
    }
    return n;
  }

  private static long utf8(String s) {
    return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** The silence with this id, or null. */
  public Silence get(String id) {
    return silences.get(id);
  }

  /** All silences, expired ones included until {@link #collectGarbage}. */
  public List<Silence> list() {
    return List.copyOf(silences.values());
  }

  /** The ids, sorted, of the active silences whose matchers all match the labels (the alert's silencedBy). */
  public List<String> mutedBy(Map<String, String> labels, Instant now) {
    List<String> out = new ArrayList<>();
    for (Silence s : silences.values()) {
      if (s.state(now) == Silence.State.ACTIVE && s.matches(labels)) {
        out.add(s.id());
      }
    }
    out.sort(null);
    return out;
  }

  /** {@code Silences.GC}: drops silences whose end is more than the retention ago. */
  public int collectGarbage(Instant now) {
    int before = silences.size();
    silences.values().removeIf(s -> !s.endsAt().plus(retention).isAfter(now));
    return before - silences.size();
  }

  /** Merges a peer's silence: taken when new here or updated later than the one held. */
  public boolean merge(Silence s, Instant now) {
    if (!s.endsAt().plus(retention).isAfter(now)) {
      return false;
    }
    Silence prev = silences.get(s.id());
    if (prev == null || prev.updatedAt().isBefore(s.updatedAt())) {
      silences.put(s.id(), s);
      return true;
    }
    return false;
  }

  /** A copy of all silences, to persist or send to peers. */
  public Map<String, Silence> snapshot() {
    return Map.copyOf(silences);
  }
}
