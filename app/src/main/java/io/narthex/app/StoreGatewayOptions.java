package io.narthex.app;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The store-gateway: its ring and the bucket store that serves blocks ({@code store_gateway} and {@code
 * blocks_storage.bucket_store} blocks). A mixin of {@link NarthexOptions}, reached as {@code options.storeGateway}:
 * each option's flag, YAML path ({@code descriptionKey}), default and help are declared here once, and the CLI, {@code
 * --config.file} and docs/configuration.md are all generated from it.
 */
public final class StoreGatewayOptions {
  @Option(names = {"--blocks-storage.bucket-store.sync-dir", "-blocks-storage.bucket-store.sync-dir"},
      descriptionKey = "blocks_storage.bucket_store.sync_dir", defaultValue = "./data/tsdb-sync",
      description = "the store-gateway's local index-headers")
  public String bucketStoreSyncDir = "./data/tsdb-sync";

  @Option(names = {"--blocks-storage.bucket-store.sync-interval", "-blocks-storage.bucket-store.sync-interval"},
      descriptionKey = "blocks_storage.bucket_store.sync_interval", defaultValue = "15m",
      converter = DurationConverter.class,
      description = "how often store-gateways and queriers re-read the tenants' bucket indexes")
  public Duration bucketStoreSyncInterval = Duration.ofMinutes(15);

  @Option(names = {"--blocks-storage.bucket-store.index-header.lazy-loading-idle-timeout",
      "-blocks-storage.bucket-store.index-header.lazy-loading-idle-timeout"},
      descriptionKey = "blocks_storage.bucket_store.index_header.lazy_loading_idle_timeout", defaultValue = "1h",
      converter = DurationConverter.class,
      description = "unload a block's index-header after this long unused")
  public Duration indexHeaderIdleTimeout = Duration.ofHours(1);

  @Option(names = {"--blocks-storage.bucket-store.index-cache.inmemory.max-size-bytes",
      "-blocks-storage.bucket-store.index-cache.inmemory.max-size-bytes"},
      descriptionKey = "blocks_storage.bucket_store.index_cache.inmemory.max_size_bytes", defaultValue = "1073741824",
      description = "bytes of postings and series a store-gateway caches (half each)")
  public long indexCacheBytes = 1L << 30;

  @Option(names = {"--blocks-storage.bucket-store.chunks-cache.inmemory.max-size-bytes",
      "-blocks-storage.bucket-store.chunks-cache.inmemory.max-size-bytes"},
      descriptionKey = "blocks_storage.bucket_store.chunks_cache.inmemory.max_size_bytes", defaultValue = "536870912",
      description = "bytes of chunks a store-gateway caches")
  public long chunksCacheBytes = 512L << 20;

  @Option(names = {"--blocks-storage.bucket-store.ignore-deletion-marks-delay",
      "-blocks-storage.bucket-store.ignore-deletion-marks-delay"},
      descriptionKey = "blocks_storage.bucket_store.ignore_deletion_marks_delay", defaultValue = "1h",
      converter = DurationConverter.class,
      description = "store-gateways and queriers keep reading a block this long after the compactor marked it for "
          + "deletion, until they have found the block replacing it")
  public Duration ignoreDeletionMarksDelay = Duration.ofHours(1);

  @Option(names = {"--blocks-storage.bucket-store.max-concurrent", "-blocks-storage.bucket-store.max-concurrent"},
      descriptionKey = "blocks_storage.bucket_store.max_concurrent", defaultValue = "100",
      description = "most block reads (one block's select, label names or label values) a store-gateway runs at "
          + "once, over all queries and tenants; a query over more blocks reads them as slots free up")
  public int bucketStoreMaxConcurrent = 100;

  @Option(names = {"--store-gateway.sharding-ring.replication-factor",
      "-store-gateway.sharding-ring.replication-factor"},
      descriptionKey = "store_gateway.sharding_ring.replication_factor", defaultValue = "1",
      description = "store-gateways holding each block (3 in a cluster)")
  public int replicationFactor = 1;

  @Option(names = {"--store-gateway.sharding-ring.instance-id", "-store-gateway.sharding-ring.instance-id",
      "--store-gateway.instance-id", "-store-gateway.instance-id"},
      descriptionKey = "store_gateway.sharding_ring.instance_id", defaultValue = "",
      description = "this store-gateway's id among `store_gateway.sharding_ring.nodes`; empty: "
          + "`--ingester.ring.instance-id`")
  public String instanceId = "";
}
