package io.narthex.ingester.client;

/**
 * The version of the shard Raft log's entry format (docs/format/raft-log-entry.md), carried in every
 * {@code ShardLogEntry.format_version}. Writers (distributors, shard leaders) stamp {@link #VERSION}; a replica that
 * reads a version above it stops applying the shard until it is upgraded, rather than refuse an entry its peers
 * apply. A writer emits a new version only once every replica reads it.
 */
public final class LogFormat {
  /** The newest format this build reads. Entries without the field (older logs) are version 1. */
  public static final int VERSION = 2;
  /**
   * What writers stamp on every entry but a push batch: the layout of version 1, which every replica since the
   * field existed reads, so that writers upgraded before the replicas do not stop them.
   */
  public static final int SINGLE = 1;
  /**
   * A push batch (group commit): {@code snappy_push} (field 5) occurs two or more times, each an independent push
   * applied in order, answered with one length-delimited {@code PushResponse} per push in the same order. A version
   * 1 reader would apply only the last occurrence (protobuf's rule for a repeated singular field), hence its own
   * version, which older replicas refuse to apply: upgrade the ingesters before the distributors.
   */
  public static final int BATCH = 2;
  /** {@code ShardLogEntry.format_version}'s field number. */
  public static final int FIELD = 15;

  private LogFormat() {}
}
