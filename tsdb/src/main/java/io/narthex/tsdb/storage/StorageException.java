package io.narthex.tsdb.storage;

/** A fault in storage while reading: not the caller's fault, so it maps to a 5xx. */
public class StorageException extends RuntimeException {
  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  public StorageException(String message) {
    super(message);
  }
}
