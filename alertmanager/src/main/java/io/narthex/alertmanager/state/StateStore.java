package io.narthex.alertmanager.state;

import io.narthex.objstore.Bucket;
import io.narthex.objstore.NoSuchObjectException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Each tenant's persisted Alertmanager state in object storage, one object per tenant at
 * {@code <root>alertmanager/<tenant>/fullstate} holding Mimir's {@code alertspb.FullStateDesc}, as Mimir's bucket
 * alert store keeps it ({@code GetFullState}/{@code SetFullState} of {@code pkg/alertmanager/alertstore/bucketclient}):
 * beside the configurations at {@code <root>alerts/<tenant>}, so the same root serves both.
 *
 * <p>Reads are bounded: an object over {@code maxStateSizeBytes}, or one that would take more than 8 times that on
 * the heap once decoded (a legitimate state takes about 3 to 5 times its size), is refused with
 * {@link InvalidStateException}. Thread-safe.
 */
public final class StateStore {
  // A legitimate state decodes to 3 to 5 times its size; a crafted one (tiny hashes) to up to 30 times.
  private static final long HEAP_BUDGET_FACTOR = 8;

  private final Bucket bucket;
  private final String root;
  private final Duration retention;
  private final long maxStateSizeBytes;

  /**
   * @param root prefix of every object, empty or ending in {@code /} (the {@code BucketAlertStore}'s root)
   * @param retention how long silences and log entries are kept after they end (Alertmanager's
   *     {@code --data.retention}): a silence's {@code expires_at} is its end plus this
   * @param maxStateSizeBytes the largest object read; 0 for no limit
   */
  public StateStore(Bucket bucket, String root, Duration retention, long maxStateSizeBytes) {
    if (!root.isEmpty() && !root.endsWith("/")) {
      throw new IllegalArgumentException("state store root must be empty or end in /: " + root);
    }
    this.bucket = bucket;
    this.root = root;
    this.retention = retention;
    this.maxStateSizeBytes = maxStateSizeBytes;
  }

  /** The object holding a tenant's state: {@code <root>alertmanager/<tenant>/fullstate}. */
  public String objectName(String tenant) {
    return root + "alertmanager/" + tenant + "/fullstate";
  }

  /**
   * The tenant's stored state, less what expired before {@code now}; empty when none is stored.
   *
   * @throws InvalidStateException when the object is not Mimir's full state or is too large
   * @throws IOException when the bucket fails
   */
  public Optional<TenantState> get(String tenant, Instant now) throws IOException {
    return Optional.ofNullable(read(tenant, now)).map(FullStateCodec.Decoded::state);
  }

  /** As {@link #get}, with the count of dropped messages; null when none is stored. */
  FullStateCodec.Decoded read(String tenant, Instant now) throws IOException {
    String name = objectName(tenant);
    byte[] bytes;
    try (InputStream in = bucket.get(name)) {
      // One byte more than the limit tells an object at the limit from one over it without reading it all.
      bytes = maxStateSizeBytes > 0 ? in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxStateSizeBytes + 1))
          : in.readAllBytes();
    } catch (NoSuchObjectException e) {
      return null;
    }
    if (maxStateSizeBytes > 0 && bytes.length > maxStateSizeBytes) {
      throw new InvalidStateException(InvalidStateException.Reason.TOO_LARGE, name + " is over "
          + maxStateSizeBytes + " bytes (-alertmanager.max-state-size-bytes)");
    }
    try {
      return FullStateCodec.decode(tenant, bytes, now, HEAP_BUDGET_FACTOR * maxStateSizeBytes);
    } catch (InvalidStateException e) {
      throw new InvalidStateException(e.reason(), name + ": " + e.getMessage()
          + (e.reason() == InvalidStateException.Reason.TOO_LARGE ? " (-alertmanager.max-state-size-bytes)" : ""));
    }
  }

  /** The stored form of a state (deterministic: equal states give equal bytes). */
  public byte[] encode(String tenant, TenantState state) {
    return FullStateCodec.encode(tenant, state, retention);
  }

  /** Replaces the tenant's stored state with {@code encoded} (from {@link #encode}). */
  public void set(String tenant, byte[] encoded) throws IOException {
    bucket.upload(objectName(tenant), encoded);
  }

  /** Replaces the tenant's stored state. */
  public void set(String tenant, TenantState state) throws IOException {
    set(tenant, encode(tenant, state));
  }

  /** Deletes the tenant's stored state; deleting none succeeds. */
  public void delete(String tenant) throws IOException {
    bucket.delete(objectName(tenant));
  }
}
