package io.narthex.ingester.raft;

import io.narthex.ingester.IngesterMetrics;
import io.narthex.ingester.MetadataLimits;
import io.narthex.ingester.ShardHeads;
import io.narthex.ingester.client.LogFormat;
import io.narthex.ingester.client.PushEntryBuilder;
import io.narthex.ingester.client.WireFields;
import io.narthex.proto.ingester.BlockCut;
import io.narthex.proto.ingester.BlockShipped;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.ShardLogEntry;
import io.narthex.proto.ingester.TruncateHead;
import io.narthex.common.FileSync;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated state of one shard: each committed Raft log entry is a {@link ShardLogEntry} (a push, a block cut
 * or shipped, a head truncation), applied to the shard's per-tenant heads and local blocks in log order, so every
 * replica holds the same samples and takes the same append decisions. The Raft log is the write-ahead log; a
 * snapshot of the heads lets Ratis purge the log before it. Local blocks live under the state machine directory
 * ({@code sm/blocks/<tenant>/<ULID>}) and their files are part of the snapshot, so a replica that installs it from
 * the leader gets them too.
 */
final class ShardStateMachine extends BaseStateMachine {
  private static final Logger log = LoggerFactory.getLogger(ShardStateMachine.class);

  private final int shard;
  private final HeapWatermark watermark;
  private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
  private final long outOfOrderWindowMs;
  /** This shard's share of the metadata limits. */
  private final MetadataLimits metadataLimits;
  private volatile ShardHeads ingester;
  private Path blocksDir;
  /** The latest snapshot with the local blocks it lists; null before the first. */
  private volatile FileListSnapshotInfo latestSnapshot;
  /**
   * Whether the storage held no snapshot when last read ({@link #initialize}, {@link #reinitialize}): until one is
   * taken or {@link #pause} announces an install, none can appear, so {@link #getLatestSnapshot} need not look.
   */
  private volatile boolean noSnapshotStored;
  // Reused by the apply thread, the only one reading entries, so that applying a push allocates per entry at most.
  private final RaftMetrics raftMetrics;
  private final IngesterMetrics ingesterMetrics;
  private final WireFields entryFields = new WireFields(LogFormat.FIELD + 1);
  private byte[] entryBuffer = new byte[1 << 16];
  private byte[] pushBuffer = new byte[1 << 18];

  ShardStateMachine(int shard, ApplyOptions options) {
    this(shard, options, 1, new RaftMetrics(new PrometheusRegistry()), IngesterMetrics.unscraped());
  }

  /**
   * @param shardCount shards of the cluster, which share the tenant's metadata limit
   * @param raftMetrics and {@code ingesterMetrics}: the node's, shared by its replicas
   */
  ShardStateMachine(int shard, ApplyOptions options, int shardCount, RaftMetrics raftMetrics,
      IngesterMetrics ingesterMetrics) {
    this.shard = shard;
    this.raftMetrics = raftMetrics;
    this.ingesterMetrics = ingesterMetrics;
    this.watermark = options.heapWatermark();
    this.outOfOrderWindowMs = options.outOfOrderTimeWindow().toMillis();
    this.metadataLimits = options.metadataLimits().forShards(shardCount);
    this.ingester = new ShardHeads(outOfOrderWindowMs, null, metadataLimits, ingesterMetrics);
  }

  int shard() {
    return shard;
  }

  /** The shard's heads as applied so far; replaced wholesale when a snapshot is installed. */
  ShardHeads heads() {
    return ingester;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    storage.init(raftStorage);
    blocksDir = raftStorage.getStorageDir().getStateMachineDir().toPath().resolve("blocks");
    ingester = new ShardHeads(outOfOrderWindowMs, blocksDir, metadataLimits, ingesterMetrics);
    loadLatestSnapshot();
    noSnapshotStored = latestSnapshot == null;
    getLifeCycle().transition(LifeCycle.State.STARTING);
    getLifeCycle().transition(LifeCycle.State.RUNNING);
  }

  /**
   * Before a snapshot from the leader is installed. Ratis reloads only a state machine it finds PAUSED, and shuts
   * the group down on this replica otherwise (BaseStateMachine's pause does nothing).
   */
  @Override
  public void pause() {
    // Ratis moves the installed snapshot into the storage next, then calls reinitialize.
    noSnapshotStored = false;
    getLifeCycle().transition(LifeCycle.State.PAUSING);
    getLifeCycle().transition(LifeCycle.State.PAUSED);
  }

  /** After a snapshot from the leader was installed: reads it, then applies entries again. */
  @Override
  public void reinitialize() throws IOException {
    loadLatestSnapshot();
    noSnapshotStored = latestSnapshot == null;
    getLifeCycle().transition(LifeCycle.State.STARTING);
    getLifeCycle().transition(LifeCycle.State.RUNNING);
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return storage;
  }

  /**
   * The heads file and every file of the local blocks it lists, which a replica installing it needs too; null
   * before the shard's first snapshot.
   *
   * <p>Ratis asks on every append, on the leader (each appender, whether to install a snapshot instead) and on
   * followers (the snapshot index the entries must follow). With no snapshot taken, Ratis's storage lists its
   * directory at each call: 6.6 % of an ingester's CPU under write load in a fresh cluster (JFR, 2026-12-07).
   */
  @Override
  public SnapshotInfo getLatestSnapshot() {
    FileListSnapshotInfo snapshot = latestSnapshot;
    if (snapshot != null || noSnapshotStored) {
      return snapshot;
    }
    return storage.getLatestSnapshot();
  }

  /**
   * On the leader, before the entry enters the log: pushes are refused while the heap is over its watermark, as a
   * failed write (5xx) that appends nothing. Control entries (block shipped, truncation) pass, as they free memory.
   */
  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    if (watermark.exceeded() && isPush(request.getMessage().getContent())) {
      raftMetrics.refusedPushesHeap.labelValues(Integer.toString(shard)).inc();
      // A context holding the exception is Ratis's way to refuse: the client gets it, nothing is appended.
      TransactionContext refused = TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request)
          .build();
      refused.setException(new IOException("shard " + shard + " refused the push: " + watermark.describe()));
      return refused;
    }
    return super.startTransaction(request);
  }

  /** A ShardLogEntry whose first field is push (1) or snappy_push (5), as every entry the distributor sends. */
  private static boolean isPush(ByteString entry) {
    if (entry.isEmpty()) {
      return false;
    }
    byte tag = entry.byteAt(0);
    return tag == (1 << 3 | 2) || tag == (5 << 3 | 2);
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    PushResponse response;
    try {
      var logData = entry.getStateMachineLogEntry().getLogData();
      int size = logData.size();
      if (entryBuffer.length < size) {
        entryBuffer = new byte[Math.max(size, 2 * entryBuffer.length)];
      }
      logData.copyTo(entryBuffer, 0);
      byte[] data = entryBuffer;
      WireFields fields = entryFields.reset(data, 0, size);
      long version = fields.varint(LogFormat.FIELD, LogFormat.VERSION);
      if (version > LogFormat.VERSION) {
        // Newer than this build reads: stop here (the group shuts down on this replica; log replay after an
        // upgrade resumes from this entry) rather than refuse what the upgraded replicas apply.
        log.error("log entry index={} of shard {} has format version {}; this build reads up to {}: stopping the"
            + " shard on this replica until it is upgraded", entry.getIndex(), shard, version, LogFormat.VERSION);
        return CompletableFuture.failedFuture(new IllegalStateException("shard " + shard + " log entry "
            + entry.getIndex() + " has format version " + version + ", newer than " + LogFormat.VERSION));
      }
      // Pushes, nearly every entry, are read in place; the rare control entries are parsed. Uncompressed pushes
      // (field 1) are what logs written before snappy_push hold.
      ShardLogEntry logEntry = fields.count(1) > 0 || fields.count(5) > 0 ? null
          : ShardLogEntry.parseFrom(java.nio.ByteBuffer.wrap(data, 0, size));
      if (logEntry == null && fields.count(5) > 1 && version >= LogFormat.BATCH) {
        return applied(entry, Message.valueOf(UnsafeByteOperations.unsafeWrap(applyBatch(entry, fields))));
      } else if (logEntry == null && fields.count(5) > 0) {
        int last = fields.count(5) - 1;
        int offset = fields.offset(5, last);
        int length = fields.length(5, last);
        int pushBytes = PushEntryBuilder.uncompressedLength(data, offset, length);
        if (pushBuffer.length < pushBytes) {
          pushBuffer = new byte[Math.max(pushBytes, 2 * pushBuffer.length)];
        }
        PushEntryBuilder.decompress(data, offset, length, pushBuffer);
        response = ingester.pushEncoded(pushBuffer, 0, pushBytes);
      } else if (logEntry == null) {
        response = ingester.pushEncoded(data, fields.offset(1, fields.count(1) - 1),
            fields.length(1, fields.count(1) - 1));
      } else {
        response = switch (logEntry.getEntryCase()) {
          case BLOCK_CUT -> {
            BlockCut cut = logEntry.getBlockCut();
            ShardHeads.Cut result = ingester.cutBlock(cut.getTenant(), cut.getUlid(), cut.getMinTimeMs(),
                cut.getMaxTimeMs(), Map.of("__org_id__", cut.getTenant(), "__narthex_shard__", Integer.toString(shard)));
            log.info("block cut shard={} tenant={} ulid={} min_time_ms={} max_time_ms={} written={} series={}"
                + " samples={} head_series_removed={}", shard, cut.getTenant(), cut.getUlid(), cut.getMinTimeMs(),
                cut.getMaxTimeMs(), result.written(), result.series(), result.samples(), result.seriesRemoved());
            yield PushResponse.getDefaultInstance();
          }
          case BLOCK_SHIPPED -> {
            BlockShipped shipped = logEntry.getBlockShipped();
            ingester.markShipped(shipped.getTenant(), shipped.getUlid(), shipped.getMaxTimeMs());
            log.info("block shipped shard={} tenant={} ulid={} min_time_ms={} max_time_ms={}", shard,
                shipped.getTenant(), shipped.getUlid(), shipped.getMinTimeMs(), shipped.getMaxTimeMs());
            yield PushResponse.getDefaultInstance();
          }
          case CLOSE_HEAD_RANGE -> {
            ingester.closeRange(logEntry.getCloseHeadRange().getTenant(), logEntry.getCloseHeadRange().getBeforeMs());
            yield PushResponse.getDefaultInstance();
          }
          case TRUNCATE_HEAD -> {
            TruncateHead truncate = logEntry.getTruncateHead();
            int removed = ingester.truncate(truncate.getTenant(), truncate.getBeforeMs());
            log.info("head truncated shard={} tenant={} before_ms={} series_removed={}", shard, truncate.getTenant(),
                truncate.getBeforeMs(), removed);
            yield PushResponse.getDefaultInstance();
          }
          case PUSH, SNAPPY_PUSH -> throw new IllegalStateException("read in place above");
          case ENTRY_NOT_SET -> throw new IllegalArgumentException("empty log entry");
        };
      }
    } catch (IOException | RuntimeException e) {
      // Applying is deterministic, so every replica fails the same entry the same way: it is refused everywhere
      // and the writer learns why. Never a failed future, which would stop the group's apply loop for good (and
      // again at every log replay). A bug's exception is refused like bad input, and logged with its trace.
      response = refused(entry, e, "log entry " + entry.getIndex());
    }
    return applied(entry, Message.valueOf(UnsafeByteOperations.unsafeWrap(response.toByteArray())));
  }

  private CompletableFuture<Message> applied(LogEntryProto entry, Message reply) {
    updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
    raftMetrics.appliedIndex.labelValues(Integer.toString(shard)).set(entry.getIndex());
    return CompletableFuture.completedFuture(reply);
  }

  /**
   * Applies each push of a batch (group commit) in order as if it were its own entry: one push refused does not
   * refuse the others, and each gets its own answer.
   */
  private byte[] applyBatch(LogEntryProto entry, WireFields fields) {
    int pushes = fields.count(5);
    List<PushResponse> answers = new ArrayList<>(pushes);
    for (int i = 0; i < pushes; i++) {
      int offset = fields.offset(5, i);
      int length = fields.length(5, i);
      try {
        int pushBytes = PushEntryBuilder.uncompressedLength(entryBuffer, offset, length);
        if (pushBuffer.length < pushBytes) {
          pushBuffer = new byte[Math.max(pushBytes, 2 * pushBuffer.length)];
        }
        PushEntryBuilder.decompress(entryBuffer, offset, length, pushBuffer);
        answers.add(ingester.pushEncoded(pushBuffer, 0, pushBytes));
      } catch (RuntimeException e) {
        answers.add(refused(entry, e, "push " + i + " of log entry " + entry.getIndex()));
      }
    }
    return PushBatch.reply(answers);
  }

  /** Counts and logs a refused entry or push; its answer. Deterministic, so every replica refuses it alike. */
  private PushResponse refused(LogEntryProto entry, Exception e, String what) {
    raftMetrics.rejectedEntries.labelValues(Integer.toString(shard)).inc();
    if (e instanceof IOException || e instanceof IllegalArgumentException) {
      log.warn("log entry refused shard={} index={}: {}: {}", shard, entry.getIndex(), what, e.toString());
    } else {
      log.error("log entry refused on an unexpected exception shard={} index={}: {}", shard, entry.getIndex(), what,
          e);
    }
    return PushResponse.newBuilder().setInvalidRequest("shard " + shard + " rejected " + what + ": " + e).build();
  }

  /** Runs on the state machine's apply thread, so no entry is applied while the heads are written. */
  @Override
  public long takeSnapshot() throws IOException {
    TermIndex last = getLastAppliedTermIndex();
    if (last == null || last.getIndex() < 0) {
      return -1;
    }
    long startNanos = System.nanoTime();
    File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
    Path temporary = file.toPath().resolveSibling(file.getName() + ".tmp");
    try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
      ingester.writeSnapshot(out);
      out.flush();
      // Ratis purges the log up to this snapshot once we return: it must be on disk first.
      channel.force(true);
    }
    Files.move(temporary, file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    FileSync.directory(file.toPath().getParent());
    var md5 = MD5FileUtil.computeAndSaveMd5ForFile(file);
    SingleFileSnapshotInfo heads = new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), last);
    storage.updateLatestSnapshot(heads);
    latestSnapshot = withLocalBlocks(heads);
    // Blocks removed since the previous snapshot are listed by none now; their files can go.
    ingester.localBlocks().deleteUnlisted();
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    raftMetrics.snapshotDuration.labelValues(Integer.toString(shard)).observe(seconds);
    log.info("snapshot taken shard={} index={} bytes={} seconds={}", shard, last.getIndex(), Files.size(file.toPath()),
        String.format("%.3f", seconds));
    return last.getIndex();
  }

  /**
   * The snapshot's heads file and the files of the local blocks the ingester lists, which are the snapshot's
   * blocks as long as no entry after it was applied. Digests of block files are computed while Ratis sends them.
   */
  private FileListSnapshotInfo withLocalBlocks(SingleFileSnapshotInfo heads) throws IOException {
    List<FileInfo> files = new ArrayList<>(heads.getFiles());
    for (Path blockFile : ingester.localBlocks().files()) {
      files.add(new FileInfo(blockFile, null));
    }
    return new FileListSnapshotInfo(files, heads.getTermIndex());
  }

  /** Ratis writes an MD5 file beside every file of an installed snapshot; blocks must hold only their own files. */
  private void deleteInstalledDigests() throws IOException {
    if (!Files.isDirectory(blocksDir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(blocksDir)) {
      for (Path path : paths.filter(p -> p.getFileName().toString().endsWith(".md5")).toList()) {
        Files.delete(path);
      }
    }
  }

  private void loadLatestSnapshot() throws IOException {
    SingleFileSnapshotInfo snapshot = storage.loadLatestSnapshot();
    if (snapshot == null) {
      return;
    }
    deleteInstalledDigests();
    Path path = snapshot.getFile().getPath();
    if (!Files.exists(path)) {
      throw new IOException("snapshot file " + path + " of shard " + shard + " is missing");
    }
    if (snapshot.getFile().getFileDigest() != null) {
      MD5FileUtil.verifySavedMD5(path.toFile(), snapshot.getFile().getFileDigest());
    }
    long startNanos = System.nanoTime();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
      ingester = ShardHeads.readSnapshot(in, outOfOrderWindowMs, blocksDir, metadataLimits, ingesterMetrics);
    }
    latestSnapshot = withLocalBlocks(snapshot);
    updateLastAppliedTermIndex(snapshot.getTermIndex());
    long series = ingester.seriesPerTenant().values().stream().mapToLong(Long::longValue).sum();
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    log.info("snapshot loaded shard={} index={} series={} seconds={} series_per_second={}", shard,
        snapshot.getIndex(), series, String.format("%.3f", seconds), String.format("%.0f", series / seconds));
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    raftMetrics.leaderChanges.labelValues(Integer.toString(shard)).inc();
    log.info("leader changed shard={} member={} leader={}", shard, groupMemberId.getPeerId(), newLeaderId);
  }
}
