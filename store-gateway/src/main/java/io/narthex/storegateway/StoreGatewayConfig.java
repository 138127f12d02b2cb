package io.narthex.storegateway;

import io.narthex.common.HashRing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * Settings of a store-gateway. Each option names the Mimir flag it mirrors:
 *
 * <ul>
 *   <li>{@code dataDir}: the sync directory; index-headers go to
 *       {@code <dataDir>/<tenant>/<ulid>/index-header} (Mimir's
 *       {@code -blocks-storage.bucket-store.sync-dir}, default {@code ./tsdb-sync}).
 *   <li>{@code syncInterval}: how often the bucket index of each tenant is read again to find new, deleted and
 *       re-sharded blocks ({@code -blocks-storage.bucket-store.sync-interval}, default 15m).
 *   <li>{@code indexHeaderIdleTimeout}: a block's index-header is loaded into memory on its first query and
 *       unloaded after idling this long; zero keeps loaded headers forever
 *       ({@code -blocks-storage.bucket-store.index-header.lazy-loading-idle-timeout}, default 60m).
 *   <li>{@code postingsCacheMaxSizeBytes}, {@code seriesCacheMaxSizeBytes}: the in-memory index cache, split by
 *       item kind ({@code -blocks-storage.bucket-store.index-cache.inmemory.max-size-bytes}, 1GiB in Mimir for
 *       both together).
 *   <li>{@code chunksCacheMaxSizeBytes}: the in-memory chunks cache
 *       ({@code -blocks-storage.bucket-store.chunks-cache.max-size-bytes}; Mimir has only memcached there).
 *   <li>{@code instanceId}: this gateway's id in the ring ({@code -store-gateway.sharding-ring.instance-id}).
 *   <li>{@code gatewayIds}: every gateway of the static ring, this one included.
 *   <li>{@code replicationFactor}: gateways holding each block
 *       ({@code -store-gateway.sharding-ring.replication-factor}, 3 in Mimir; 1 here so a single process works).
 * </ul>
 */
public record StoreGatewayConfig(
    Path dataDir,
    Duration syncInterval,
    Duration indexHeaderIdleTimeout,
    long postingsCacheMaxSizeBytes,
    long seriesCacheMaxSizeBytes,
    long chunksCacheMaxSizeBytes,
    String instanceId,
    List<String> gatewayIds,
    int replicationFactor,
    Duration ignoreDeletionMarksDelay) {

  public static final String FLAG_SYNC_DIR = "blocks-storage.bucket-store.sync-dir";
  public static final String FLAG_SYNC_INTERVAL = "blocks-storage.bucket-store.sync-interval";
  public static final String FLAG_INDEX_HEADER_IDLE_TIMEOUT =
      "blocks-storage.bucket-store.index-header.lazy-loading-idle-timeout";
  public static final String FLAG_POSTINGS_CACHE_MAX_SIZE_BYTES =
      "blocks-storage.bucket-store.index-cache.postings.max-size-bytes";
  public static final String FLAG_SERIES_CACHE_MAX_SIZE_BYTES =
      "blocks-storage.bucket-store.index-cache.series.max-size-bytes";
  public static final String FLAG_CHUNKS_CACHE_MAX_SIZE_BYTES = "blocks-storage.bucket-store.chunks-cache.max-size-bytes";
  public static final String FLAG_INSTANCE_ID = "store-gateway.sharding-ring.instance-id";
  public static final String FLAG_REPLICATION_FACTOR = "store-gateway.sharding-ring.replication-factor";

  public static final Duration DEFAULT_SYNC_INTERVAL = Duration.ofMinutes(15);
  public static final Duration DEFAULT_INDEX_HEADER_IDLE_TIMEOUT = Duration.ofMinutes(60);
  public static final long DEFAULT_POSTINGS_CACHE_MAX_SIZE_BYTES = 256L << 20;
  public static final long DEFAULT_SERIES_CACHE_MAX_SIZE_BYTES = 256L << 20;
  public static final long DEFAULT_CHUNKS_CACHE_MAX_SIZE_BYTES = 512L << 20;
  public static final String DEFAULT_INSTANCE_ID = "store-gateway-0";
  public static final int DEFAULT_REPLICATION_FACTOR = 1;
  /** Mimir's {@code -blocks-storage.bucket-store.ignore-deletion-marks-delay} default. */
  public static final Duration DEFAULT_IGNORE_DELETION_MARKS_DELAY = Duration.ofHours(1);

  /** As the canonical constructor, with the default ignore-deletion-marks delay. */
  public StoreGatewayConfig(Path dataDir, Duration syncInterval, Duration indexHeaderIdleTimeout,
      long postingsCacheMaxSizeBytes, long seriesCacheMaxSizeBytes, long chunksCacheMaxSizeBytes, String instanceId,
      List<String> gatewayIds, int replicationFactor) {
    this(dataDir, syncInterval, indexHeaderIdleTimeout, postingsCacheMaxSizeBytes, seriesCacheMaxSizeBytes,
        chunksCacheMaxSizeBytes, instanceId, gatewayIds, replicationFactor, DEFAULT_IGNORE_DELETION_MARKS_DELAY);
  }

  public StoreGatewayConfig {
    Objects.requireNonNull(ignoreDeletionMarksDelay, "ignoreDeletionMarksDelay");
    Objects.requireNonNull(dataDir, "dataDir");
    requirePositive(syncInterval, FLAG_SYNC_INTERVAL);
    Objects.requireNonNull(indexHeaderIdleTimeout, FLAG_INDEX_HEADER_IDLE_TIMEOUT);
    if (indexHeaderIdleTimeout.isNegative()) {
      throw new IllegalArgumentException(FLAG_INDEX_HEADER_IDLE_TIMEOUT + " must be >= 0, got " + indexHeaderIdleTimeout);
    }
    requireNotNegative(postingsCacheMaxSizeBytes, FLAG_POSTINGS_CACHE_MAX_SIZE_BYTES);
    requireNotNegative(seriesCacheMaxSizeBytes, FLAG_SERIES_CACHE_MAX_SIZE_BYTES);
    requireNotNegative(chunksCacheMaxSizeBytes, FLAG_CHUNKS_CACHE_MAX_SIZE_BYTES);
    if (instanceId == null || instanceId.isBlank()) {
      throw new IllegalArgumentException(FLAG_INSTANCE_ID + " must be set");
    }
    gatewayIds = List.copyOf(gatewayIds);
    if (!gatewayIds.contains(instanceId)) {
      throw new IllegalArgumentException("the store-gateway ids " + gatewayIds + " must include this gateway's id "
          + instanceId);
    }
    if (new HashSet<>(gatewayIds).size() != gatewayIds.size()) {
      throw new IllegalArgumentException("duplicate store-gateway ids in " + gatewayIds);
    }
    if (replicationFactor < 1 || replicationFactor > gatewayIds.size()) {
      throw new IllegalArgumentException(FLAG_REPLICATION_FACTOR + " must be between 1 and the number of "
          + "store-gateways (" + gatewayIds.size() + "), got " + replicationFactor);
    }
  }

  /** A single gateway with every default, keeping its data under {@code dataDir}. */
  public static StoreGatewayConfig defaults(Path dataDir) {
    return new StoreGatewayConfig(dataDir, DEFAULT_SYNC_INTERVAL, DEFAULT_INDEX_HEADER_IDLE_TIMEOUT,
        DEFAULT_POSTINGS_CACHE_MAX_SIZE_BYTES, DEFAULT_SERIES_CACHE_MAX_SIZE_BYTES, DEFAULT_CHUNKS_CACHE_MAX_SIZE_BYTES,
        DEFAULT_INSTANCE_ID, List.of(DEFAULT_INSTANCE_ID), DEFAULT_REPLICATION_FACTOR);
  }

  /** This config as gateway {@code instanceId} of the ring {@code gatewayIds} with {@code replicationFactor}. */
  public StoreGatewayConfig withRing(String instanceId, List<String> gatewayIds, int replicationFactor) {
    return new StoreGatewayConfig(dataDir, syncInterval, indexHeaderIdleTimeout, postingsCacheMaxSizeBytes,
        seriesCacheMaxSizeBytes, chunksCacheMaxSizeBytes, instanceId, gatewayIds, replicationFactor);
  }

  /** This config with another index-header idle timeout. */
  public StoreGatewayConfig withIndexHeaderIdleTimeout(Duration timeout) {
    return new StoreGatewayConfig(dataDir, syncInterval, timeout, postingsCacheMaxSizeBytes, seriesCacheMaxSizeBytes,
        chunksCacheMaxSizeBytes, instanceId, gatewayIds, replicationFactor);
  }

  /** This config with another sync interval. */
  public StoreGatewayConfig withSyncInterval(Duration interval) {
    return new StoreGatewayConfig(dataDir, interval, indexHeaderIdleTimeout, postingsCacheMaxSizeBytes,
        seriesCacheMaxSizeBytes, chunksCacheMaxSizeBytes, instanceId, gatewayIds, replicationFactor);
  }

  /** The directory of the local copies of blocks ({@code -blocks-storage.bucket-store.sync-dir}): dataDir itself. */
  public Path syncDir() {
    return dataDir;
  }

  /** The ring of all gateways this config names. */
  public HashRing ring() {
    return new HashRing(gatewayIds, replicationFactor);
  }

  private static void requirePositive(Duration duration, String flag) {
    Objects.requireNonNull(duration, flag);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(flag + " must be positive, got " + duration);
    }
  }

  private static void requireNotNegative(long bytes, String flag) {
    if (bytes < 0) {
      throw new IllegalArgumentException(flag + " must be >= 0, got " + bytes);
    }
  }
}
