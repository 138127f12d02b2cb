package io.narthex.ingester.shipper;

import io.narthex.ingester.Ingester;
import io.narthex.ingester.raft.IngesterNode;
import io.narthex.ingester.raft.RaftOptions;
import io.narthex.ingester.raft.RaftShardWriter;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.proto.ingester.BlockShipped;
import io.narthex.proto.ingester.CloseHeadRange;
import io.narthex.proto.ingester.ShardLogEntry;
import io.narthex.proto.ingester.TruncateHead;
import io.narthex.tsdb.block.BlockMeta;
import io.narthex.tsdb.block.BlockWriter;
import io.narthex.tsdb.block.FileSync;
import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.storage.ChunkSeries;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts blocks from the heads of the shards this ingester leads and ships them to object storage.
 *
 * <p>For each tenant, the next range starts at the head's shipped mark (everything before is in blocks) and ends
 * at the next multiple of the block range; it is cut once it ended more than the grace period ago. A
 * {@link CloseHeadRange} entry first makes every replica reject appends before the range's end, so the block holds
 * every acknowledged sample of its range. The block is written under {@code <shipDir>/shard-<n>/<ULID>} with a {@code .properties} file beside it, uploaded through
 * the {@link BlockSink}, and only then is a {@link BlockShipped} entry committed through the shard's Raft log, so
 * every replica raises its shipped mark alike. Until that commit the data stays in every head and the local
 * block is retried with the same ULID, so an object-storage outage loses nothing and uploads each block once.
 * Shipped data is dropped from the heads (a {@link TruncateHead} entry) once it was shipped the retention ago.
 */
public final class Shipper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Shipper.class);

  private final IngesterNode node;
  private final ShardMap shardMap;
  private final RaftOptions raftOptions;
  private final BlockSink sink;
  private final ShipperOptions options;
  private final Path shipDir;
  private final Clock clock;
  private final Map<Integer, RaftShardWriter> writers = new HashMap<>();
  private final Map<String, Long> lastTruncateBeforeMs = new HashMap<>();
  /** Per shard/tenant: shipped mark to the time this leader saw it shipped. */
  private final Map<String, TreeMap<Long, Long>> shippedAtMs = new HashMap<>();
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
      Thread.ofPlatform().daemon().name("block-shipper").factory());

  public Shipper(IngesterNode node, ShardMap shardMap, RaftOptions raftOptions, BlockSink sink,
      ShipperOptions options, Path shipDir, Clock clock) {
    this.node = node;
    this.shardMap = shardMap;
    this.raftOptions = raftOptions;
    this.sink = sink;
    this.options = options;
    this.shipDir = shipDir;
    this.clock = clock;
  }

  /** Runs {@link #ship} every {@link ShipperOptions#interval()}. */
  public void start() {
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
      Ingester ingester = node.ingester(shard);
      if (state == null || !state.getLeader() || ingester == null) {
        continue;
      }
      Set<String> blocked = new HashSet<>();
      for (Pending block : pendingBlocks(shard)) {
        if (shipPending(shard, ingester, block)) {
          shipped++;
        } else {
          pending++;
          blocked.add(block.tenant());
        }
      }
      forgetTenantsWithoutHead(shard, ingester);
      for (String tenant : ingester.tenants()) {
        try {
          // A tenant with a pending block is not cut again (that would ship its range twice), but what it
          // shipped before that block still leaves the head on time: truncation never passes the shipped mark.
          if (!blocked.contains(tenant)) {
            CutResult cut = cutDue(shard, ingester, tenant, nowMs, flush);
            shipped += cut.shipped;
            pending += cut.pending;
          }
          truncateDue(shard, ingester, tenant, nowMs);
        } catch (IOException | RuntimeException e) {
          ShipperMetrics.UPLOAD_FAILURES.inc();
          log.warn("cutting a block failed shard={} tenant={} err=\"{}\"", shard, tenant, e.toString());
          pending++;
        }
      }
    }
    ShipperMetrics.PENDING_BLOCKS.set(countPending());
    return new Result(shipped, pending);
  }

  private record CutResult(int shipped, int pending) {}

  /** Ship and truncation times of tenants whose head the shard dropped are not needed any more. */
  private void forgetTenantsWithoutHead(int shard, Ingester ingester) {
    String prefix = shard + "/";
    java.util.function.Predicate<String> gone =
        key -> key.startsWith(prefix) && ingester.head(key.substring(prefix.length())) == null;
    shippedAtMs.keySet().removeIf(gone);
    lastTruncateBeforeMs.keySet().removeIf(gone);
  }

  private CutResult cutDue(int shard, Ingester ingester, String tenant, long nowMs, boolean flush)
      throws IOException {
    int shipped = 0;
    long rangeMs = options.blockRange().toMillis();
    while (true) {
      Head head = ingester.head(tenant);
      if (head == null || head.numSeries() == 0 || head.maxTimeMs() == Long.MIN_VALUE) {
        return new CutResult(shipped, 0);
      }
      long startMs = head.shippedBeforeMs() == Long.MIN_VALUE ? head.minTimeMs() : head.shippedBeforeMs();
      long endMs = Math.floorDiv(startMs, rangeMs) * rangeMs + rangeMs;
      if (flush) {
        if (startMs > head.maxTimeMs()) {
          return new CutResult(shipped, 0);
        }
        endMs = Math.min(endMs, head.maxTimeMs() + 1);
      } else if (nowMs < endMs + options.gracePeriod().toMillis()) {
        return new CutResult(shipped, 0);
      }
      if (head.minValidTimeMs() < endMs) {
        // Freeze the range on every replica first: a sample acknowledged after the cut's read would be in no block.
        commit(shard, ShardLogEntry.newBuilder().setCloseHeadRange(CloseHeadRange.newBuilder()
            .setTenant(tenant).setBeforeMs(endMs)).build());
      }
      List<ChunkSeries> series = ingester.select(tenant, startMs, endMs - 1, List.of());
      Pending block = null;
      if (!series.isEmpty()) {
        Path shardDir = Files.createDirectories(shipDir.resolve("shard-" + shard));
        BlockMeta meta = BlockWriter.write(shardDir, series, startMs, endMs,
            Map.of("__org_id__", tenant, "__narthex_shard__", Integer.toString(shard)));
        if (meta.numSeries() == 0) {
          deleteRecursively(meta.dir());
        } else {
          block = new Pending(tenant, meta.ulid(), startMs, endMs, false, meta.dir());
          block.save();
          log.info("block cut shard={} tenant={} ulid={} min_time_ms={} max_time_ms={} series={} samples={}",
              shard, tenant, meta.ulid(), startMs, endMs, meta.numSeries(), meta.numSamples());
        }
      }
      if (block == null) {
        // Nothing in this range: move the shipped mark past every empty range at once, so that one old sample
        // costs one block and two commits, not two commits per 2h since it.
        long markMs = skipEmptyRanges(shard, head, tenant, endMs, nowMs, flush);
        commit(shard, ShardLogEntry.newBuilder().setBlockShipped(BlockShipped.newBuilder()
            .setTenant(tenant).setMinTimeMs(startMs).setMaxTimeMs(markMs)).build());
      } else if (shipPending(shard, ingester, block)) {
        shipped++;
      } else {
        return new CutResult(shipped, 1);
      }
    }
  }

  /**
   * The end of the empty ranges from {@code fromMs} (a range boundary): the start of the range holding the head's
   * next sample, or of the last range due when none is. Closes the head up to it first and looks again, since a
   * sample may have been appended meanwhile; never past a sample.
   */
  private long skipEmptyRanges(int shard, Head head, String tenant, long fromMs, long nowMs, boolean flush) {
    long rangeMs = options.blockRange().toMillis();
    long nextMs = head.firstTimeAtOrAfterMs(fromMs);
    // Flush cuts up to the newest sample; otherwise only ranges past the grace period are due.
    long jumpMs = nextMs != Long.MAX_VALUE ? Math.floorDiv(nextMs, rangeMs) * rangeMs : flush ? fromMs : Long.MAX_VALUE;
    if (!flush) {
      jumpMs = Math.min(jumpMs, Math.floorDiv(nowMs - options.gracePeriod().toMillis(), rangeMs) * rangeMs);
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

  /** Uploads (unless already uploaded) and commits one cut block; false when it must be retried later. */
  // A block another leader shipped meanwhile counts as done.
  private boolean shipPending(int shard, Ingester ingester, Pending block) {
    Head head = ingester.head(block.tenant());
    if (head != null && head.shippedBeforeMs() >= block.maxTimeMs()) {
      // Shipped already, e.g. by another leader after this one lost leadership mid-way: nothing left to do.
      block.delete();
      return true;
    }
    try {
      if (!block.uploaded()) {
        sink.upload(block.tenant(), block.dir());
        block = block.markUploaded();
        ShipperMetrics.UPLOADS.inc();
      }
      commit(shard, ShardLogEntry.newBuilder().setBlockShipped(BlockShipped.newBuilder()
          .setTenant(block.tenant()).setUlid(block.ulid())
          .setMinTimeMs(block.minTimeMs()).setMaxTimeMs(block.maxTimeMs())).build());
      block.delete();
      shippedAtMs.computeIfAbsent(shard + "/" + block.tenant(), k -> new TreeMap<>())
          .putIfAbsent(block.maxTimeMs(), clock.millis());
      ShipperMetrics.LAST_SHIPPED.set(clock.millis() / 1000.0);
      return true;
    } catch (IOException | RuntimeException e) {
      ShipperMetrics.UPLOAD_FAILURES.inc();
      log.warn("shipping block failed, will retry shard={} tenant={} ulid={} err=\"{}\"", shard, block.tenant(),
          block.ulid(), e.toString());
      return false;
    }
  }

  /**
   * Drops from the heads the data shipped at least the retention ago (Mimir's rule: relative to the upload, so
   * store-gateways and queriers have found the block before the ingesters forget it). Ship times are known to the
   * leader that shipped; a new leader counts data shipped before it took over as shipped when it first saw it.
   */
  private void truncateDue(int shard, Ingester ingester, String tenant, long nowMs) {
    Head head = ingester.head(tenant);
    if (head == null || head.shippedBeforeMs() == Long.MIN_VALUE) {
      return;
    }
    String key = shard + "/" + tenant;
    TreeMap<Long, Long> shipTimes = shippedAtMs.computeIfAbsent(key, k -> new TreeMap<>());
    shipTimes.putIfAbsent(head.shippedBeforeMs(), nowMs);
    long beforeMs = Long.MIN_VALUE;
    for (var shipped : shipTimes.entrySet()) {
      if (shipped.getValue() <= nowMs - options.retention().toMillis()) {
        beforeMs = shipped.getKey();
      }
    }
    long lastMs = lastTruncateBeforeMs.getOrDefault(key, Long.MIN_VALUE);
    if (beforeMs == Long.MIN_VALUE || beforeMs <= lastMs || beforeMs <= head.minTimeMs()) {
      return;
    }
    commit(shard, ShardLogEntry.newBuilder()
        .setTruncateHead(TruncateHead.newBuilder().setTenant(tenant).setBeforeMs(beforeMs)).build());
    lastTruncateBeforeMs.put(key, beforeMs);
    shipTimes.headMap(beforeMs, true).clear();
  }

  private void commit(int shard, ShardLogEntry entry) {
    RaftShardWriter writer = writers.computeIfAbsent(shard, s -> new RaftShardWriter(shardMap, s, raftOptions));
    try {
      var response = writer.submit(entry).get();
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

  /** A block cut on local disk and not yet committed, described by {@code <ULID>.properties} beside it. */
  private record Pending(String tenant, String ulid, long minTimeMs, long maxTimeMs, boolean uploaded, Path dir) {
    Path file() {
      return dir.resolveSibling(ulid + ".properties");
    }

    void save() throws IOException {
      Properties properties = new Properties();
      properties.setProperty("tenant", tenant);
      properties.setProperty("ulid", ulid);
      properties.setProperty("min_time_ms", Long.toString(minTimeMs));
      properties.setProperty("max_time_ms", Long.toString(maxTimeMs));
      properties.setProperty("uploaded", Boolean.toString(uploaded));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      properties.store(out, "block cut by the shipper, not yet committed");
      // Forced with its directory: a block forgotten after a power loss would be cut again under another ULID.
      FileSync.writeAtomically(file(), out.toByteArray());
    }

    Pending markUploaded() throws IOException {
      Pending uploadedBlock = new Pending(tenant, ulid, minTimeMs, maxTimeMs, true, dir);
      uploadedBlock.save();
      return uploadedBlock;
    }

    void delete() {
      deleteRecursively(dir);
      try {
        Files.deleteIfExists(file());
      } catch (IOException e) {
        log.warn("could not delete {}: {}", file(), e.toString());
      }
    }

    static Pending load(Path file) throws IOException {
      Properties properties = new Properties();
      try (InputStream in = Files.newInputStream(file)) {
        properties.load(in);
      }
      String ulid = properties.getProperty("ulid");
      return new Pending(properties.getProperty("tenant"), ulid,
          Long.parseLong(properties.getProperty("min_time_ms")), Long.parseLong(properties.getProperty("max_time_ms")),
          Boolean.parseBoolean(properties.getProperty("uploaded")), file.resolveSibling(ulid));
    }
  }

  private List<Pending> pendingBlocks(int shard) {
    Path shardDir = shipDir.resolve("shard-" + shard);
    if (!Files.isDirectory(shardDir)) {
      return List.of();
    }
    List<Pending> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(shardDir)) {
      for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".properties")).sorted().toList()) {
        try {
          out.add(Pending.load(file));
        } catch (IOException | RuntimeException e) {
          log.warn("unreadable pending block file {}: {}", file, e.toString());
        }
      }
    } catch (IOException e) {
      log.warn("cannot list {}: {}", shardDir, e.toString());
    }
    return out;
  }

  private int countPending() {
    int count = 0;
    for (int shard : node.shards()) {
      count += pendingBlocks(shard).size();
    }
    return count;
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      log.warn("could not delete {}: {}", dir, e.toString());
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
