package io.narthex.storegateway;

import io.narthex.tsdb.block.BlockFiles;
import io.narthex.tsdb.block.BlockReader;
import io.narthex.tsdb.block.IndexCache;
import io.narthex.tsdb.block.IndexHeader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A block a store-gateway owns: its index-header on local disk, loaded into memory on first use and unloaded
 * when idle (Mimir's lazy loading). Chunks and the index's postings and series are read from the bucket.
 */
final class GatewayBlock {
  static final String INDEX_HEADER_FILE = "index-header";

  private final StoreGatewayMetrics metrics;
  private final String tenant;
  private final String ulid;
  private final long minTimeMs;
  private final long maxTimeMs;
  private final Path dir;
  private final BlockFiles files;
  private final IndexCache cache;

  private IndexHeader header;
  private BlockReader reader;
  private long lastUsedNanos;
  private boolean dropped;

  /**
   * @param minTimeMs inclusive
   * @param maxTimeMs exclusive, as in meta.json and the bucket index
   * @param dir the block's local directory, holding {@value #INDEX_HEADER_FILE}
   */
  GatewayBlock(String tenant, String ulid, long minTimeMs, long maxTimeMs, Path dir, BlockFiles files,
      IndexCache cache, StoreGatewayMetrics metrics) {
    this.metrics = metrics;
    this.tenant = tenant;
    this.ulid = ulid;
    this.minTimeMs = minTimeMs;
    this.maxTimeMs = maxTimeMs;
    this.dir = dir;
    this.files = files;
    this.cache = cache;
  }

  String tenant() {
    return tenant;
  }

  String ulid() {
    return ulid;
  }

  Path dir() {
    return dir;
  }

  /** Whether the block has data in {@code [minTimeMs, maxTimeMs]}, both inclusive. */
  boolean overlaps(long queryMinTimeMs, long queryMaxTimeMs) {
    return minTimeMs <= queryMaxTimeMs && maxTimeMs > queryMinTimeMs;
  }

  /**
   * The block's reader, loading its index-header first if it is not in memory.
   *
   * @return null when the block was dropped (no longer owned, or deleted) meanwhile
   */
  synchronized BlockReader acquire(long nowNanos) throws IOException {
    if (dropped) {
      return null;
    }
    if (reader == null) {
      header = IndexHeader.load(dir.resolve(INDEX_HEADER_FILE));
      reader = new BlockReader(ulid, header, files, cache);
      metrics.indexHeaderLoads.inc();
    }
    lastUsedNanos = nowNanos;
    return reader;
  }

  /** Marks the block used at {@code nowNanos}, so an idle timeout counts from the end of a long read. */
  synchronized void touch(long nowNanos) {
    lastUsedNanos = nowNanos;
  }

  /** Unloads the index-header if the block was last used before {@code idleSinceNanos}; whether it did. */
  synchronized boolean unloadIfIdleSince(long idleSinceNanos) {
    if (reader == null || lastUsedNanos - idleSinceNanos >= 0) {
      return false;
    }
    unload();
    return true;
  }

  /** Unloads the index-header for good: later {@link #acquire} calls return null. Reads under way finish. */
  synchronized void drop() {
    dropped = true;
    if (reader != null) {
      unload();
    }
  }

  private void unload() {
    reader = null;
    header = null;
    metrics.indexHeaderUnloads.inc();
  }

  synchronized boolean loaded() {
    return reader != null;
  }

  /** Heap bytes of the loaded index-header; 0 when not loaded. */
  synchronized long memoryBytes() {
    return header == null ? 0 : header.memoryBytes();
  }
}
