package io.narthex.alertmanager;

import io.narthex.objstore.Bucket;
import io.narthex.objstore.NoSuchObjectException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Each tenant's Alertmanager configuration in object storage, one object per tenant at {@code <root>alerts/<tenant>}
 * as Mimir's bucket alert store names it ({@code pkg/alertmanager/alertstore/bucketclient}); the object holds
 * {@link AlertConfigDesc} as JSON rather than Mimir's protobuf. In the blocks bucket the root is
 * {@link #BLOCKS_BUCKET_ROOT}, which tenant listings skip. See docs/format/alertmanager-config.md.
 */
public final class BucketAlertStore {
  /** The root of the store in the blocks bucket: names starting with {@code __} are not tenants. */
  public static final String BLOCKS_BUCKET_ROOT = "__alertmanager__/";

  private final Bucket bucket;
  /** {@code <root>alerts/}. */
  private final String prefix;

  /** @param root prefix of every object, empty or ending in {@code /} */
  public BucketAlertStore(Bucket bucket, String root) {
    if (!root.isEmpty() && !root.endsWith("/")) {
      throw new IllegalArgumentException("alert store root must be empty or end in /: " + root);
    }
    this.bucket = bucket;
    this.prefix = root + "alerts/";
  }

  /** The tenants with a configuration, in name order. */
  public List<String> tenants() throws IOException {
    List<String> tenants = new ArrayList<>();
    bucket.iter(prefix, false, name -> {
      if (!name.endsWith("/")) {
        tenants.add(name.substring(prefix.length()));
      }
    });
    return tenants;
  }

  /**
   * The tenant's configuration, empty when it has none.
   *
   * @throws IOException when the bucket fails or the object is not the stored form
   */
  public Optional<AlertConfigDesc> get(String tenant) throws IOException {
    byte[] json;
    try (InputStream in = bucket.get(prefix + tenant)) {
      json = in.readAllBytes();
    } catch (NoSuchObjectException e) {
      return Optional.empty();
    }
    try {
      return Optional.of(AlertConfigDesc.fromJson(json));
    } catch (IOException e) {
      throw new IOException("stored Alertmanager config " + prefix + tenant + " cannot be read: " + e.getMessage(), e);
    }
  }

  /** Replaces the configuration of {@code config.user()}. */
  public void set(AlertConfigDesc config) throws IOException {
    bucket.upload(prefix + config.user(), config.toJson());
  }

  /** Deletes the tenant's configuration; deleting none succeeds. */
  public void delete(String tenant) throws IOException {
    bucket.delete(prefix + tenant);
  }
}
