package io.narthex.storegateway;

import io.narthex.blocks.BucketBlockFiles;
import io.narthex.blocks.BucketIndex;
import io.narthex.blocks.BucketIndexUpdater;
import io.narthex.common.Directories;
import io.narthex.common.HashRing;
import io.narthex.common.Tenant;
import io.narthex.objstore.Bucket;
import io.narthex.tsdb.block.BlockReader;
import io.narthex.tsdb.block.IndexHeader;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.SeriesMerger;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the blocks in object storage that the ring gives this gateway, as Mimir's store-gateway does.
 *
 * <p>Sync: at start (synchronously) and then every {@link StoreGatewayConfig#syncInterval()}, for every tenant of
 * the bucket, the gateway reads the tenant's bucket index (building it when missing), keeps the blocks it owns by
 * {@link HashRing} that are not marked for deletion, and writes each new block's index-header to
 * {@code <sync dir>/<tenant>/<ulid>/index-header}. Blocks no longer owned or gone are dropped along with
 * their local directory.
 *
 * <p>Lazy loading: a block's index-header is loaded into memory on its first query and unloaded after idling
 * longer than {@link StoreGatewayConfig#indexHeaderIdleTimeout()}.
 *
 * <p>Ring changes ({@link #updateRing}): a gateway whose ring follows a changing membership syncs at once, loading
 * the blocks it now owns; the blocks it gave up it keeps serving for {@link #withRingHandover the handover} after
 * the last change, until their new owners have loaded them, as Mimir's gateways keep a block while its new owner is
 * JOINING. Queriers ask a block's owners first and, for a block none of them held, the other gateways.
 *
 * <p>Reads name the blocks wanted. The answer says which of them this gateway read: those it holds for the tenant.
 * A tenant's reads only ever see the blocks under {@code <tenant>/} in the bucket.
 */
public final class StoreGateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreGateway.class);
  /** Index-headers built at once during a sync (Mimir: {@code -blocks-storage.bucket-store.block-sync-concurrency}). */
  private static final int BLOCK_SYNC_CONCURRENCY = 8;
  private static final Duration MIN_IDLE_CHECK_INTERVAL = Duration.ofMillis(10);
  /** Default of {@link #withMaxConcurrent}, as Mimir's {@code -blocks-storage.bucket-store.max-concurrent}. */
  public static final int DEFAULT_MAX_CONCURRENT = 100;
  /**
   * Default of {@link #withRingHandover}: long enough for a new owner to build the index-headers of its share of a
   * few thousand blocks, and for the queriers to learn the ring (within seconds).
   */
  public static final Duration DEFAULT_RING_HANDOVER = Duration.ofMinutes(5);

  private final StoreGatewayConfig config;
  private final Bucket bucket;
  /** The ring now, and when it last changed ({@link #updateRing}). */
  private volatile RingAt ring;
  private Duration ringHandover = DEFAULT_RING_HANDOVER;
  private final IndexCaches caches;
  private final Map<String, Map<String, GatewayBlock>> blocksByTenant = new ConcurrentHashMap<>();
  private final ReentrantLock syncLock = new ReentrantLock();
  private volatile ScheduledExecutorService scheduler;
  private final Object ringLock = new Object();
  private final StoreGatewayMetrics metrics;
  private volatile boolean closed;
  /** Block reads running at once, over all queries and tenants ({@link #withMaxConcurrent}). */
  private Semaphore blockReads = new Semaphore(DEFAULT_MAX_CONCURRENT, true);

  /**
   * @param bucket the blocks bucket, shared by all tenants; not closed by {@link #close()}
   */
  public StoreGateway(StoreGatewayConfig config, Bucket bucket) {
    this(config, bucket, new PrometheusRegistry());
  }

  /**
   * @param bucket the blocks bucket, shared by all tenants; not closed by {@link #close()}
   * @param registry the process's, where the gateway registers its metrics
   * @throws IllegalStateException when {@code registry} holds a store-gateway's metrics already
   */
  public StoreGateway(StoreGatewayConfig config, Bucket bucket, PrometheusRegistry registry) {
    this.config = config;
    this.bucket = bucket;
    this.ring = new RingAt(config.ring(), false, 0);
    this.metrics = new StoreGatewayMetrics(registry);
    this.caches = IndexCaches.of(config, metrics);
    metrics.observe(this);
  }

  /**
   * Bounds the block reads (select, label names, label values of one block each) running at once on this gateway,
   * shared by all queries and tenants, as Mimir's {@code -blocks-storage.bucket-store.max-concurrent} bounds its
   * bucket-store queries; a query over more blocks reads them as permits free up. Call before {@link #start()}.
   *
   * @throws IllegalArgumentException when {@code maxConcurrent} is below 1
   */
  public StoreGateway withMaxConcurrent(int maxConcurrent) {
    if (maxConcurrent < 1) {
      throw new IllegalArgumentException("max concurrent block reads must be >= 1, got " + maxConcurrent);
    }
    this.blockReads = new Semaphore(maxConcurrent, true);
    return this;
  }

  /**
   * How long after a ring change this gateway keeps serving the blocks it gave up ({@link #DEFAULT_RING_HANDOVER}).
   * Call before {@link #start()}.
   *
   * @throws IllegalArgumentException when {@code handover} is negative
   */
  public StoreGateway withRingHandover(Duration handover) {
    if (handover.isNegative()) {
      throw new IllegalArgumentException("ring handover must be >= 0, got " + handover);
    }
    this.ringHandover = handover;
    return this;
  }

  /**
   * Replaces the ring of the config: {@code gatewayIds} are every gateway, this one included or not (a gateway not in
   * the ring owns no block), each block held by {@code replicationFactor} of them, or by all when there are fewer.
   * Once started, syncs at once in the background, loading the blocks it now owns, and again when the handover ends,
   * dropping the blocks it gave up. Quick, for a ring listener.
   *
   * @throws IllegalArgumentException when an id is repeated or {@code replicationFactor} is below 1
   */
  public void updateRing(List<String> gatewayIds, int replicationFactor) {
    if (replicationFactor < 1) {
      throw new IllegalArgumentException(StoreGatewayConfig.FLAG_REPLICATION_FACTOR + " must be >= 1, got "
          + replicationFactor);
    }
    HashRing next = gatewayIds.isEmpty() ? null
        : new HashRing(gatewayIds, Math.min(replicationFactor, gatewayIds.size()));
    synchronized (ringLock) {
      if (ring.sameAs(next)) {
        return;
      }
      ring = new RingAt(next, true, System.nanoTime());
    }
    log.info("store-gateway {}: ring changed to {}; syncing now, keeping the blocks given up for {}",
        config.instanceId(), gatewayIds, ringHandover);
    syncAfterRingChange(scheduler);
  }

  /** A sync now, to load the blocks the ring gives, and one once the handover ended, to drop those it took. */
  private void syncAfterRingChange(ScheduledExecutorService syncs) {
    if (syncs == null || closed) {
      return; // Not started: the first sync of start() reads the ring.
    }
    try {
      syncs.execute(this::syncBlocksLogged);
      syncs.schedule(this::syncBlocksLogged, ringHandover.toMillis() + 1, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // Closed meanwhile.
    }
  }

  /** The gateways of the ring now, in ring order; empty when it has none. */
  public List<String> ringMembers() {
    return ring.members();
  }

  /**
   * A ring and when it replaced the one before.
   *
   * @param ring null when the ring has no member
   * @param changed false for the ring of the config, which replaced none
   */
  private record RingAt(HashRing ring, boolean changed, long changedAtNanos) {
    List<String> members() {
      return ring == null ? List.of() : ring.instanceIds();
    }

    boolean sameAs(HashRing other) {
      return ring == null ? other == null : other != null && ring.instanceIds().equals(other.instanceIds())
          && ring.replicationFactor() == other.replicationFactor();
    }

    boolean owns(String instanceId, String blockId) {
      return ring != null && ring.owns(instanceId, blockId);
    }

    boolean handingOver(Duration handover) {
      return changed && System.nanoTime() - changedAtNanos < handover.toNanos();
    }
  }

  /**
   * Syncs once, then schedules the periodic sync and the unloading of idle index-headers.
   *
   * @throws IOException when the first sync cannot list the bucket's tenants
   */
  public synchronized void start() throws IOException {
    if (scheduler != null || closed) {
      throw new IllegalStateException("store-gateway " + config.instanceId() + " already started or closed");
    }
    Files.createDirectories(config.syncDir());
    syncBlocks();
    scheduler = Executors.newScheduledThreadPool(2, Thread.ofPlatform().daemon()
        .name("store-gateway-" + config.instanceId() + "-", 0).factory());
    long syncMs = config.syncInterval().toMillis();
    scheduler.scheduleWithFixedDelay(this::syncBlocksLogged, syncMs, syncMs, TimeUnit.MILLISECONDS);
    if (ring.changed()) {
      syncAfterRingChange(scheduler); // It may have changed during the first sync.
    }
    Duration idleTimeout = config.indexHeaderIdleTimeout();
    if (!idleTimeout.isZero()) {
      long checkMs = Math.max(MIN_IDLE_CHECK_INTERVAL.toMillis(), idleTimeout.toMillis() / 10);
      scheduler.scheduleWithFixedDelay(this::unloadIdleIndexHeaders, checkMs, checkMs, TimeUnit.MILLISECONDS);
    }
    HashRing started = ring.ring();
    log.info("store-gateway {} started: {} blocks owned of {} gateways with replication factor {}",
        config.instanceId(), ownedBlocks(), started == null ? 0 : started.instanceIds().size(),
        started == null ? 0 : started.replicationFactor());
  }

  public String instanceId() {
    return config.instanceId();
  }

  private void syncBlocksLogged() {
    try {
      syncBlocks();
    } catch (IOException | RuntimeException e) {
      log.warn("store-gateway {}: block sync failed, retrying in {}", config.instanceId(), config.syncInterval(), e);
    }
  }

  /**
   * Brings the owned blocks up to date with the bucket: adds new ones (index-header written to local disk), drops
   * those no longer owned, deleted or marked for deletion. A tenant or block that fails is logged and retried on the
   * next sync; its blocks already held stay served.
   *
   * @throws IOException when the bucket's tenants cannot be listed
   */
  public void syncBlocks() throws IOException {
    syncLock.lock();
    try {
      if (closed) {
        return;
      }
      metrics.syncs.inc();
      Set<String> tenants = new HashSet<>();
      for (String tenant : BucketIndexUpdater.tenants(bucket)) {
        if (!Tenant.isValid(tenant)) {
          log.warn("store-gateway {}: skipping tenant {}: not a valid tenant id", config.instanceId(), tenant);
          continue;
        }
        tenants.add(tenant);
        try {
          syncTenant(tenant);
        } catch (IOException | RuntimeException e) {
          metrics.syncFailures.inc();
          log.warn("store-gateway {}: sync of tenant {} failed; its blocks already held stay served",
              config.instanceId(), tenant, e);
        }
      }
      for (String tenant : List.copyOf(blocksByTenant.keySet())) {
        if (!tenants.contains(tenant)) {
          Map<String, GatewayBlock> gone = blocksByTenant.remove(tenant);
          if (gone != null) {
            gone.values().forEach(GatewayBlock::drop);
          }
        }
      }
      deleteUnownedLocalDirs();
    } finally {
      syncLock.unlock();
    }
  }

  private void syncTenant(String tenant) throws IOException {
    BucketIndex index = BucketIndex.read(bucket, tenant).orElse(null);
    if (index == null) {
      index = BucketIndexUpdater.update(bucket, tenant);
    }
    Set<String> markedForDeletion = index.markedForDeletionBefore(
        (System.currentTimeMillis() - config.ignoreDeletionMarksDelay().toMillis()) / 1000);
    RingAt current = ring;
    // Until the handover ends, the blocks held are kept: their new owners may not have loaded them yet.
    boolean handingOver = current.handingOver(ringHandover);
    Map<String, GatewayBlock> held = blocksByTenant.computeIfAbsent(tenant, t -> new ConcurrentHashMap<>());
    Map<String, BucketIndex.Block> wanted = new HashMap<>();
    for (BucketIndex.Block block : index.blocks()) {
      if (!markedForDeletion.contains(block.blockId())
          && (current.owns(config.instanceId(), block.blockId())
              || (handingOver && held.containsKey(block.blockId())))) {
        wanted.put(block.blockId(), block);
      }
    }

    for (String ulid : List.copyOf(held.keySet())) {
      if (!wanted.containsKey(ulid)) {
        GatewayBlock dropped = held.remove(ulid);
        dropped.drop();
        log.info("store-gateway {}: dropped block {}/{}", config.instanceId(), tenant, ulid);
      }
    }
    List<BucketIndex.Block> toAdd = new ArrayList<>();
    for (BucketIndex.Block block : wanted.values()) {
      if (!held.containsKey(block.blockId())) {
        toAdd.add(block);
      }
    }
    if (toAdd.isEmpty()) {
      return;
    }
    Semaphore permits = new Semaphore(BLOCK_SYNC_CONCURRENCY);
    try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
      for (BucketIndex.Block block : toAdd) {
        workers.submit(() -> {
          permits.acquireUninterruptibly();
          try {
            held.put(block.blockId(), prepareBlock(tenant, block));
          } catch (IOException | RuntimeException e) {
            metrics.syncFailures.inc();
            log.warn("store-gateway {}: cannot build the index-header of block {}/{}; retrying on the next sync",
                config.instanceId(), tenant, block.blockId(), e);
          } finally {
            permits.release();
          }
        });
      }
    }
  }

  /** Writes the block's index-header to local disk unless it is there already. */
  private GatewayBlock prepareBlock(String tenant, BucketIndex.Block block) throws IOException {
    String ulid = block.blockId();
    Path dir = config.syncDir().resolve(tenant).resolve(ulid);
    Path headerFile = dir.resolve(GatewayBlock.INDEX_HEADER_FILE);
    BucketBlockFiles files = new BucketBlockFiles(bucket, tenant, ulid);
    if (!Files.exists(headerFile)) {
      IndexHeader header = IndexHeader.read(files);
      Files.createDirectories(dir);
      Path tmp = dir.resolve(GatewayBlock.INDEX_HEADER_FILE + ".tmp");
      header.write(tmp);
      Files.move(tmp, headerFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      log.info("store-gateway {}: wrote the index-header of block {}/{}", config.instanceId(), tenant, ulid);
    }
    return new GatewayBlock(tenant, ulid, block.minTimeMs(), block.maxTimeMs(), dir, files, caches.forTenant(tenant),
        metrics);
  }

  /** Deletes local directories of tenants and blocks not held (anymore), and leftovers of interrupted writes. */
  private void deleteUnownedLocalDirs() throws IOException {
    Path syncDir = config.syncDir();
    if (!Files.isDirectory(syncDir)) {
      return;
    }
    try (DirectoryStream<Path> tenantDirs = Files.newDirectoryStream(syncDir)) {
      for (Path tenantDir : tenantDirs) {
        Map<String, GatewayBlock> held = blocksByTenant.getOrDefault(tenantDir.getFileName().toString(), Map.of());
        if (held.isEmpty()) {
          Directories.deleteRecursively(tenantDir);
          continue;
        }
        try (DirectoryStream<Path> blockDirs = Files.newDirectoryStream(tenantDir)) {
          for (Path blockDir : blockDirs) {
            if (!held.containsKey(blockDir.getFileName().toString())) {
              Directories.deleteRecursively(blockDir);
            }
          }
        }
      }
    }
  }

  /** Unloads the index-headers idle for longer than the configured timeout. */
  void unloadIdleIndexHeaders() {
    long idleSince = System.nanoTime() - config.indexHeaderIdleTimeout().toNanos();
    for (Map<String, GatewayBlock> blocks : blocksByTenant.values()) {
      for (GatewayBlock block : blocks.values()) {
        if (block.unloadIfIdleSince(idleSince)) {
          log.debug("store-gateway {}: unloaded idle index-header of block {}/{}", config.instanceId(),
              block.tenant(), block.ulid());
        }
      }
    }
  }

  /**
   * The series of the requested blocks matching {@code matchers}, with whole chunks overlapping
   * {@code [minTimeMs, maxTimeMs]}, sorted by labels. A series in several blocks is one series with all their
   * chunks, sorted by start time (they may overlap: the querier drops duplicate samples).
   *
   * @param blockIds the blocks wanted; empty means every block held for the tenant
   * @throws IllegalArgumentException on an empty tenant
   * @throws IOException when the bucket or local disk fails
   */
  public BlockQueryResult<List<EncodedSeries>> select(String tenant, Collection<String> blockIds, long minTimeMs,
      long maxTimeMs, List<Matcher> matchers) throws IOException {
    BlockQueryResult<List<List<EncodedSeries>>> perBlock =
        query(tenant, blockIds, minTimeMs, maxTimeMs, reader -> reader.select(minTimeMs, maxTimeMs, matchers));
    return new BlockQueryResult<>(mergeSeries(perBlock.value()), perBlock.queriedBlocks());
  }

  /** The sorted label names of the series of the requested blocks matching {@code matchers}. */
  public BlockQueryResult<List<String>> labelNames(String tenant, Collection<String> blockIds, long minTimeMs,
      long maxTimeMs, List<Matcher> matchers) throws IOException {
    BlockQueryResult<List<List<String>>> perBlock =
        query(tenant, blockIds, minTimeMs, maxTimeMs, reader -> reader.labelNames(matchers));
    return new BlockQueryResult<>(union(perBlock.value()), perBlock.queriedBlocks());
  }

  /** The sorted values of label {@code name} of the series of the requested blocks matching {@code matchers}. */
  public BlockQueryResult<List<String>> labelValues(String tenant, Collection<String> blockIds, String name,
      long minTimeMs, long maxTimeMs, List<Matcher> matchers) throws IOException {
    BlockQueryResult<List<List<String>>> perBlock =
        query(tenant, blockIds, minTimeMs, maxTimeMs, reader -> reader.labelValues(name, matchers));
    return new BlockQueryResult<>(union(perBlock.value()), perBlock.queriedBlocks());
  }

  @FunctionalInterface
  interface BlockRead<T> {
    T read(BlockReader reader) throws IOException;
  }

  /** A block's answer, or null when the block was dropped before it could be read. */
  private record Read<T>(String ulid, T value) {}

  /**
   * Reads the requested blocks held for the tenant, in parallel when there are several, at most
   * {@link #withMaxConcurrent} at once: a permit is taken before a block's reader starts, so a query over a thousand
   * blocks holds no more threads or buffers than the bound.
   */
  <T> BlockQueryResult<List<T>> query(String tenant, Collection<String> blockIds, long minTimeMs,
      long maxTimeMs, BlockRead<T> read) throws IOException {
    if (tenant == null || tenant.isEmpty()) {
      throw new IllegalArgumentException("no tenant given");
    }
    if (closed) {
      throw new IllegalStateException("store-gateway " + config.instanceId() + " is closed");
    }
    Map<String, GatewayBlock> held = blocksByTenant.getOrDefault(tenant, Map.of());
    Collection<String> wanted = blockIds.isEmpty() ? new TreeSet<>(held.keySet()) : new LinkedHashSet<>(blockIds);
    List<String> queried = new ArrayList<>();
    List<GatewayBlock> toRead = new ArrayList<>();
    for (String ulid : wanted) {
      GatewayBlock block = held.get(ulid);
      if (block == null) {
        continue;
      }
      if (block.overlaps(minTimeMs, maxTimeMs)) {
        toRead.add(block);
      } else {
        queried.add(ulid); // Nothing to read: the block has no data in the range.
      }
    }
    List<T> values = new ArrayList<>(toRead.size());
    Semaphore permits = blockReads;
    if (toRead.size() == 1) {
      acquire(permits);
      Read<T> result;
      try {
        result = readBlock(toRead.getFirst(), read);
      } finally {
        permits.release();
      }
      if (result.value() != null) {
        values.add(result.value());
        queried.add(result.ulid());
      }
    } else if (!toRead.isEmpty()) {
      List<Future<Read<T>>> futures = new ArrayList<>(toRead.size());
      try (ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
        for (GatewayBlock block : toRead) {
          acquire(permits);
          try {
            futures.add(workers.submit(() -> {
              try {
                return readBlock(block, read);
              } finally {
                permits.release();
              }
            }));
          } catch (RuntimeException e) {
            permits.release();
            throw e;
          }
        }
        for (Future<Read<T>> future : futures) {
          Read<T> result = getUninterruptibly(future);
          if (result.value() != null) {
            values.add(result.value());
            queried.add(result.ulid());
          }
        }
      }
    }
    metrics.blocksQueried.inc(queried.size());
    return new BlockQueryResult<>(values, queried);
  }

  private static void acquire(Semaphore permits) throws InterruptedIOException {
    try {
      permits.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for a block read slot");
    }
  }

  private static <T> Read<T> readBlock(GatewayBlock block, BlockRead<T> read) throws IOException {
    BlockReader reader;
    try {
      reader = block.acquire(System.nanoTime());
    } catch (NoSuchFileException e) {
      reader = null; // Dropped by a sync meanwhile, its directory deleted: not queried here.
    }
    if (reader == null) {
      return new Read<>(block.ulid(), null);
    }
    try {
      return new Read<>(block.ulid(), read.read(reader));
    } finally {
      block.touch(System.nanoTime());
    }
  }

  private static <T> T getUninterruptibly(Future<T> future) throws IOException {
    try {
      return Uninterruptibles.getUninterruptibly(future);
    } catch (ExecutionException e) {
      switch (e.getCause()) {
        case IOException io -> throw io;
        case RuntimeException runtime -> throw runtime;
        case Error error -> throw error;
        default -> throw new UncheckedIOException(new IOException(e.getCause()));
      }
    }
  }

  /** Merges per-block series lists, each sorted by labels, into one sorted list with one entry per label set. */
  static List<EncodedSeries> mergeSeries(List<List<EncodedSeries>> perBlock) {
    if (perBlock.isEmpty()) {
      return List.of();
    }
    if (perBlock.size() == 1) {
      return perBlock.getFirst();
    }
    return SeriesMerger.merge(perBlock);
  }

  private static List<String> union(List<List<String>> lists) {
    if (lists.size() == 1) {
      return lists.getFirst();
    }
    TreeSet<String> all = new TreeSet<>();
    for (List<String> list : lists) {
      all.addAll(list);
    }
    return List.copyOf(all);
  }

  /** The ULIDs of the blocks held for {@code tenant}, sorted. */
  public List<String> ownedBlockIds(String tenant) {
    return List.copyOf(new TreeSet<>(blocksByTenant.getOrDefault(tenant, Map.of()).keySet()));
  }

  /** Blocks held, over all tenants. */
  public int ownedBlocks() {
    int blocks = 0;
    for (Map<String, GatewayBlock> tenantBlocks : blocksByTenant.values()) {
      blocks += tenantBlocks.size();
    }
    return blocks;
  }

  /** Blocks whose index-header is loaded in memory. */
  public int loadedBlocks() {
    int loaded = 0;
    for (Map<String, GatewayBlock> tenantBlocks : blocksByTenant.values()) {
      for (GatewayBlock block : tenantBlocks.values()) {
        if (block.loaded()) {
          loaded++;
        }
      }
    }
    return loaded;
  }

  /** Heap bytes of the loaded index-headers, as {@link IndexHeader#memoryBytes()} estimates them. */
  public long indexHeaderMemoryBytes() {
    long bytes = 0;
    for (Map<String, GatewayBlock> tenantBlocks : blocksByTenant.values()) {
      for (GatewayBlock block : tenantBlocks.values()) {
        bytes += block.memoryBytes();
      }
    }
    return bytes;
  }

  /** The gateway's postings, series and chunks caches. */
  public IndexCaches caches() {
    return caches;
  }

  /** Stops syncing and unloads every index-header; the local index-headers stay for the next start. */
  @Override
  public void close() {
    closed = true;
    synchronized (this) {
      if (scheduler != null) {
        scheduler.shutdownNow();
        try {
          scheduler.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    syncLock.lock();
    try {
      for (Map<String, GatewayBlock> tenantBlocks : blocksByTenant.values()) {
        tenantBlocks.values().forEach(GatewayBlock::drop);
      }
      blocksByTenant.clear();
    } finally {
      syncLock.unlock();
    }
    caches.close();
  }
}
