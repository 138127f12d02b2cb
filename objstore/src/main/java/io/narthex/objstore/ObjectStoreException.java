package io.narthex.objstore;

import java.io.IOException;

/**
 * A failed object-storage call. {@link #retryable()} tells whether the failure looked transient
 * (an I/O error, a 5xx answer, throttling) so that trying again may succeed, or permanent (access
 * denied, missing bucket, bad request, retries exhausted).
 */
public class ObjectStoreException extends IOException {
  private final boolean retryable;

  public ObjectStoreException(String message, Throwable cause, boolean retryable) {
    super(message, cause);
    this.retryable = retryable;
  }

  public ObjectStoreException(String message, boolean retryable) {
    this(message, null, retryable);
  }

  /** Whether trying the same call again may succeed. */
  public boolean retryable() {
    return retryable;
  }
}
