package io.narthex.compactor;

import io.narthex.blocks.BucketIndex;
import io.narthex.blocks.DeletionMark;
import io.narthex.blocks.NoCompactMark;
import io.narthex.blocks.TenantDeletionMark;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.NoSuchObjectException;
import io.narthex.tsdb.block.BlockMetaFile;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes blocks from the bucket, as Mimir's blocks cleaner: blocks marked for deletion longer than the deletion
 * delay ago, partial blocks (abandoned shipper or compactor uploads, and block upload API uploads never finished),
 * and every object of a tenant marked for deletion. A block is
 * deleted meta.json first, so that from then on every reader treats it as partial and ignores it, then its other
 * files, then its deletion marks last, so an interrupted deletion is finished by a later pass.
 */
final class BlocksCleaner {
  private static final Logger log = LoggerFactory.getLogger(BlocksCleaner.class);
  private static final Pattern ULID = Pattern.compile("[0-7][0-9A-HJKMNP-TV-Z]{25}");

  private final Bucket bucket;
  private final CompactorMetrics metrics;

  BlocksCleaner(Bucket bucket, CompactorMetrics metrics) {
    this.metrics = metrics;
    this.bucket = bucket;
  }

  /** Runs before each deletion: the compactor takes or checks its lease of the tenant there. */
  @FunctionalInterface
  interface BeforeDelete {
    BeforeDelete NONE = () -> { };

    /** @throws IOException to stop: nothing more is deleted */
    void check() throws IOException;
  }

  /**
   * Deletes all of the tenant's objects: each block (meta.json first), then everything else, the bucket index,
   * and the tenant deletion mark last.
   *
   * @return blocks deleted
   */
  int deleteTenant(String tenant, BeforeDelete beforeDelete) throws IOException {
    beforeDelete.check();
    int blocks = 0;
    for (String blockId : blockDirectories(tenant)) {
      deleteBlock(tenant, blockId);
      blocks++;
    }
    String indexName = BucketIndex.path(tenant);
    String markName = TenantDeletionMark.path(tenant);
    for (String name : bucket.list(tenant + "/", true)) {
      if (!name.equals(indexName) && !name.equals(markName)) {
        bucket.delete(name);
      }
    }
    bucket.delete(indexName);
    bucket.delete(markName);
    log.info("deleted tenant tenant={} blocks={}", tenant, blocks);
    return blocks;
  }

  /**
   * Deletes the blocks whose deletion mark is at least {@code deletionDelay} old.
   *
   * @return the ids deleted
   */
  List<String> deleteMarkedBlocks(String tenant, BucketIndex index, Instant now, Duration deletionDelay,
      BeforeDelete beforeDelete) throws IOException {
    List<String> deleted = new java.util.ArrayList<>();
    long cutoffSeconds = now.minus(deletionDelay).getEpochSecond();
    for (BucketIndex.BlockDeletionMark mark : index.blockDeletionMarks()) {
      if (mark.deletionTimeSeconds() <= cutoffSeconds) {
        beforeDelete.check();
        deleteBlock(tenant, mark.blockId());
        deleted.add(mark.blockId());
      }
    }
    if (!deleted.isEmpty()) {
      log.info("deleted blocks marked for deletion tenant={} blocks={}", tenant, deleted);
    }
    return deleted;
  }

  /**
   * Deletes the partial blocks: block directories without meta.json whose newest object is older than
   * {@code partialBlockDeletionDelay}, or that are marked for deletion (a deletion that was interrupted after
   * meta.json went). An upload through the block upload API is such a block until it is finished: one that
   * nothing was written to for the delay is deleted, as Mimir treats it, so an abandoned upload cannot keep its
   * bytes in the bucket for ever.
   *
   * @return the ids deleted
   */
  List<String> deletePartialBlocks(String tenant, BucketIndex index, Instant now, Duration partialBlockDeletionDelay,
      BeforeDelete beforeDelete) throws IOException {
    Set<String> complete = new HashSet<>();
    for (BucketIndex.Block b : index.blocks()) {
      complete.add(b.blockId());
    }
    Set<String> marked = index.markedForDeletion();
    List<String> deleted = new java.util.ArrayList<>();
    for (String blockId : blockDirectories(tenant)) {
      if (complete.contains(blockId)) {
        continue;
      }
      String prefix = tenant + "/" + blockId + "/";
      if (bucket.exists(prefix + BlockMetaFile.FILENAME)) {
        continue; // completed since the index was built
      }
      boolean expired = marked.contains(blockId);
      if (!expired && !partialBlockDeletionDelay.isZero()) { // 0 turns the deletion off, as in Mimir
        Instant newest = Instant.EPOCH;
        for (String name : bucket.list(prefix, true)) {
          try {
            Instant modified = bucket.attributes(name).lastModified();
            newest = modified.isAfter(newest) ? modified : newest;
          } catch (NoSuchObjectException e) {
            // deleted meanwhile
          }
        }
        expired = !newest.plus(partialBlockDeletionDelay).isAfter(now);
      }
      if (expired) {
        beforeDelete.check();
        deleteBlock(tenant, blockId);
        deleted.add(blockId);
      }
    }
    if (!deleted.isEmpty()) {
      log.info("deleted partial blocks tenant={} blocks={}", tenant, deleted);
    }
    return deleted;
  }

  /** Deletes a block: meta.json, its other files, its no-compact marks, then its deletion marks. */
  void deleteBlock(String tenant, String blockId) throws IOException {
    String prefix = tenant + "/" + blockId + "/";
    bucket.delete(prefix + BlockMetaFile.FILENAME);
    String localMark = DeletionMark.blockLocalPath(tenant, blockId);
    for (String name : bucket.list(prefix, true)) {
      if (!name.equals(localMark)) {
        bucket.delete(name);
      }
    }
    NoCompactMark.delete(bucket, tenant, blockId);
    DeletionMark.delete(bucket, tenant, blockId);
    metrics.blocksDeleted.inc();
  }

  /** The ULID-named directories under {@code <tenant>/}. */
  private List<String> blockDirectories(String tenant) throws IOException {
    List<String> ids = new java.util.ArrayList<>();
    String prefix = tenant + "/";
    for (String name : bucket.list(prefix)) {
      if (name.endsWith("/")) {
        String child = name.substring(prefix.length(), name.length() - 1);
        if (ULID.matcher(child).matches()) {
          ids.add(child);
        }
      }
    }
    return ids;
  }
}
