package io.narthex.alertmanager.replication;

/**
 * A change too large for one log entry, refused before it is proposed (and by the leader, should a client skip the
 * check): a client fault, which the API answers with 413 and the entry's size.
 */
public final class EntryTooLargeException extends IllegalArgumentException {
  private final long entryBytes;
  private final long maxEntryBytes;

  public EntryTooLargeException(long entryBytes, long maxEntryBytes) {
    super("the change takes " + entryBytes + " bytes as a replicated log entry, over the limit of " + maxEntryBytes
        + " bytes; send fewer alerts per request or a smaller silence");
    this.entryBytes = entryBytes;
    this.maxEntryBytes = maxEntryBytes;
  }

  public long entryBytes() {
    return entryBytes;
  }

  public long maxEntryBytes() {
    return maxEntryBytes;
  }
}
