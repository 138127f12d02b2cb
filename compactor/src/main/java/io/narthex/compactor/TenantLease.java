package io.narthex.compactor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.NoSuchObjectException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compactor's claim on one tenant while it changes that tenant's blocks, kept in the bucket as
 * {@code <tenant>/compactor-lease.json}: {@code {"owner": "<instance id>/<random>", "expires_at_ms": ...}}. The ring
 * gives each tenant one compactor, but only by configuration: two processes started with the same id (or with
 * different views of the ring) would both compact every tenant they think theirs, duplicating blocks and work.
 *
 * <p>Taking a lease: read it; if another owner's lease has not expired, give up; else write ours, wait
 * {@link #settleDelay}, and read it back: if another compactor wrote after us, it won and we give up. While held, a
 * background thread renews it every third of {@link #duration}, and gives it up for good when it finds another
 * owner there (ours expired: a stall longer than the lease). The holder deletes it when done with the tenant.
 *
 * <p>Neither the filesystem nor the object-store interface here offers compare-and-set, so this narrows the race
 * rather than closing it: two compactors that both read the lease as free, then each wrote it more than the settle
 * delay apart (a process stalled between its read and its write for longer than that), could both hold it. Even
 * then nothing is lost: a duplicated block holds the same samples as its twin, queries merge overlapping blocks
 * sample by sample, and the next compaction of their window merges the twins (same sources: neither is redundant to
 * the other). Compactors whose rings disagree for a moment during a ring change meet here the same way.
 */
final class TenantLease implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TenantLease.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String FILENAME = "compactor-lease.json";
  /**
   * Renewed every 20 s, so two renewals may fail in a row; a holder that crashed blocks the tenant this long, as a
   * dead instance holds its ring tokens in Mimir until its heartbeat times out (1m).
   */
  static final Duration DEFAULT_DURATION = Duration.ofMinutes(1);
  /** Longer than a PUT normally takes, so that the later of two racing writers is seen by the earlier one. */
  static final Duration DEFAULT_SETTLE_DELAY = Duration.ofSeconds(2);

  /** Thrown when this compactor no longer holds the tenant's lease it was working under. */
  static final class LostException extends IOException {
    LostException(String message) {
      super(message);
    }
  }

  private final Bucket bucket;
  private final String owner;
  private final Clock clock;
  private final Duration duration;
  private final Duration settleDelay;
  private final ScheduledExecutorService renewer;
  /** The tenant whose lease is held, null for none; guarded by this. */
  private String held;
  /** Set when a renewal found another owner; guarded by this. */
  private boolean lost;

  /**
   * @param instanceId this compactor's ring id; a random suffix tells apart processes started with the same one
   * @param clock gives the expiry times, compared across compactors (their clocks must roughly agree)
   */
  TenantLease(Bucket bucket, String instanceId, Clock clock, Duration duration, Duration settleDelay) {
    this.bucket = bucket;
    this.owner = instanceId + "/" + UUID.randomUUID();
    this.clock = clock;
    this.duration = duration;
    this.settleDelay = settleDelay;
    this.renewer = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().daemon().name("compactor-lease-" + instanceId).factory());
    long periodMs = Math.max(1, duration.toMillis() / 3);
    renewer.scheduleWithFixedDelay(this::renew, periodMs, periodMs, TimeUnit.MILLISECONDS);
  }

  String owner() {
    return owner;
  }

  static String path(String tenant) {
    return tenant + "/" + FILENAME;
  }

  /**
   * Takes the tenant's lease, releasing any other held.
   *
   * @return true when this compactor holds it now; false when another compactor does
   * @throws InterruptedIOException when interrupted while waiting for the settle delay
   */
  boolean acquire(String tenant) throws IOException {
    Lease current = read(tenant);
    if (current != null && !current.owner().equals(owner) && current.expiresAtMs() > clock.millis()) {
      log.info("tenant leased by another compactor; skipping it tenant={} owner={} expires_in_ms={}", tenant,
          current.owner(), current.expiresAtMs() - clock.millis());
      return false;
    }
    write(tenant);
    try {
      Thread.sleep(settleDelay);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while taking the lease of tenant " + tenant);
    }
    Lease after = read(tenant);
    if (after == null || !after.owner().equals(owner)) {
      log.info("another compactor took the tenant's lease at the same time; skipping it tenant={} owner={}", tenant,
          after == null ? null : after.owner());
      return false;
    }
    synchronized (this) {
      held = tenant;
      lost = false;
    }
    return true;
  }

  /** @throws LostException when the lease of {@code tenant} is not held (any more) */
  synchronized void checkHeld(String tenant) throws LostException {
    if (!tenant.equals(held) || lost) {
      throw new LostException("compactor lease of tenant " + tenant + " lost to another compactor");
    }
  }

  /** Gives the lease up: deleted from the bucket when still ours. Errors are logged; it then expires. */
  synchronized void release(String tenant) {
    if (!tenant.equals(held)) {
      return;
    }
    held = null;
    // Released on close too, which interrupts the pass: an interrupted thread cannot read a file channel.
    boolean interrupted = Thread.interrupted();
    try {
      Lease current = read(tenant);
      if (current != null && current.owner().equals(owner)) {
        bucket.delete(path(tenant));
      }
    } catch (IOException e) {
      log.warn("releasing the compactor lease failed; it expires instead tenant={} err=\"{}\"", tenant,
          e.toString());
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private synchronized void renew() {
    if (held == null || lost) {
      return;
    }
    try {
      Lease current = read(held);
      if (current != null && !current.owner().equals(owner)) {
        lost = true;
        log.warn("compactor lease taken over by another compactor tenant={} owner={}", held, current.owner());
        return;
      }
      write(held);
    } catch (IOException | RuntimeException e) {
      log.warn("renewing the compactor lease failed; retrying tenant={} err=\"{}\"", held, e.toString());
    }
  }

  private record Lease(String owner, long expiresAtMs) {}

  private void write(String tenant) throws IOException {
    String json = JSON.createObjectNode().put("owner", owner)
        .put("expires_at_ms", clock.millis() + duration.toMillis()).toString();
    bucket.upload(path(tenant), json.getBytes(StandardCharsets.UTF_8));
  }

  /** The stored lease, or null when there is none or it does not parse (treated as free). */
  private Lease read(String tenant) throws IOException {
    byte[] bytes;
    try (InputStream in = bucket.get(path(tenant))) {
      bytes = in.readAllBytes();
    } catch (NoSuchObjectException e) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(bytes);
      return new Lease(node.path("owner").asText(""), node.path("expires_at_ms").asLong(0));
    } catch (IOException e) {
      log.warn("ignoring unreadable compactor lease tenant={} err=\"{}\"", tenant, e.getMessage());
      return null;
    }
  }

  @Override
  public void close() {
    renewer.shutdownNow();
  }
}
