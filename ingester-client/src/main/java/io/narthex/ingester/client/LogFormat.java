package io.narthex.ingester.client;

/**
 * The version of the shard Raft log's entry format (docs/format/raft-log-entry.md), carried in every
 * {@code ShardLogEntry.format_version}. Writers (distributors, shard leaders) stamp {@link #VERSION}; a replica that
 * reads a version above it stops applying the shard until it is upgraded, rather than refuse an entry its peers
 * apply. A writer emits a new version only once every replica reads it.
 */
public final class LogFormat {
  /** The format this build writes and the newest it reads. Entries without the field (older logs) are version 1. */
  public static final int VERSION = 1;
  /** {@code ShardLogEntry.format_version}'s field number. */
  public static final int FIELD = 15;

  private LogFormat() {}
}
