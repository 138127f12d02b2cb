package io.narthex.compactor;

import io.narthex.blocks.BucketIndex;
import io.narthex.blocks.BucketIndexUpdater;
import io.narthex.blocks.DeletionMark;
import io.narthex.blocks.NoCompactMark;
import io.narthex.blocks.TenantDeletionMark;
import io.narthex.common.Directories;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.NoSuchObjectException;
import io.narthex.common.HashRing;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compactor, as Mimir's: every {@code -compactor.compaction-interval}, for each tenant the ring gives it (tenant
 * id hashed over {@link CompactorConfig#compactorIds()}, or over the members of a ring that changes,
 * {@link #updateRing}; one owner per tenant), one pass:
 *
 * <ol>
 *   <li>tenant deletion: a tenant with {@code markers/tenant-deletion-mark.json} has all its objects deleted, and
 *       nothing else is done for it;
 *   <li>the bucket index is refreshed;
 *   <li>garbage collection: a block whose data another live block already holds (listed in its
 *       {@code compaction.parents}, or whose sources are a strict subset of the other's) is marked for deletion.
 *       This finishes a pass that stopped between the upload of a compacted block and its sources' marks;
 *   <li>retention: blocks whose end is older than the tenant's retention are marked for deletion;
 *   <li>compaction: blocks overlapping a deletion request not yet applied to them (meta.json's
 *       {@code narthex.applied_tombstones}) are rewritten alone without the deleted samples;
 *       then for each block range, ascending, the {@link CompactionPlanner}'s groups are compacted by the
 *       {@link GroupCompactor}, the bucket index refreshed after each. A block that cannot be read is marked
 *       no-compact and its group skipped: the compactor logs it, counts it and goes on, it never halts;
 *   <li>cleanup: blocks marked for deletion more than {@code -compactor.deletion-delay} ago, and partial blocks,
 *       are deleted; the bucket index is refreshed.
 * </ol>
 *
 * Before its first change to a tenant (a mark, a compacted block, a deletion) the compactor takes the tenant's
 * {@link TenantLease} in the bucket, and leaves the tenant alone when another compactor holds it: a second process
 * started with the same id cannot compact the same tenant at the same time.
 *
 * <p>A failure of one tenant or group is logged and counted, and the pass goes on with the next; the next pass
 * retries. Every step is safe to interrupt at any point.
 */
public final class Compactor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Compactor.class);

  private final CompactorMetrics metrics;
  private final CompactorConfig config;
  private final Bucket bucket;
  private final Clock clock;
  private final Function<String, SeriesDeletions> deletions;
  /** The ring now; null when it has no member (this compactor then owns no tenant). */
  private volatile HashRing ring;
  private final CompactionPlanner planner;
  private final GroupCompactor groupCompactor;
  private final BlocksCleaner cleaner;
  private final TenantLease lease;
  private final Duration leaseDuration;
  /** Runs before each change to the tenant being compacted: takes its lease first, then checks it is still held. */
  private BlocksCleaner.BeforeDelete beforeWrite = BlocksCleaner.BeforeDelete.NONE;
  private final ReentrantLock passLock = new ReentrantLock();
  private final CountDownLatch closed = new CountDownLatch(1);
  /** Released by a ring change and by close: the loop's wait ends early. */
  private final Semaphore wakeUp = new Semaphore(0);
  /** meta.json facts per tenant and block id; blocks are immutable. */
  private final Map<String, Map<String, BlockInfo>> blockInfos = new ConcurrentHashMap<>();

  private Thread loop;
  private volatile int tenantsOwned;
  private volatile int backlogGroups;
  private volatile double oldestUncompactedBlockAgeSeconds;

  CompactorMetrics metrics() {
    return metrics;
  }

  /** A compactor with the system clock and no deletion requests. */
  public Compactor(CompactorConfig config, Bucket bucket) {
    this(config, bucket, Clock.systemUTC(), tenant -> SeriesDeletions.NONE);
  }

  /**
   * @param clock gives the time of marks, retention, deletion delays and the first-level wait
   * @param deletions a tenant's deletion requests, asked once per tenant and pass: every merged series goes
   *     through them, and blocks overlapping one not applied to them yet are rewritten alone, at their own level
   *     and with their own sources; the rewritten block replaces the original
   */
  public Compactor(CompactorConfig config, Bucket bucket, Clock clock, Function<String, SeriesDeletions> deletions) {
    this(config, bucket, clock, deletions, new PrometheusRegistry());
  }

  /**
   * As {@link #Compactor(CompactorConfig, Bucket, Clock, Function)}, registering its metrics in {@code registry},
   * the process's.
   *
   * @throws IllegalStateException when {@code registry} holds a compactor's metrics already
   */
  public Compactor(CompactorConfig config, Bucket bucket, Clock clock, Function<String, SeriesDeletions> deletions,
      PrometheusRegistry registry) {
    this(config, bucket, clock, deletions, TenantLease.DEFAULT_DURATION, TenantLease.DEFAULT_SETTLE_DELAY, registry);
  }

  /** With other lease timings (tests): see {@link TenantLease}. */
  Compactor(CompactorConfig config, Bucket bucket, Clock clock, Function<String, SeriesDeletions> deletions,
      Duration leaseDuration, Duration leaseSettleDelay) {
    this(config, bucket, clock, deletions, leaseDuration, leaseSettleDelay, new PrometheusRegistry());
  }

  private Compactor(CompactorConfig config, Bucket bucket, Clock clock, Function<String, SeriesDeletions> deletions,
      Duration leaseDuration, Duration leaseSettleDelay, PrometheusRegistry registry) {
    this.metrics = new CompactorMetrics(registry, this);
    this.config = Objects.requireNonNull(config, "config");
    this.bucket = Objects.requireNonNull(bucket, "bucket");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.deletions = Objects.requireNonNull(deletions, "deletions");
    this.ring = new HashRing(config.compactorIds(), 1);
    this.planner = new CompactionPlanner(config.firstLevelCompactionWaitPeriod());
    this.groupCompactor = new GroupCompactor(bucket, config.dataDir().resolve("compact"), config.pauseAfterUpload(),
        clock, metrics);
    this.cleaner = new BlocksCleaner(bucket, metrics);
    this.lease = new TenantLease(bucket, config.instanceId(), clock, leaseDuration, leaseSettleDelay);
    this.leaseDuration = leaseDuration;
  }

  /**
   * Runs a pass now, then one every {@code -compactor.compaction-interval}, on a daemon thread; after a pass that
   * found tenants leased by another compactor, the next comes once such a lease has expired, if that is sooner.
   */
  public synchronized void start() {
    if (loop != null) {
      throw new IllegalStateException("compactor already started");
    }
    if (closed.getCount() == 0) {
      throw new IllegalStateException("compactor closed");
    }
    loop = Thread.ofPlatform().daemon().name("compactor-" + config.instanceId()).start(() -> {
      Duration wait;
      do {
        wait = config.compactionInterval();
        try {
          if (runOnce().tenantsLeasedElsewhere() > 0 && leaseDuration.compareTo(wait) < 0) {
            // By then the lease of a holder that crashed has expired: its tenants wait a lease, not an interval.
            wait = leaseDuration;
          }
        } catch (RuntimeException | Error e) {
          log.error("compaction pass failed", e);
        }
      } while (!awaitClose(wait));
    });
    log.info("compactor started instance={} compactors={} block_ranges={} interval={}", config.instanceId(),
        config.compactorIds(), config.blockRanges(), config.compactionInterval());
  }

  public String instanceId() {
    return config.instanceId();
  }

  /** Whether the ring gives {@code tenant} to this compactor. */
  public boolean owns(String tenant) {
    HashRing current = ring;
    return current != null && current.owners(tenant).getFirst().equals(config.instanceId());
  }

  /**
   * Takes a new membership of the compactor ring (ids of every compactor, this one included or not: a compactor not
   * in the ring owns no tenant). A running pass leaves the tenants it no longer owns, after the one it is on; once
   * started, the next pass begins at once, so a compactor that joined compacts its share without waiting an interval.
   * Two compactors whose rings disagree for a moment are kept apart by the tenants' leases. Quick, for a ring
   * listener.
   */
  public void updateRing(List<String> compactorIds) {
    HashRing next = compactorIds.isEmpty() ? null : new HashRing(compactorIds, 1);
    HashRing previous = ring;
    if (previous == null ? next == null : next != null && previous.instanceIds().equals(next.instanceIds())) {
      return;
    }
    ring = next;
    log.info("compactor ring changed instance={} compactors={}", config.instanceId(), compactorIds);
    wakeUp.release();
  }

  /** The compactors of the ring now, in ring order; empty when it has none. */
  public List<String> ringMembers() {
    HashRing current = ring;
    return current == null ? List.of() : current.instanceIds();
  }

  /**
   * Runs one pass over the tenants this compactor owns, synchronously (tests, an HTTP trigger). Waits for a pass
   * already running to finish first. Failures are logged and counted in the result, never thrown.
   */
  public PassResult runOnce() {
    passLock.lock();
    try {
      return pass();
    } finally {
      passLock.unlock();
    }
  }

  /** Tenants owned as of the last pass. */
  int tenantsOwned() {
    return tenantsOwned;
  }

  /** Groups ready to compact that the last pass left undone. */
  int backlogGroups() {
    return backlogGroups;
  }

  /** See {@code narthex_compactor_oldest_uncompacted_block_age_seconds}. */
  double oldestUncompactedBlockAgeSeconds() {
    return oldestUncompactedBlockAgeSeconds;
  }

  /** Stops the loop, interrupting a pass in progress (every step is safe to interrupt), and waits for it. */
  @Override
  public void close() {
    Thread thread;
    synchronized (this) {
      closed.countDown();
      thread = loop;
    }
    wakeUp.release();
    lease.close();
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Waits {@code timeout}, or less when the ring changes; whether the compactor was closed. */
  private boolean awaitClose(Duration timeout) {
    try {
      if (wakeUp.tryAcquire(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        wakeUp.drainPermits(); // Several changes during one pass need one more pass.
      }
    } catch (InterruptedException e) {
      // Closing: the latch says so.
    }
    return closed.getCount() == 0;
  }

  // --- one pass ---------------------------------------------------------------------------------------------

  /** Counts of a pass, added up over its tenants. */
  private static final class Counts {
    int tenantsDeleted;
    int leasedElsewhere;
    int groups;
    int blocksCompacted;
    int marked;
    int noCompact;
    int deleted;
    int backlog;
    int failures;
    long samples;
    long conflicts;
    long compactionNanos;
    double oldestAgeSeconds;
  }

  private PassResult pass() {
    metrics.runs.inc();
    long startNanos = System.nanoTime();
    Counts counts = new Counts();
    List<String> owned = new ArrayList<>();
    try {
      Directories.deleteRecursively(config.dataDir().resolve("compact"));
      for (String tenant : BucketIndexUpdater.tenants(bucket)) {
        if (owns(tenant)) {
          owned.add(tenant);
        }
      }
    } catch (IOException | RuntimeException e) {
      counts.failures++;
      log.error("compaction pass failed: cannot list tenants instance={}", config.instanceId(), e);
    }
    tenantsOwned = owned.size();
    blockInfos.keySet().retainAll(new HashSet<>(owned));
    for (String tenant : owned) {
      if (Thread.currentThread().isInterrupted()) {
        counts.failures++;
        log.warn("compaction pass interrupted instance={}", config.instanceId());
        break;
      }
      if (!owns(tenant)) {
        log.info("tenant left to its new owner: the ring changed during the pass instance={} tenant={}",
            config.instanceId(), tenant);
        continue;
      }
      try {
        compactTenant(tenant, counts);
      } catch (LeasedElsewhere | TenantLease.LostException e) {
        counts.leasedElsewhere++;
        log.info("tenant left to the compactor holding its lease instance={} tenant={} reason=\"{}\"",
            config.instanceId(), tenant, e.getMessage());
      } catch (IOException | RuntimeException e) {
        counts.failures++;
        log.error("compaction of tenant failed; the next pass retries tenant={}", tenant, e);
      }
    }
    backlogGroups = counts.backlog;
    oldestUncompactedBlockAgeSeconds = counts.oldestAgeSeconds;
    PassResult result = new PassResult(owned.size(), counts.leasedElsewhere, counts.tenantsDeleted, counts.groups, counts.blocksCompacted,
        counts.marked, counts.noCompact, counts.deleted, counts.backlog, counts.failures, counts.samples,
        counts.conflicts, Duration.ofNanos(counts.compactionNanos));
    if (result.succeeded()) {
      metrics.lastSuccessfulRun.set(clock.millis() / 1000.0);
    } else {
      metrics.runsFailed.inc();
    }
    log.info("compaction pass done instance={} tenants={} groups={} blocks_compacted={} marked_for_deletion={} "
        + "marked_no_compact={} deleted={} backlog_groups={} failures={} samples={} samples_per_second={} "
        + "duration={}", config.instanceId(), owned.size(), counts.groups, counts.blocksCompacted, counts.marked,
        counts.noCompact, counts.deleted, counts.backlog, counts.failures, counts.samples,
        Math.round(result.samplesPerSecond()), Duration.ofNanos(System.nanoTime() - startNanos));
    return result;
  }

  /** Thrown before the first change to a tenant whose lease another compactor holds. */
  private static final class LeasedElsewhere extends IOException {
    LeasedElsewhere(String tenant) {
      super("another compactor holds the lease of tenant " + tenant);
    }
  }

  /**
   * Compacts one tenant. Its lease is taken only before the first change (most passes change nothing for most
   * tenants, and reads need none), checked before each later one, and released at the end.
   */
  private void compactTenant(String tenant, Counts counts) throws IOException {
    boolean[] held = {false};
    beforeWrite = () -> {
      if (held[0]) {
        lease.checkHeld(tenant);
      } else if (lease.acquire(tenant)) {
        held[0] = true;
      } else {
        throw new LeasedElsewhere(tenant);
      }
    };
    try {
      compactTenantUnderLease(tenant, counts);
    } finally {
      beforeWrite = BlocksCleaner.BeforeDelete.NONE;
      if (held[0]) {
        lease.release(tenant);
      }
    }
  }

  private void compactTenantUnderLease(String tenant, Counts counts) throws IOException {
    if (TenantDeletionMark.exists(bucket, tenant)) {
      counts.deleted += cleaner.deleteTenant(tenant, beforeWrite);
      counts.tenantsDeleted++;
      blockInfos.remove(tenant);
      return;
    }
    Instant now = clock.instant();
    BucketIndex index = BucketIndexUpdater.update(bucket, tenant, clock);
    Map<String, BlockInfo> infos = blockInfos(tenant, index);

    // Garbage collection, then retention.
    Set<String> marked = new HashSet<>(index.markedForDeletion());
    List<BucketIndex.Block> live = live(index, marked);
    int markedBefore = counts.marked;
    for (String blockId : redundantBlocks(live, infos)) {
      log.info("marking redundant block for deletion: another block holds its data tenant={} block={}", tenant,
          blockId);
      markForDeletion(tenant, blockId, CompactorMetrics.REASON_REDUNDANT, counts);
      marked.add(blockId);
    }
    Duration retention = config.retention(tenant);
    if (retention.isPositive()) {
      long cutoffMs = now.minus(retention).toEpochMilli();
      for (BucketIndex.Block b : live(index, marked)) {
        if (b.maxTimeMs() <= cutoffMs) {
          log.info("marking block for deletion: past the retention tenant={} block={} max_time={} retention={}",
              tenant, b.blockId(), Instant.ofEpochMilli(b.maxTimeMs()), retention);
          markForDeletion(tenant, b.blockId(), CompactorMetrics.REASON_RETENTION, counts);
          marked.add(b.blockId());
        }
      }
    }
    if (counts.marked > markedBefore) {
      index = BucketIndexUpdater.update(bucket, tenant, clock);
    }

    // Compaction: rewrites, then each range.
    SeriesDeletions tenantDeletions = Objects.requireNonNull(deletions.apply(tenant), "deletions");
    Set<String> noCompact = NoCompactMark.listMarked(bucket, tenant);
    for (BucketIndex.Block b : live(index, index.markedForDeletion())) {
      if (!noCompact.contains(b.blockId()) && needsRewrite(b, infos.get(b.blockId()), tenantDeletions)) {
        index = compactGroup(tenant, new CompactionPlanner.Group(0, b.minTimeMs(), List.of(b)), true, index,
            noCompact, tenantDeletions, counts);
      }
    }
    for (Duration range : config.blockRanges()) {
      CompactionPlanner.Plan plan = planner.plan(live(index, index.markedForDeletion()), noCompact,
          range.toMillis(), clock.instant());
      for (CompactionPlanner.Group group : plan.ready()) {
        if (Thread.currentThread().isInterrupted()) {
          throw new java.io.InterruptedIOException("interrupted");
        }
        index = compactGroup(tenant, group, false, index, noCompact, tenantDeletions, counts);
      }
    }
    List<BucketIndex.Block> remaining = live(index, index.markedForDeletion());
    for (Duration range : config.blockRanges()) {
      counts.backlog += planner.plan(remaining, noCompact, range.toMillis(), clock.instant()).ready().size();
    }
    counts.oldestAgeSeconds = Math.max(counts.oldestAgeSeconds, oldestUncompactedAgeSeconds(remaining, noCompact));

    // Cleanup.
    Instant cleanupTime = clock.instant();
    int deleted = cleaner.deleteMarkedBlocks(tenant, index, cleanupTime, config.deletionDelay(), beforeWrite).size()
        + cleaner.deletePartialBlocks(tenant, index, cleanupTime, config.partialBlockDeletionDelay(), beforeWrite)
            .size();
    if (deleted > 0) {
      counts.deleted += deleted;
      BucketIndexUpdater.update(bucket, tenant, clock);
    }
  }

  /**
   * Whether a deletion request overlapping the block has not been applied to it. Compared by id, not by time: a
   * block rewritten in the same second as the request was made is not rewritten again.
   *
   * @param info the block's meta.json facts, null when unknown (nothing counts as applied then)
   */
  static boolean needsRewrite(BucketIndex.Block block, BlockInfo info, SeriesDeletions deletions) {
    Set<String> applied = info == null ? Set.of() : info.appliedTombstones();
    for (String id : deletions.overlapping(block.minTimeMs(), block.maxTimeMs())) {
      if (!applied.contains(id)) {
        return true;
      }
    }
    return false;
  }

  /** Compacts one group; returns the bucket index after it (the same one when nothing changed). */
  private BucketIndex compactGroup(String tenant, CompactionPlanner.Group group, boolean rewrite, BucketIndex index,
      Set<String> noCompact, SeriesDeletions tenantDeletions, Counts counts) throws IOException {
    beforeWrite.check();
    GroupCompactor.Result result;
    try {
      result = groupCompactor.compact(tenant, group, blockInfos(tenant, index), rewrite, tenantDeletions);
    } catch (java.io.InterruptedIOException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      counts.failures++;
      log.error("compaction of group failed; the next pass retries tenant={} group={} blocks={}", tenant,
          group.key(), group.blocks().stream().map(BucketIndex.Block::blockId).toList(), e);
      return index;
    }
    if (!result.noCompactMarked().isEmpty()) {
      counts.noCompact += result.noCompactMarked().size();
      noCompact.addAll(result.noCompactMarked());
      return index;
    }
    counts.groups++;
    counts.blocksCompacted += group.blocks().size();
    counts.marked += result.sourcesMarked();
    counts.samples += result.samples();
    counts.conflicts += result.mergeStats().conflictingSamples();
    counts.compactionNanos += result.duration().toNanos();
    metrics.groupsCompacted.inc();
    metrics.blocksCompacted.inc(group.blocks().size());
    metrics.blocksMarkedForDeletion.labelValues(CompactorMetrics.REASON_COMPACTION)
        .inc(result.sourcesMarked());
    metrics.samplesCompacted.inc(result.samples());
    metrics.samplesConflicting.inc(result.mergeStats().conflictingSamples());
    metrics.compactionDuration.observe(result.duration().toNanos() / 1e9);
    return BucketIndexUpdater.update(bucket, tenant, clock);
  }

  private void markForDeletion(String tenant, String blockId, String reason, Counts counts) throws IOException {
    beforeWrite.check();
    DeletionMark.write(bucket, tenant, blockId, clock.instant());
    counts.marked++;
    metrics.blocksMarkedForDeletion.labelValues(reason).inc();
  }

  private static List<BucketIndex.Block> live(BucketIndex index, Set<String> marked) {
    List<BucketIndex.Block> live = new ArrayList<>(index.blocks().size());
    for (BucketIndex.Block b : index.blocks()) {
      if (!marked.contains(b.blockId())) {
        live.add(b);
      }
    }
    return live;
  }

  /**
   * Live blocks whose data another live block holds: one listing them among its {@code compaction.parents}, or
   * one whose sources are a strict superset of theirs.
   */
  static List<String> redundantBlocks(List<BucketIndex.Block> live, Map<String, BlockInfo> infos) {
    Set<String> parents = new HashSet<>();
    Map<String, List<BlockInfo>> bySource = new HashMap<>();
    for (BucketIndex.Block b : live) {
      BlockInfo info = infos.get(b.blockId());
      if (info == null) {
        continue;
      }
      for (String parent : info.parents()) {
        if (!parent.equals(b.blockId())) {
          parents.add(parent);
        }
      }
      for (String source : info.sources()) {
        bySource.computeIfAbsent(source, s -> new ArrayList<>()).add(info);
      }
    }
    List<String> redundant = new ArrayList<>();
    for (BucketIndex.Block b : live) {
      BlockInfo info = infos.get(b.blockId());
      if (info == null) {
        continue;
      }
      boolean covered = parents.contains(b.blockId());
      if (!covered) {
        for (BlockInfo other : bySource.getOrDefault(info.sources().iterator().next(), List.of())) {
          if (!other.blockId().equals(b.blockId()) && other.sources().size() > info.sources().size()
              && other.sources().containsAll(info.sources())) {
            covered = true;
            break;
          }
        }
      }
      if (covered) {
        redundant.add(b.blockId());
      }
    }
    return redundant;
  }

  /**
   * Seconds since the upload of the oldest live level-1 block that a range would still compact: one that fits a
   * window of a range above the first, or shares its first-range window with another block.
   */
  private double oldestUncompactedAgeSeconds(List<BucketIndex.Block> live, Set<String> noCompact) {
    long firstRangeMs = config.blockRanges().getFirst().toMillis();
    Map<Long, Integer> firstWindows = new HashMap<>();
    for (BucketIndex.Block b : live) {
      firstWindows.merge(Math.floorDiv(b.minTimeMs(), firstRangeMs), 1, Integer::sum);
    }
    long oldestUploadSeconds = Long.MAX_VALUE;
    for (BucketIndex.Block b : live) {
      if (b.compactionLevel() > 1 || noCompact.contains(b.blockId())) {
        continue;
      }
      boolean pending = firstWindows.get(Math.floorDiv(b.minTimeMs(), firstRangeMs)) > 1;
      for (int i = 1; i < config.blockRanges().size() && !pending; i++) {
        long rangeMs = config.blockRanges().get(i).toMillis();
        pending = b.maxTimeMs() <= Math.floorDiv(b.minTimeMs(), rangeMs) * rangeMs + rangeMs;
      }
      if (pending) {
        oldestUploadSeconds = Math.min(oldestUploadSeconds, b.uploadedAtSeconds());
      }
    }
    return oldestUploadSeconds == Long.MAX_VALUE ? 0
        : Math.max(0, clock.instant().getEpochSecond() - oldestUploadSeconds);
  }

  /** The meta.json facts of the index's blocks, read once per block; blocks whose meta.json went are left out. */
  private Map<String, BlockInfo> blockInfos(String tenant, BucketIndex index) throws IOException {
    Map<String, BlockInfo> cached = blockInfos.computeIfAbsent(tenant, t -> new ConcurrentHashMap<>());
    Set<String> ids = new HashSet<>();
    for (BucketIndex.Block b : index.blocks()) {
      ids.add(b.blockId());
      if (cached.containsKey(b.blockId())) {
        continue;
      }
      try (InputStream in = bucket.get(tenant + "/" + b.blockId() + "/meta.json")) {
        cached.put(b.blockId(), BlockInfo.parse(in.readAllBytes()));
      } catch (NoSuchObjectException e) {
        // being deleted
      } catch (IllegalArgumentException e) {
        log.warn("cannot read meta.json of block tenant={} block={} err=\"{}\"", tenant, b.blockId(), e.getMessage());
      }
    }
    cached.keySet().retainAll(ids);
    return cached;
  }
}
