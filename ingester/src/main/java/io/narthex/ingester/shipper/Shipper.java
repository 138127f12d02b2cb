package io.narthex.ingester.shipper;

import io.narthex.common.Directories;
import io.narthex.common.Ulid;
import io.narthex.ingester.ShardHeads;
import io.narthex.ingester.LocalBlocks;
import io.narthex.ingester.client.LogFormat;
import io.narthex.ingester.raft.IngesterNode;
import io.narthex.ingester.raft.RaftOptions;
import io.narthex.ingester.raft.RaftShardWriter;
import io.narthex.ingester.raft.RaftWriterMetrics;
import io.narthex.proto.ingester.BlockCut;
import io.narthex.proto.ingester.BlockShipped;
import io.narthex.proto.ingester.CloseHeadRange;
import io.narthex.proto.ingester.ShardLogEntry;
import io.narthex.proto.ingester.TruncateHead;
import io.narthex.tsdb.head.Head;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts blocks from the heads of the shards this ingester leads and ships them to object storage.
 *
 * <p>For each tenant, the next range starts at the head's block mark (everything before is in blocks) and ends at
 * the next multiple of the block range. It is cut by sample time, as Prometheus cuts its head (tsdb/head.go
 * {@code compactable}): once the head spans more than 1.5 block ranges, so the range ends at least half a range
 * before the head's newest sample, behind the 1h appendable window, and no sample the head would still take falls in
 * it, however far in the past the data is (a backfill) or apart its senders drift. A head that took no sample for
 * {@link ShipperOptions#headCompactionIdleTimeout()} is cut whole, as Mimir's idle-head compaction, so a tenant that
 * stopped sending does not keep its last hours in memory. Both decisions are the leader's, by its own view of the
 * head and its clock, and reach the replicas only as log entries, so replicas stay alike. A
 * {@link CloseHeadRange} entry first makes every replica reject appends before the range's end, so the block holds
 * every acknowledged sample of its range. A {@link BlockCut} entry then makes every replica write the range from its
 * own head as the same block (same ULID) on its local disk and drop it from the head, as Mimir's ingesters compact
 * their heads whether or not object storage is up. The leader uploads its copy through the {@link BlockSink} and
 * commits a {@link BlockShipped} entry; until then the block is retried, oldest first, with the same ULID, so an
 * object-storage outage costs local disk, not memory, loses nothing and uploads each block once. A shipped block
 * leaves the replicas (a {@link TruncateHead} entry) once it was shipped the retention ago, so that
 * store-gateways have found it first.
 */
public final class Shipper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Shipper.class);

  private final IngesterNode node;
  private final RaftOptions raftOptions;
  private final BlockSink sink;
  private final ShipperOptions options;
  private final Path shipDir;
  private final Clock clock;
  private final ShipperMetrics metrics;
  private final RaftWriterMetrics writerMetrics;
  private final Map<Integer, RaftShardWriter> writers = new HashMap<>();
  private final Map<String, Long> lastTruncateBeforeMs = new HashMap<>();
  /** Per shard/tenant: shipped mark to the time this leader saw it shipped. */
  private final Map<String, TreeMap<Long, Long>> shippedAtMs = new HashMap<>();
  /** Per shard/tenant: the appended-samples count this leader last saw change, and when. */
  private final Map<String, Activity> activity = new HashMap<>();
  /** The idle timeout plus this process's jitter, as Mimir's: up to 25%, so ingesters do not all cut at once. */
  private final long idleTimeoutMs;
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("block-shipper").factory());

  public Shipper(IngesterNode node, RaftOptions raftOptions, BlockSink sink,
      ShipperOptions options, Path shipDir, Clock clock) {
    this(node, raftOptions, sink, options, shipDir, clock, new PrometheusRegistry(),
        new RaftWriterMetrics(new PrometheusRegistry()));
  }

  /**
   * @param node whose shards it ships; its entries go through writers that follow the node's ring
   *     ({@link IngesterNode#ringView()})
   * @param registry the process's, where the shipper's own metrics are registered
   * @param writerMetrics the process's, shared with its distributor's writers
   * @throws IllegalStateException when {@code registry} holds the shipper's metrics already
   */
  public Shipper(IngesterNode node, RaftOptions raftOptions, BlockSink sink,
      ShipperOptions options, Path shipDir, Clock clock, PrometheusRegistry registry,
      RaftWriterMetrics writerMetrics) {
    this.metrics = new ShipperMetrics(registry);
    this.writerMetrics = writerMetrics;
    this.node = node;
    this.raftOptions = raftOptions;
    this.sink = sink;
    this.options = options;
    this.shipDir = shipDir;
    this.clock = clock;
    long timeoutMs = options.headCompactionIdleTimeout().toMillis();
    this.idleTimeoutMs = timeoutMs == 0 ? 0 : timeoutMs + ThreadLocalRandom.current().nextLong(timeoutMs / 4 + 1);
  }

  /**
   * Deletes what older versions left in {@code shipDir}: blocks the leader alone cut. Their data is still in the
   * heads (it left them only once shipped), so the next pass cuts it again, on every replica.
   */
  private void deleteLeaderOnlyBlocks() {
    if (Files.isDirectory(shipDir)) {
      log.info("deleting blocks cut by an older version, to be cut again on every replica dir={}", shipDir);
      try {
        Directories.deleteRecursively(shipDir);
      } catch (IOException e) {
        log.warn("could not delete {}: {}", shipDir, e.toString());
      }
    }
  }

  /** Runs {@link #ship} every {@link ShipperOptions#interval()}. */
  public void start() {
    deleteLeaderOnlyBlocks();
    long intervalMs = options.interval().toMillis();
    ticker.scheduleWithFixedDelay(() -> {
      try {
        ship(false);
      } catch (RuntimeException e) {
        log.warn("block shipping failed, retrying next interval err=\"{}\"", e.toString());
      }
    }, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
  }

  /** What one pass did. */
  public record Result(int blocksShipped, int blocksPending) {}

  /**
   * One pass over the shards this node leads: retry pending blocks, cut and ship due ranges (with {@code flush},
   * everything in the heads, as Mimir's {@code /ingester/flush}), and truncate shipped data past the retention.
   */
  public synchronized Result ship(boolean flush) {
    int shipped = 0;
    int pending = 0;
    long nowMs = clock.millis();
    for (int shard : node.shards()) {
      var state = node.replicaState(shard);
      ShardHeads ingester = node.heads(shard);
      if (state == null || !state.getLeader() || ingester == null) {
        continue;
      }
      forgetTenantsWithoutData(shard, ingester);
      for (String tenant : ingester.tenants()) {
        try {
          cutDue(shard, ingester, tenant, nowMs, flush);
        } catch (RuntimeException e) {
          metrics.uploadFailures.inc();
          log.warn("cutting a block failed shard={} tenant={} err=\"{}\"", shard, tenant, e.toString());
        }
      }
      ShipResult result = shipLocalBlocks(shard, ingester);
      shipped += result.shipped;
      pending += result.pending;
      for (String tenant : ingester.tenants()) {
        try {
          truncateDue(shard, ingester, tenant, nowMs);
        } catch (RuntimeException e) {
          log.warn("truncating failed shard={} tenant={} err=\"{}\"", shard, tenant, e.toString());
        }
      }
    }
    metrics.pendingBlocks.set(pending);
    return new Result(shipped, pending);
  }

  private record ShipResult(int shipped, int pending) {}

  /** Ship and truncation times of tenants without head or local block are not needed any more. */
  private void forgetTenantsWithoutData(int shard, ShardHeads ingester) {
    String prefix = shard + "/";
    Set<String> tenants = new HashSet<>(ingester.tenants());
    java.util.function.Predicate<String> gone =
        key -> key.startsWith(prefix) && !tenants.contains(key.substring(prefix.length()));
    shippedAtMs.keySet().removeIf(gone);
    lastTruncateBeforeMs.keySet().removeIf(gone);
    activity.keySet().removeIf(gone);
  }

  private record Activity(long appendedSamples, long sinceMs) {}

  /**
   * Whether the tenant's head took no sample for the idle timeout, by this leader's clock. A tenant first seen (or
   * seen again after leading moved) counts as active now, as Mimir's ingester counts a tenant's head it opens.
   */
  private boolean idle(int shard, ShardHeads ingester, String tenant, long nowMs) {
    if (idleTimeoutMs == 0) {
      return false;
    }
    String key = shard + "/" + tenant;
    long appended = ingester.appendedSamples(tenant);
    Activity seen = activity.get(key);
    if (seen == null || seen.appendedSamples() != appended) {
      activity.put(key, new Activity(appended, nowMs));
      return false;
    }
    return nowMs - seen.sinceMs() > idleTimeoutMs;
  }

  /**
   * Cuts every range of the tenant's head that is due, each into a local block on every replica: by sample time
   * ({@link #compactable}); everything up to the newest sample when {@code flush} or the head is idle.
   */
  private void cutDue(int shard, ShardHeads ingester, String tenant, long nowMs, boolean flush) {
    long rangeMs = options.blockRange().toMillis();
    boolean whole = flush || idle(shard, ingester, tenant, nowMs);
    while (true) {
      Head head = ingester.head(tenant);
      if (head == null || head.numSeries() == 0 || head.maxTimeMs() == Long.MIN_VALUE) {
        return;
      }
      long startMs = head.inBlocksBeforeMs() == Long.MIN_VALUE ? head.minTimeMs() : head.inBlocksBeforeMs();
      long endMs = Math.floorDiv(startMs, rangeMs) * rangeMs + rangeMs;
      if (whole) {
        if (startMs > head.maxTimeMs()) {
          return;
        }
        endMs = Math.min(endMs, head.maxTimeMs() + 1);
      } else if (!compactable(head, startMs)) {
        return;
      }
      if (head.minValidTimeMs() < endMs) {
        // Freeze the range on every replica first: a sample acknowledged after the cut's read would be in no block.
        commit(shard, ShardLogEntry.newBuilder().setCloseHeadRange(CloseHeadRange.newBuilder()
            .setTenant(tenant).setBeforeMs(endMs)).build());
      }
      if (head.firstTimeAtOrAfterMs(startMs) < endMs) {
        commit(shard, ShardLogEntry.newBuilder().setBlockCut(BlockCut.newBuilder().setTenant(tenant)
            .setUlid(Ulid.generate()).setMinTimeMs(startMs).setMaxTimeMs(endMs)).build());
      } else {
        // Nothing in this range: move the block mark past every empty range at once, so that one old sample
        // costs one block and a few commits, not two commits per 2h since it.
        long markMs = skipEmptyRanges(shard, head, tenant, endMs, whole);
        commit(shard, ShardLogEntry.newBuilder().setBlockShipped(BlockShipped.newBuilder()
            .setTenant(tenant).setMinTimeMs(startMs).setMaxTimeMs(markMs)).build());
      }
    }
  }

  /**
   * Prometheus's rule for cutting a head (tsdb/head.go {@code compactable}): it spans more than 1.5 block ranges,
   * from its oldest sample not in blocks ({@code startMs}, the block mark, or later when the head's data starts
   * later) to its newest. The range then cut ends at most one range after that oldest sample, so more than half a
   * range before the newest: outside the appendable window, which the extra half range buffers.
   */
  private boolean compactable(Head head, long startMs) {
    long rangeMs = options.blockRange().toMillis();
    return head.maxTimeMs() - Math.max(head.minTimeMs(), startMs) > rangeMs / 2 * 3;
  }

  /**
   * The end of the empty ranges from {@code fromMs} (a range boundary): the start of the range holding the head's
   * next sample; with {@code whole} ({@code fromMs} when there is none), else never past the range where the
   * appendable window (half a range behind the newest sample) starts, as Prometheus never raises its minimum valid
   * time past that window. Closes the head up to it first and looks again, since a sample may have been appended
   * meanwhile; never past a sample.
   */
  private long skipEmptyRanges(int shard, Head head, String tenant, long fromMs, boolean whole) {
    long rangeMs = options.blockRange().toMillis();
    long nextMs = head.firstTimeAtOrAfterMs(fromMs);
    long jumpMs = nextMs != Long.MAX_VALUE ? Math.floorDiv(nextMs, rangeMs) * rangeMs
        : whole ? fromMs : Long.MAX_VALUE;
    if (!whole) {
      jumpMs = Math.min(jumpMs, Math.floorDiv(head.maxTimeMs() - rangeMs / 2, rangeMs) * rangeMs);
    }
    if (jumpMs <= fromMs) {
      return fromMs;
    }
    if (head.minValidTimeMs() < jumpMs) {
      commit(shard, ShardLogEntry.newBuilder().setCloseHeadRange(CloseHeadRange.newBuilder()
          .setTenant(tenant).setBeforeMs(jumpMs)).build());
    }
    long again = head.firstTimeAtOrAfterMs(fromMs);
    return again == Long.MAX_VALUE ? jumpMs : Math.clamp(Math.floorDiv(again, rangeMs) * rangeMs, fromMs, jumpMs);
  }

  /**
   * Uploads the shard's local blocks not shipped yet, oldest first, and commits each. The first failure ends the
   * pass for the shard (object storage is likely down); the rest count as pending and are retried next pass.
   */
  private ShipResult shipLocalBlocks(int shard, ShardHeads ingester) {
    int shipped = 0;
    int pending = 0;
    boolean failed = false;
    for (LocalBlocks.Block block : ingester.localBlocks().all()) {
      if (block.shipped()) {
        continue;
      }
      if (failed) {
        pending++;
        continue;
      }
      try {
        sink.upload(block.tenant(), block.dir());
        metrics.uploads.inc();
        commit(shard, ShardLogEntry.newBuilder().setBlockShipped(BlockShipped.newBuilder()
            .setTenant(block.tenant()).setUlid(block.ulid())
            .setMinTimeMs(block.minTimeMs()).setMaxTimeMs(block.maxTimeMs())).build());
        shippedAtMs.computeIfAbsent(shard + "/" + block.tenant(), k -> new TreeMap<>())
            .putIfAbsent(block.maxTimeMs(), clock.millis());
        metrics.lastShipped.set(clock.millis() / 1000.0);
        shipped++;
      } catch (IOException | RuntimeException e) {
        metrics.uploadFailures.inc();
        log.warn("shipping block failed, will retry shard={} tenant={} ulid={} err=\"{}\"", shard, block.tenant(),
            block.ulid(), e.toString());
        failed = true;
        pending++;
      }
    }
    return new ShipResult(shipped, pending);
  }

  /**
   * Removes from every replica the local blocks shipped at least the retention ago (Mimir's rule: relative to the
   * upload, so store-gateways and queriers have found the block before the ingesters forget it), and head data
   * before the block mark (data of a replica that could not write its block, or logs from before local blocks)
   * once the blocks holding it were shipped as long ago. Never past the oldest block not shipped yet. Ship times
   * are known to the leader that shipped; a new leader counts what was shipped before it took over as shipped
   * when it first saw it.
   */
  private void truncateDue(int shard, ShardHeads ingester, String tenant, long nowMs) {
    String key = shard + "/" + tenant;
    TreeMap<Long, Long> shipTimes = shippedAtMs.computeIfAbsent(key, k -> new TreeMap<>());
    long notShippedFromMs = Long.MAX_VALUE;
    List<LocalBlocks.Block> blocks = ingester.localBlocks().blocks(tenant);
    for (LocalBlocks.Block block : blocks) {
      if (block.shipped()) {
        shipTimes.putIfAbsent(block.maxTimeMs(), nowMs);
      } else {
        notShippedFromMs = Math.min(notShippedFromMs, block.minTimeMs());
      }
    }
    Head head = ingester.head(tenant);
    if (head != null && head.inBlocksBeforeMs() != Long.MIN_VALUE && head.minTimeMs() < head.inBlocksBeforeMs()) {
      shipTimes.putIfAbsent(head.inBlocksBeforeMs(), nowMs);
    }
    long beforeMs = Long.MIN_VALUE;
    for (var shipped : shipTimes.entrySet()) {
      if (shipped.getValue() <= nowMs - options.retention().toMillis()) {
        beforeMs = shipped.getKey();
      }
    }
    beforeMs = Math.min(beforeMs, notShippedFromMs);
    long lastMs = lastTruncateBeforeMs.getOrDefault(key, Long.MIN_VALUE);
    if (beforeMs == Long.MIN_VALUE || beforeMs <= lastMs) {
      return;
    }
    long cutoffMs = beforeMs;
    boolean headData = head != null && head.minTimeMs() < Math.min(cutoffMs, head.inBlocksBeforeMs());
    if (headData || blocks.stream().anyMatch(b -> b.shipped() && b.maxTimeMs() <= cutoffMs)) {
      commit(shard, ShardLogEntry.newBuilder()
          .setTruncateHead(TruncateHead.newBuilder().setTenant(tenant).setBeforeMs(beforeMs)).build());
    }
    lastTruncateBeforeMs.put(key, beforeMs);
    shipTimes.headMap(beforeMs, true).clear();
  }

  private void commit(int shard, ShardLogEntry entry) {
    RaftShardWriter writer = writers.computeIfAbsent(shard,
        s -> new RaftShardWriter(node.ringView(), s, raftOptions, writerMetrics));
    try {
      var response = writer.submit(entry.toBuilder().setFormatVersion(LogFormat.SINGLE).build()).get();
      if (!response.getInvalidRequest().isEmpty()) {
        throw new IllegalStateException(response.getInvalidRequest());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while committing", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("committing to shard " + shard + " failed: " + e.getCause(), e.getCause());
    }
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    try {
      ticker.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    writers.values().forEach(RaftShardWriter::close);
  }
}
