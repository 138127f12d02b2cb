package io.narthex.objstore;

/** The named object does not exist. Never retried and never counted as a failure. */
public class NoSuchObjectException extends ObjectStoreException {
  private final String objectName;

  public NoSuchObjectException(String objectName, Throwable cause) {
    super("object not found: " + objectName, cause, false);
    this.objectName = objectName;
  }

  public NoSuchObjectException(String objectName) {
    this(objectName, null);
  }

  /** The name of the missing object. */
  public String objectName() {
    return objectName;
  }
}
