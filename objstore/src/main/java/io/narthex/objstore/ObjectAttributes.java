package io.narthex.objstore;

import java.time.Instant;
import java.util.Objects;

/**
 * An object's attributes.
 *
 * @param sizeBytes the object's size in bytes, non-negative
 * @param lastModified when the object was last written (the backend's clock, at its precision:
 *     seconds for S3, the filesystem's for the filesystem backend)
 */
public record ObjectAttributes(long sizeBytes, Instant lastModified) {
  public ObjectAttributes {
    if (sizeBytes < 0) {
      throw new IllegalArgumentException("sizeBytes must be >= 0, got " + sizeBytes);
    }
    Objects.requireNonNull(lastModified, "lastModified");
  }
}
