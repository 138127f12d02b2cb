package io.narthex.ingester;

import io.narthex.common.Directories;
import io.narthex.ingester.client.WireFields;
import io.narthex.ingester.client.WireTimeSeries;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.SampleError;
import io.narthex.proto.ingester.SeriesLimits;
import io.narthex.tsdb.head.AppendResult;
import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.head.MemSeries;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.head.HeadOptions;
import io.narthex.tsdb.head.HeadSnapshot;
import io.narthex.tsdb.block.BlockMeta;
import io.narthex.tsdb.block.BlockReader;
import io.narthex.tsdb.block.BlockWriter;
import io.narthex.tsdb.storage.ChunkMerger;
import io.narthex.tsdb.storage.EncodedChunk;
import io.narthex.tsdb.storage.SeriesMerger;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shard's state on one replica (Mimir's per-ingester map of tenant TSDBs): an in-memory {@link Head} per tenant
 * and the blocks cut from them ({@link LocalBlocks}). Appends follow Prometheus's rules (see {@link Head}); a
 * rejected sample is reported per series and never stops the rest of the request.
 *
 * <p>Tenants never share a head, so one tenant's reads cannot see another's series.
 */
public final class ShardHeads {
  private static final int SNAPSHOT_MAGIC = 0x4e584953; // "NXIS"
  private static final int SNAPSHOT_VERSION = 5;
  /**
   * Tenants' heads take samples up to 1h behind their newest one, half the 2h block range, as Prometheus's and
   * Mimir's heads do. Older samples would be cut into no block or stall the shipper; they are {@code TOO_OLD}.
   */
  static final long APPENDABLE_WINDOW_MS = 3_600_000L;

  private static final Logger log = LoggerFactory.getLogger(ShardHeads.class);

  private final Map<String, Head> heads = new ConcurrentHashMap<>();
  /** Samples appended per tenant since this replica started: how a shipper tells an idle head. Not replicated. */
  private final Map<String, AtomicLong> appendedSamples = new ConcurrentHashMap<>();
  private final HeadOptions headOptions;
  /** Null when this shard keeps no blocks on disk: {@link #cutBlock} is then refused. */
  private final LocalBlocks blocks;
  private final ShardMetadata metadata;
  private final IngesterMetrics metrics;

  /** Heads without out-of-order samples, and no local blocks. */
  public ShardHeads() {
    this(0);
  }

  /**
   * @param outOfOrderWindowMs how far behind a tenant's newest sample a sample older than its series' newest is
   *     still stored ({@code -ingester.out-of-order-time-window}); 0 for none. Every replica of a shard must use the
   *     same value, as it decides what the log's entries store.
   */
  public ShardHeads(long outOfOrderWindowMs) {
    this(outOfOrderWindowMs, null);
  }

  /**
   * @param outOfOrderWindowMs as {@link #ShardHeads(long)}
   * @param blocksDir where blocks cut from the heads are kept ({@link LocalBlocks}); null for none
   */
  public ShardHeads(long outOfOrderWindowMs, Path blocksDir) {
    this(outOfOrderWindowMs, blocksDir, MetadataLimits.DEFAULT);
  }

  /**
   * @param outOfOrderWindowMs as {@link #ShardHeads(long)}
   * @param blocksDir as {@link #ShardHeads(long, Path)}
   * @param metadataLimits this shard's bounds on the metric metadata it keeps; the same on every replica
   */
  public ShardHeads(long outOfOrderWindowMs, Path blocksDir, MetadataLimits metadataLimits) {
    this(outOfOrderWindowMs, blocksDir, metadataLimits, IngesterMetrics.unscraped());
  }

  /**
   * @param outOfOrderWindowMs as {@link #ShardHeads(long)}
   * @param blocksDir as {@link #ShardHeads(long, Path)}
   * @param metadataLimits as {@link #ShardHeads(long, Path, MetadataLimits)}
   * @param metrics where this shard counts samples and series: the process's, shared by all its shards
   */
  public ShardHeads(long outOfOrderWindowMs, Path blocksDir, MetadataLimits metadataLimits,
      IngesterMetrics metrics) {
    this.metrics = metrics;
    this.headOptions = new HeadOptions(HeadOptions.DEFAULT.samplesPerChunk(), APPENDABLE_WINDOW_MS,
        outOfOrderWindowMs);
    this.blocks = blocksDir == null ? null : new LocalBlocks(blocksDir);
    this.metadata = new ShardMetadata(metadataLimits);
  }

  /**
   * Reused by the thread applying a shard's log, so that a push allocates nothing per series: the cursors, and per
   * series of the push its identity and the series the head holds for it (see {@link #lookUp}).
   */
  private static final class Cursors {
    final WireFields request = new WireFields(6);
    final WireTimeSeries series = new WireTimeSeries();
    final WireSeriesKey key = new WireSeriesKey();
    long[] identityLows = new long[1024];
    long[] identityHighs = new long[1024];
    MemSeries[] found = new MemSeries[1024];
    int[] sampleCounts = new int[1024];
    /** Each series' first sample: a series of one sample the head holds is appended without a second read. */
    long[] firstTimestampsMs = new long[1024];
    double[] firstValues = new double[1024];

    void ensureCapacity(int seriesCount) {
      if (seriesCount > found.length) {
        int capacity = Math.max(seriesCount, 2 * found.length);
        identityLows = Arrays.copyOf(identityLows, capacity);
        identityHighs = Arrays.copyOf(identityHighs, capacity);
        found = Arrays.copyOf(found, capacity);
        sampleCounts = Arrays.copyOf(sampleCounts, capacity);
        firstTimestampsMs = Arrays.copyOf(firstTimestampsMs, capacity);
        firstValues = Arrays.copyOf(firstValues, capacity);
      }
    }
  }

  private static final ThreadLocal<Cursors> CURSORS = ThreadLocal.withInitial(Cursors::new);

  /**
   * Writes every tenant's head: magic {@code NXIS}, version 5, tenant count, then per tenant its name, its minimum
   * valid time and block mark (ms) and its head snapshot (tsdb/docs/format/head-snapshot.md), streamed: a head
   * snapshot knows its own end, so no length prefix caps its size. Then the local blocks: their count, and per
   * block its tenant, ULID, min and max time (ms) and whether it was shipped; their files travel beside the
   * snapshot ({@link #localBlocks}). Then the metric metadata ({@link ShardMetadata#write}). Appends must not run
   * meanwhile.
   */
  public void writeSnapshot(OutputStream out) throws IOException {
    DataOutputStream data = new DataOutputStream(out);
    data.writeInt(SNAPSHOT_MAGIC);
    data.writeInt(SNAPSHOT_VERSION);
    data.writeInt(heads.size());
    for (Map.Entry<String, Head> entry : new TreeMap<>(heads).entrySet()) {
      data.writeUTF(entry.getKey());
      data.writeLong(entry.getValue().minValidTimeMs());
      data.writeLong(entry.getValue().inBlocksBeforeMs());
      data.flush();
      HeadSnapshot.write(entry.getValue(), out);
    }
    List<LocalBlocks.Block> cut = blocks == null ? List.of() : blocks.all();
    data.writeInt(cut.size());
    for (LocalBlocks.Block block : cut) {
      data.writeUTF(block.tenant());
      data.writeUTF(block.ulid());
      data.writeLong(block.minTimeMs());
      data.writeLong(block.maxTimeMs());
      data.writeBoolean(block.shipped());
    }
    metadata.write(data);
    data.flush();
  }

  /**
   * Reads what {@link #writeSnapshot} wrote.
   *
   * @throws IOException when the snapshot is truncated or corrupt
   */
  public static ShardHeads readSnapshot(InputStream in) throws IOException {
    return readSnapshot(in, 0);
  }

  /**
   * Reads what {@link #writeSnapshot} wrote into an ingester with the given out-of-order window.
   *
   * @throws IOException when the snapshot is truncated or corrupt
   */
  public static ShardHeads readSnapshot(InputStream in, long outOfOrderWindowMs) throws IOException {
    return readSnapshot(in, outOfOrderWindowMs, null);
  }

  /**
   * Reads what {@link #writeSnapshot} wrote into an ingester with the given out-of-order window, whose local
   * blocks are read from {@code blocksDir}.
   *
   * @throws IOException when the snapshot is truncated or corrupt, or lists a local block that cannot be read
   */
  public static ShardHeads readSnapshot(InputStream in, long outOfOrderWindowMs, Path blocksDir) throws IOException {
    return readSnapshot(in, outOfOrderWindowMs, blocksDir, MetadataLimits.DEFAULT);
  }

  /**
   * As {@link #readSnapshot(InputStream, long, Path)}, into a shard with the given metadata limits. A snapshot
   * before version 5 holds no metadata.
   *
   * @throws IOException when the snapshot is truncated or corrupt, or lists a local block that cannot be read
   */
  public static ShardHeads readSnapshot(InputStream in, long outOfOrderWindowMs, Path blocksDir,
      MetadataLimits metadataLimits) throws IOException {
    return readSnapshot(in, outOfOrderWindowMs, blocksDir, metadataLimits, IngesterMetrics.unscraped());
  }

  /**
   * As {@link #readSnapshot(InputStream, long, Path, MetadataLimits)}, counting into {@code metrics}.
   *
   * @throws IOException when the snapshot is truncated or corrupt, or lists a local block that cannot be read
   */
  public static ShardHeads readSnapshot(InputStream in, long outOfOrderWindowMs, Path blocksDir,
      MetadataLimits metadataLimits, IngesterMetrics metrics) throws IOException {
    DataInputStream data = new DataInputStream(in);
    if (data.readInt() != SNAPSHOT_MAGIC) {
      throw new IOException("not an ingester snapshot: bad magic");
    }
    int version = data.readInt();
    if (version < 1 || version > SNAPSHOT_VERSION) {
      throw new IOException("unsupported ingester snapshot version " + version);
    }
    ShardHeads ingester = new ShardHeads(outOfOrderWindowMs, blocksDir, metadataLimits, metrics);
    HeadOptions headOptions = ingester.headOptions;
    int tenants = data.readInt();
    for (int i = 0; i < tenants; i++) {
      String tenant = data.readUTF();
      long minValidTimeMs = version >= 2 ? data.readLong() : Long.MIN_VALUE;
      long inBlocksBeforeMs = version >= 2 ? data.readLong() : Long.MIN_VALUE;
      Head head;
      if (version >= 3) {
        head = HeadSnapshot.read(data, headOptions);
      } else {
        // Versions 1 and 2 prefixed each head with an int length, which capped a tenant's head at 2 GiB.
        byte[] bytes = new byte[data.readInt()];
        data.readFully(bytes);
        head = HeadSnapshot.read(new ByteArrayInputStream(bytes), headOptions);
      }
      head.setInBlocksBeforeMs(inBlocksBeforeMs);
      head.setMinValidTimeMs(minValidTimeMs);
      ingester.heads.put(tenant, head);
    }
    int blockCount = version >= 4 ? data.readInt() : 0;
    for (int i = 0; i < blockCount; i++) {
      String tenant = data.readUTF();
      String ulid = data.readUTF();
      long minTimeMs = data.readLong();
      long maxTimeMs = data.readLong();
      boolean shipped = data.readBoolean();
      if (ingester.blocks == null) {
        throw new IOException("the snapshot lists local block " + tenant + "/" + ulid + " but no block directory"
            + " was given");
      }
      ingester.blocks.add(tenant, ulid, minTimeMs, maxTimeMs, shipped);
    }
    if (version >= 5) {
      ingester.metadata.read(data);
    }
    return ingester;
  }

  /** Tenants with a head or a local block, sorted. */
  public List<String> tenants() {
    TreeSet<String> tenants = new TreeSet<>(heads.keySet());
    if (blocks != null) {
      tenants.addAll(blocks.tenants());
    }
    return List.copyOf(tenants);
  }

  /** The blocks this shard cut and keeps on disk; null when it keeps none. */
  public LocalBlocks localBlocks() {
    return blocks;
  }

  /** The tenant's head, or null when it has none. */
  public Head head(String tenant) {
    return heads.get(tenant);
  }

  /**
   * Samples this replica appended to the tenant's head since it started or the head was last dropped; it only
   * grows meanwhile. A shipper that sees it unchanged for {@code -blocks-storage.tsdb.head-compaction-idle-timeout}
   * finds the head idle, as Mimir's ingester tracks a tenant's last successful append.
   */
  public long appendedSamples(String tenant) {
    AtomicLong appended = appendedSamples.get(tenant);
    return appended == null ? 0 : appended.get();
  }

  /** From now on, the tenant's samples before {@code beforeMs} are out of bounds: a block is being cut. */
  public void closeRange(String tenant, long beforeMs) {
    heads.computeIfAbsent(tenant, t -> new Head(headOptions)).setMinValidTimeMs(beforeMs);
  }

  /**
   * Records the upload of the tenant's local block {@code ulid}, so that a later {@link #truncate} may remove it.
   * With an empty ULID (an empty range) or one no replica cut (the leader cut it alone, in logs written before
   * local blocks), the tenant's data before {@code maxTimeMs} is marked as in blocks (and out of bounds for
   * appends), so that a later {@link #truncate} may drop it from the head.
   */
  public void markShipped(String tenant, String ulid, long maxTimeMs) {
    if (ulid.isEmpty() || blocks == null || !blocks.markShipped(tenant, ulid)) {
      heads.computeIfAbsent(tenant, t -> new Head(headOptions)).setInBlocksBeforeMs(maxTimeMs);
    }
  }

  /** What {@link #cutBlock} did. */
  public record Cut(boolean written, long series, long samples, int seriesRemoved) {}

  /**
   * Writes the tenant's head range {@code [minTimeMs, maxTimeMs)} as block {@code ulid} in the local blocks, then
   * drops it from the head (Prometheus's head compaction): an object-storage outage then costs disk, not memory.
   * The range must have been closed first (see {@link #closeRange}); the block mark moves to {@code maxTimeMs}.
   * A block of that ULID already on disk (the entry replayed after a restart) is taken as it is. An empty range
   * writes no block. When the block cannot be written (disk full), the data stays in the head, which a later
   * {@link #truncate} drops once the leader's copy was shipped: logged, never a refusal that would make replicas
   * disagree.
   *
   * @param externalLabels meta.json's {@code thanos.labels}
   * @throws IllegalArgumentException when this ingester keeps no local blocks, or the tenant or ULID cannot name a
   *     directory
   */
  public Cut cutBlock(String tenant, String ulid, long minTimeMs, long maxTimeMs,
      Map<String, String> externalLabels) {
    if (blocks == null) {
      throw new IllegalArgumentException("this shard keeps no local blocks");
    }
    Path blockDir = blocks.blockDir(tenant, ulid);
    if (minTimeMs >= maxTimeMs) {
      throw new IllegalArgumentException("empty block range [" + minTimeMs + ", " + maxTimeMs + ")");
    }
    Head head = heads.computeIfAbsent(tenant, t -> new Head(headOptions));
    head.setMinValidTimeMs(maxTimeMs);
    long series = 0;
    long samples = 0;
    boolean written = false;
    try {
      if (!Files.isDirectory(blockDir)) {
        // One series' chunks on the heap at a time: closed chunks live off the heap, and copying them all at once
        // would make each cut a heap spike the size of the head's closed chunks.
        Head.StreamedSeries chunks = head.streamChunks(minTimeMs, maxTimeMs - 1, BlockWriter.LABELS_ORDER);
        if (chunks.series().hasNext()) {
          BlockMeta meta = BlockWriter.write(blockDir.getParent(), ulid, chunks.labelSets(), chunks.series(),
              minTimeMs, maxTimeMs, externalLabels);
          series = meta.numSeries();
          samples = meta.numSamples();
          if (series == 0) {
            Directories.deleteRecursively(blockDir);
          }
        }
      }
      if (Files.isDirectory(blockDir)) {
        blocks.add(tenant, ulid, minTimeMs, maxTimeMs, false);
        written = true;
      }
    } catch (IOException | RuntimeException e) {
      metrics.localBlockFailures.inc();
      log.error("writing local block failed, its data stays in the head tenant={} ulid={} dir={}", tenant, ulid,
          blockDir, e);
      head.setInBlocksBeforeMs(maxTimeMs);
      return new Cut(false, 0, 0, 0);
    }
    head.setInBlocksBeforeMs(maxTimeMs);
    int removed = head.truncateBefore(maxTimeMs);
    metrics.memorySeries.labelValues(tenant).set(head.numSeries());
    return new Cut(written, series, samples, removed);
  }

  /**
   * Drops the tenant's chunks that end before {@code beforeMs}, never past the shipped mark; see
   * {@link Head#truncateBefore}. A head left without series is dropped with its metric series, so that tenants
   * that stopped writing (or ids sent once) cost nothing once their data is in blocks. Its time bounds go with it:
   * a later sample for a shipped range makes a block that overlaps, which queries and the compactor merge.
   */
  public int truncate(String tenant, long beforeMs) {
    metadata.forgetBefore(tenant, beforeMs);
    if (blocks != null) {
      blocks.removeShipped(tenant, beforeMs);
    }
    Head head = heads.get(tenant);
    if (head == null) {
      return 0;
    }
    beforeMs = Math.min(beforeMs, head.inBlocksBeforeMs());
    if (beforeMs == Long.MIN_VALUE) {
      return 0;
    }
    int removed = head.truncateBefore(beforeMs);
    if (head.numSeries() == 0) {
      heads.remove(tenant);
      appendedSamples.remove(tenant);
      metrics.memorySeries.remove(tenant);
      metrics.ingestedSamples.remove(tenant);
    } else {
      metrics.memorySeries.labelValues(tenant).set(head.numSeries());
    }
    return removed;
  }

  /** Series per tenant, for status pages. */
  public Map<String, Long> seriesPerTenant() {
    Map<String, Long> out = new TreeMap<>();
    heads.forEach((tenant, head) -> out.put(tenant, (long) head.numSeries()));
    return out;
  }

  /**
   * Appends every sample of a validated, encoded {@code PushRequest} at {@code buf[offset, offset + length)}, read
   * in place: a sample of a series the head holds allocates nothing. The response counts accepted samples and lists
   * rejections.
   *
   * @throws IllegalArgumentException when the request is malformed, has no tenant or a new series' label set is not
   *     valid; series before the faulty one are stored (the same on every replica). The distributor sends only
   *     series it has parsed and validated.
   */
  public PushResponse pushEncoded(byte[] buf, int offset, int length) {
    Cursors cursors = CURSORS.get();
    WireFields request = cursors.request.reset(buf, offset, length);
    String tenant = request.string(1);
    if (tenant.isEmpty()) {
      throw new IllegalArgumentException("push request without a tenant");
    }
    int seriesCount = request.count(2);
    // A push without series (metadata only, or a count request) creates no head: its tenant may have no series
    // on this shard, and an empty head would never be truncated away.
    Head head = seriesCount == 0 ? heads.get(tenant) : heads.computeIfAbsent(tenant, t -> new Head(headOptions));
    SeriesLimits limits = seriesLimits(request, buf);
    int hashed = seriesCount == 0 ? 0 : lookUp(cursors, head, request, buf, seriesCount);
    MemSeries[] found = cursors.found;
    try {
      return append(cursors, tenant, head, request, buf, seriesCount, limits, hashed);
    } finally {
      Arrays.fill(found, 0, hashed, null); // no removed series kept alive by the thread's cursors
    }
  }

  /**
   * Hashes the push's series in order, then finds those the head holds in one loop ({@link Head#findAll}), into
   * the cursors: the lookups' cache misses overlap instead of each stalling its series' append. Stops before a
   * series that cannot be read or hashed, which {@link #append} then meets in order, so the series before it are
   * stored as before. A series without samples is not hashed: it is skipped, as are invalid labels with it.
   *
   * @return how many of the push's first series were hashed
   */
  private static int lookUp(Cursors cursors, Head head, WireFields request, byte[] buf, int seriesCount) {
    cursors.ensureCapacity(seriesCount);
    WireTimeSeries wire = cursors.series;
    WireSeriesKey key = cursors.key;
    long[] lows = cursors.identityLows;
    long[] highs = cursors.identityHighs;
    int hashed = 0;
    try {
      for (; hashed < seriesCount; hashed++) {
        wire.reset(buf, request.offset(2, hashed), request.length(2, hashed));
        cursors.sampleCounts[hashed] = wire.sampleCount();
        if (wire.sampleCount() == 0) {
          lows[hashed] = 0;
          highs[hashed] = 0;
          continue;
        }
        cursors.firstTimestampsMs[hashed] = wire.timestampMs(0);
        cursors.firstValues[hashed] = wire.sampleValue(0);
        key.reset(wire);
        lows[hashed] = key.identityLow();
        highs[hashed] = key.identityHigh();
      }
    } catch (IllegalArgumentException e) {
      // Met again in order by append, after the series before it.
    }
    head.findAll(lows, highs, hashed, cursors.found);
    return hashed;
  }

  /** The rest of {@link #pushEncoded}: appends each series' samples, {@code hashed} of them looked up already. */
  private PushResponse append(Cursors cursors, String tenant, Head head, WireFields request, byte[] buf,
      int seriesCount, SeriesLimits limits, int hashed) {
    WireTimeSeries wire = cursors.series;
    WireSeriesKey key = cursors.key;
    PushResponse.Builder response = null;
    long accepted = 0;
    for (int seriesIndex = 0; seriesIndex < seriesCount; seriesIndex++) {
      MemSeries known = seriesIndex < hashed ? cursors.found[seriesIndex] : null;
      // Nearly every series: one sample, of a series the head holds, both known from lookUp.
      boolean onlySampleKnown = known != null && cursors.sampleCounts[seriesIndex] == 1;
      int sampleCount;
      long newestMs;
      if (onlySampleKnown) {
        sampleCount = 1;
        newestMs = cursors.firstTimestampsMs[seriesIndex];
      } else {
        wire.reset(buf, request.offset(2, seriesIndex), request.length(2, seriesIndex));
        sampleCount = wire.sampleCount();
        if (sampleCount == 0) {
          continue;
        }
        if (seriesIndex < hashed) {
          key.reset(wire, cursors.identityLows[seriesIndex], cursors.identityHighs[seriesIndex]);
        } else {
          key.reset(wire);
        }
        newestMs = Long.MIN_VALUE;
        for (int i = 0; i < sampleCount; i++) {
          newestMs = Math.max(newestMs, wire.timestampMs(i));
        }
      }
      // A series none of whose samples the head would take is not created: old samples cannot fill the head.
      MemSeries series = null;
      if (head.bounds(newestMs) == AppendResult.OK) {
        series = known;
        if (series == null) {
          series = limits == null ? head.getOrCreate(key) : head.get(key);
        }
        if (series == null) {
          SampleError.Reason overLimit = newSeriesOverLimit(head, wire, limits);
          if (overLimit != null) {
            response = response == null ? PushResponse.newBuilder() : response;
            response.addErrors(sampleError(overLimit, seriesIndex, wire.timestampMs(0), wire.sampleCount()));
            continue;
          }
          series = head.getOrCreate(key);
        }
      }
      int outOfOrder = 0;
      int duplicate = 0;
      int outOfBounds = 0;
      int tooOld = 0;
      long firstOutOfOrderMs = 0;
      long firstTooOldMs = 0;
      long firstDuplicateMs = 0;
      long firstOutOfBoundsMs = 0;
      for (int i = 0; i < sampleCount; i++) {
        long timestampMs = onlySampleKnown ? cursors.firstTimestampsMs[seriesIndex] : wire.timestampMs(i);
        AppendResult result = series == null ? head.bounds(timestampMs) : head.append(series, timestampMs,
            onlySampleKnown ? cursors.firstValues[seriesIndex] : wire.sampleValue(i));
        if (result == AppendResult.OK) {
          accepted++;
        } else if (result == AppendResult.OUT_OF_ORDER) {
          if (outOfOrder++ == 0) {
            firstOutOfOrderMs = timestampMs;
          }
        } else if (result == AppendResult.DUPLICATE_DIFFERENT_VALUE) {
          if (duplicate++ == 0) {
            firstDuplicateMs = timestampMs;
          }
        } else if (result == AppendResult.OUT_OF_BOUNDS) {
          if (outOfBounds++ == 0) {
            firstOutOfBoundsMs = timestampMs;
          }
        } else if (result == AppendResult.TOO_OLD) {
          if (tooOld++ == 0) {
            firstTooOldMs = timestampMs;
          }
        }
      }
      if (outOfBounds + tooOld + outOfOrder + duplicate > 0) {
        if (response == null) {
          response = PushResponse.newBuilder();
        }
        if (outOfBounds > 0) {
          response.addErrors(
              sampleError(SampleError.Reason.OUT_OF_BOUNDS, seriesIndex, firstOutOfBoundsMs, outOfBounds));
        }
        if (tooOld > 0) {
          response.addErrors(sampleError(SampleError.Reason.TOO_OLD, seriesIndex, firstTooOldMs, tooOld));
        }
        if (outOfOrder > 0) {
          response.addErrors(
              sampleError(SampleError.Reason.OUT_OF_ORDER, seriesIndex, firstOutOfOrderMs, outOfOrder));
        }
        if (duplicate > 0) {
          response.addErrors(
              sampleError(SampleError.Reason.DUPLICATE_TIMESTAMP, seriesIndex, firstDuplicateMs, duplicate));
        }
      }
    }
    if (request.count(3) > 0) {
      applyMetadata(tenant, request, buf);
    }
    if (head == null) {
      PushResponse.Builder empty = PushResponse.newBuilder();
      if (limits != null) {
        limits.getMaxSeriesPerMetricMap().keySet().forEach(metric -> empty.putMetricSeries(metric, 0));
      }
      return empty.build();
    }
    metrics.ingestedSamples.labelValues(tenant).inc(accepted);
    if (accepted > 0) {
      appendedSamples.computeIfAbsent(tenant, t -> new AtomicLong()).addAndGet(accepted);
    }
    metrics.memorySeries.labelValues(tenant).set(head.numSeries());
    response = (response == null ? PushResponse.newBuilder() : response).setAcceptedSamples(accepted)
        .setTenantSeries(head.numSeries());
    if (limits != null) {
      for (String metric : limits.getMaxSeriesPerMetricMap().keySet()) {
        response.putMetricSeries(metric, head.numSeriesWith(Labels.METRIC_NAME, metric));
      }
    }
    return response.build();
  }

  /**
   * Stores the request's metric metadata (after its series, so a refused series never skips it). Entries refused
   * for a limit or as invalid are counted and logged, never a refusal of the log entry.
   */
  private void applyMetadata(String tenant, WireFields request, byte[] buf) {
    int count = request.count(3);
    List<java.nio.ByteBuffer> encoded = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      encoded.add(java.nio.ByteBuffer.wrap(buf, request.offset(3, i), request.length(3, i)));
    }
    ShardMetadata.Applied applied = metadata.apply(tenant, encoded, request.varint(5, 0));
    if (!applied.refused().isEmpty()) {
      applied.refused().forEach((reason, n) ->
          metrics.discardedMetadata.labelValues(tenant, reason.label).inc(n));
      log.warn("metric metadata refused tenant={} stored={} refused={} first_refused_family={} limits={}", tenant,
          applied.stored(), applied.refused(), applied.firstRefusedFamily(), metadata.limits());
    }
  }

  /**
   * The tenant's metric metadata on this shard: families sorted by name (only {@code metric} when not empty), each
   * with its distinct entries oldest first.
   */
  public List<ShardMetadata.Family> metadata(String tenant, String metric) {
    return metadata.families(tenant, metric);
  }

  /** The request's {@code series_limits}, or null when it has none. */
  private static SeriesLimits seriesLimits(WireFields request, byte[] buf) {
    int count = request.count(4);
    if (count == 0) {
      return null;
    }
    try {
      return SeriesLimits.parseFrom(
          java.nio.ByteBuffer.wrap(buf, request.offset(4, count - 1), request.length(4, count - 1)));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("malformed series_limits: " + e.getMessage(), e);
    }
  }

  /**
   * Why a series the head does not hold may not be created under the entry's caps, or null when it may. The caps
   * travel in the log entry and the head is the same on every replica, so every replica decides the same.
   */
  private static SampleError.Reason newSeriesOverLimit(Head head, WireTimeSeries wire, SeriesLimits limits) {
    if (limits.getLimitSeries() && head.numSeries() >= limits.getMaxSeries()) {
      return SampleError.Reason.MAX_SERIES_PER_USER;
    }
    if (limits.getMaxSeriesPerMetricCount() > 0) {
      for (int i = 0; i < wire.labelCount(); i++) {
        if (wire.nameIs(i, Labels.METRIC_NAME)) {
          String metric = wire.value(i);
          long max = limits.getMaxSeriesPerMetricOrDefault(metric, Long.MAX_VALUE);
          return head.numSeriesWith(Labels.METRIC_NAME, metric) >= max ? SampleError.Reason.MAX_SERIES_PER_METRIC
              : null;
        }
      }
    }
    return null;
  }

  private static SampleError sampleError(SampleError.Reason reason, int seriesIndex, long timestampMs, int count) {
    return SampleError.newBuilder()
        .setReason(reason)
        .setSeriesIndex(seriesIndex)
        .setTimestampMs(timestampMs)
        .setRejectedSamples(count)
        .build();
  }

  /**
   * Series of {@code tenant} matching every matcher, sorted by labels, with chunks overlapping
   * {@code [minTimeMs, maxTimeMs]} (inclusive), from the head and the local blocks: a series in both gets the
   * chunks of both, merged where they overlap (a head chunk straddling a cut block's end).
   *
   * @throws java.io.UncheckedIOException when a local block cannot be read
   */
  public List<EncodedSeries> select(String tenant, long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
    Head head = heads.get(tenant);
    List<EncodedSeries> fromHead = head == null ? List.of() : head.selectChunks(minTimeMs, maxTimeMs, matchers);
    List<List<EncodedSeries>> fromBlocks = blocks == null ? List.of()
        : blocks.select(tenant, minTimeMs, maxTimeMs, matchers);
    if (fromBlocks.isEmpty()) {
      return fromHead;
    }
    // Blocks before the head: where a head chunk overlaps a block's, the block's sample wins a shared timestamp.
    List<List<EncodedSeries>> sources = new ArrayList<>(fromBlocks.size() + 1);
    sources.addAll(fromBlocks);
    sources.add(fromHead);
    List<EncodedSeries> merged = SeriesMerger.merge(sources);
    List<EncodedSeries> out = new ArrayList<>(merged.size());
    for (EncodedSeries series : merged) {
      List<EncodedChunk> chunks = ChunkMerger.mergeOverlapping(series.chunks());
      out.add(chunks == series.chunks() ? series : new EncodedSeries(series.labels(), chunks));
    }
    return out;
  }

  /**
   * Label names of the tenant's series matching every matcher with samples in the range, from the head and the
   * local blocks, sorted.
   */
  public List<String> labelNames(String tenant, long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
    TreeSet<String> names = new TreeSet<>();
    Head head = heads.get(tenant);
    if (head != null) {
      try (Querier querier = head.querier(minTimeMs, maxTimeMs)) {
        names.addAll(querier.labelNames(matchers));
      }
    }
    for (BlockReader reader : blockReaders(tenant, minTimeMs, maxTimeMs)) {
      try {
        names.addAll(reader.labelNames(matchers));
      } catch (IOException e) {
        throw new UncheckedIOException("reading local block " + reader.ulid(), e);
      }
    }
    return List.copyOf(names);
  }

  /** Values of label {@code name}, as {@link #labelNames}. */
  public List<String> labelValues(
      String tenant, String name, long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
    TreeSet<String> values = new TreeSet<>();
    Head head = heads.get(tenant);
    if (head != null) {
      try (Querier querier = head.querier(minTimeMs, maxTimeMs)) {
        values.addAll(querier.labelValues(name, matchers));
      }
    }
    for (BlockReader reader : blockReaders(tenant, minTimeMs, maxTimeMs)) {
      try {
        values.addAll(reader.labelValues(name, matchers));
      } catch (IOException e) {
        throw new UncheckedIOException("reading local block " + reader.ulid(), e);
      }
    }
    return List.copyOf(values);
  }

  private List<BlockReader> blockReaders(String tenant, long minTimeMs, long maxTimeMs) {
    return blocks == null ? List.of() : blocks.readers(tenant, minTimeMs, maxTimeMs);
  }
}
