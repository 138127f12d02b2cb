package io.narthex.compactor;

import io.narthex.blocks.BlockShipper;
import io.narthex.blocks.DeletionMark;
import io.narthex.blocks.NoCompactMark;
import io.narthex.common.Directories;
import io.narthex.common.ErrorId;
import io.narthex.objstore.Bucket;
import io.narthex.tsdb.block.BlockFiles;
import io.narthex.tsdb.block.BlockMeta;
import io.narthex.tsdb.block.BlockMetaFile;
import io.narthex.tsdb.block.BlockReader;
import io.narthex.tsdb.block.BlockValidationException;
import io.narthex.tsdb.block.BlockWriter;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.ChunkMerger;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compacts one group of a tenant's blocks into one new block:
 *
 * <ol>
 *   <li>downloads each source to the scratch directory and validates it ({@link BlockReader#validate}); a source
 *       that fails is marked no-compact, and the group is left alone;
 *   <li>reads the sources series by series in label order, a batch at a time (sources in ULID order), merges
 *       series with equal label sets, and merges their overlapping chunks with {@link ChunkMerger} (one sample per
 *       timestamp, the first chunk's); nothing holds a whole source or the whole result in memory;
 *   <li>passes each merged series through the tenant's deletion requests, and writes it at once with
 *       {@link BlockWriter#stream}: level one above the highest source (kept for a rewrite), sources the union of the
 *       sources', parents the source blocks, external labels {@code __org_id__} only, and the deletion requests
 *       applied (the sources' and those overlapping the block) in meta.json's {@code narthex.applied_tombstones};
 *   <li>validates the new block, uploads it (meta.json last), and only then marks the sources for deletion.
 * </ol>
 *
 * A crash between the upload and the marks leaves both; the next pass finds the sources redundant.
 */
final class GroupCompactor {
  private static final Logger log = LoggerFactory.getLogger(GroupCompactor.class);
  static final String ORG_ID_LABEL = "__org_id__";

  private final Bucket bucket;
  private final Path scratchDir;
  private final Duration pauseAfterUpload;
  private final Clock clock;
  private final CompactorMetrics metrics;

  GroupCompactor(Bucket bucket, Path scratchDir, Duration pauseAfterUpload, Clock clock, CompactorMetrics metrics) {
    this.metrics = metrics;
    this.bucket = bucket;
    this.scratchDir = scratchDir;
    this.pauseAfterUpload = pauseAfterUpload;
    this.clock = clock;
  }

  /**
   * What a group's compaction did.
   *
   * @param newBlockId the uploaded block, null when none was written (the group was left alone, or every series
   *     was filtered out)
   * @param noCompactMarked sources found unusable and marked no-compact; the group was left alone
   * @param sourcesMarked sources marked for deletion
   */
  record Result(String newBlockId, List<String> noCompactMarked, int sourcesMarked, long samples,
      ChunkMerger.MergeStats mergeStats, Duration duration) {}

  /**
   * Compacts the group.
   *
   * @param infos the meta.json facts of the group's blocks
   * @param rewrite whether this is a single block rewritten without deleted samples at its own level
   * @param deletions the tenant's deletion requests, applied to every series
   * @throws IOException on bucket errors, or when the new block fails validation (a compactor bug); nothing was
   *     marked then, and the next pass tries again
   */
  Result compact(String tenant, CompactionPlanner.Group group, Map<String, BlockInfo> infos, boolean rewrite,
      SeriesDeletions deletions) throws IOException {
    long startNanos = System.nanoTime();
    Path work = scratchDir.resolve(safeName(tenant)).resolve(group.key());
    Directories.deleteRecursively(work);
    Files.createDirectories(work);
    try {
      List<BlockReader> readers = new ArrayList<>();
      List<String> unusable = new ArrayList<>();
      for (var block : group.blocks()) {
        Path dir = download(tenant, block.blockId(), work.resolve("sources").resolve(block.blockId()));
        try {
          BlockMetaFile meta = BlockMetaFile.parse(Files.readAllBytes(dir.resolve(BlockMetaFile.FILENAME)));
          BlockReader reader = BlockReader.open(block.blockId(), BlockFiles.directory(dir));
          reader.validate(meta.minTimeMs(), meta.maxTimeMs());
          readers.add(reader);
        } catch (BlockValidationException | IOException | IllegalArgumentException e) {
          markNoCompact(tenant, block.blockId(), e);
          unusable.add(block.blockId());
        }
      }
      if (!unusable.isEmpty()) {
        return new Result(null, unusable, 0, 0, new ChunkMerger.MergeStats(), elapsed(startNanos));
      }

      ChunkMerger.MergeStats stats = new ChunkMerger.MergeStats();
      BlockMeta written = merge(readers, deletions, stats, BlockWriter.stream(work.resolve("out"),
          symbols(readers), group.minTimeMs(), group.maxTimeMs(), Map.of(ORG_ID_LABEL, tenant),
          compaction(group, infos, rewrite)));
      if (written != null) {
        Set<String> applied = new TreeSet<>(deletions.overlapping(group.minTimeMs(), group.maxTimeMs()));
        for (var block : group.blocks()) {
          BlockInfo info = infos.get(block.blockId());
          if (info != null) {
            applied.addAll(info.appliedTombstones());
          }
        }
        BlockInfo.writeAppliedTombstones(written.dir().resolve(BlockMetaFile.FILENAME), applied);
        try {
          BlockReader.open(written.ulid(), BlockFiles.directory(written.dir()))
              .validate(written.minTimeMs(), written.maxTimeMs());
        } catch (BlockValidationException e) {
          throw new IOException(ErrorId.COMPACTED_BLOCK_INVALID.id() + ": compacted block " + written.ulid()
              + " of tenant " + tenant + " group " + group.key() + " fails validation: " + e.getMessage(), e);
        }
        BlockShipper.upload(bucket, tenant, written.dir());
        pause();
      }
      for (var block : group.blocks()) {
        DeletionMark.write(bucket, tenant, block.blockId(), clock.instant());
      }
      if (stats.conflictingSamples() > 0) {
        log.warn("vertical compaction dropped conflicting samples tenant={} group={} sources={} "
            + "conflicting_samples={} duplicate_samples={} (kept the first block's value by ULID order)", tenant,
            group.key(), ids(group), stats.conflictingSamples(), stats.duplicateSamples());
      }
      Duration took = elapsed(startNanos);
      long samples = written == null ? 0 : written.numSamples();
      log.info("compacted group tenant={} group={} sources={} new_block={} level={} series={} samples={} "
          + "duplicate_samples={} duration={} samples_per_second={}", tenant, group.key(), ids(group),
          written == null ? "none (no series left)" : written.ulid(),
          written == null ? "-" : written.compaction().level(), written == null ? 0 : written.numSeries(), samples,
          stats.duplicateSamples(), took, Math.round(samples / Math.max(took.toNanos() / 1e9, 1e-9)));
      return new Result(written == null ? null : written.ulid(), List.of(), group.blocks().size(), samples, stats,
          took);
    } finally {
      Directories.deleteRecursively(work);
    }
  }

  private static BlockMetaFile.Compaction compaction(CompactionPlanner.Group group, Map<String, BlockInfo> infos,
      boolean rewrite) {
    int level = 0;
    TreeSet<String> sources = new TreeSet<>();
    List<BlockMetaFile.Parent> parents = new ArrayList<>();
    for (var block : group.blocks()) {
      BlockInfo info = infos.get(block.blockId());
      level = Math.max(level, info == null ? Math.max(block.compactionLevel(), 1) : info.level());
      sources.addAll(info == null ? List.of(block.blockId()) : info.sources());
      parents.add(new BlockMetaFile.Parent(block.blockId(), block.minTimeMs(), block.maxTimeMs()));
    }
    return new BlockMetaFile.Compaction(rewrite ? level : level + 1, List.copyOf(sources), parents);
  }

  /** Series read from each source at a time: bounds the heap a compaction takes, whatever the block sizes. */
  static final int SERIES_BATCH = 1024;

  /** Every label name and value of the sources: the new block's symbol table (a superset of what it uses). */
  private static Set<String> symbols(List<BlockReader> readers) throws IOException {
    Set<String> symbols = new HashSet<>();
    for (BlockReader reader : readers) {
      for (String name : reader.labelNames(List.of())) {
        symbols.add(name);
        symbols.addAll(reader.labelValues(name, List.of()));
      }
    }
    return symbols;
  }

  /**
   * Merges the readers series by series into {@code out}: a k-way merge over the sources' series in label order,
   * equal label sets merged (their overlapping chunks through {@link ChunkMerger}, ties kept in source order), each
   * merged series passed through the deletion requests and written at once. Only {@link #SERIES_BATCH} series of
   * each source, and one merged series, are held at a time.
   *
   * @return the block written, or null when no series was left (nothing is written then)
   */
  private static BlockMeta merge(List<BlockReader> readers, SeriesDeletions deletions, ChunkMerger.MergeStats stats,
      BlockWriter.Streaming out) throws IOException {
    try (out) {
      int n = readers.size();
      BlockReader.SeriesCursor[] cursors = new BlockReader.SeriesCursor[n];
      EncodedSeries[] heads = new EncodedSeries[n];
      // Smallest label set first; equal ones in source (ULID) order.
      PriorityQueue<Integer> queue = new PriorityQueue<>((a, b) -> {
        int cmp = BlockWriter.LABELS_ORDER.compare(heads[a].labels(), heads[b].labels());
        return cmp != 0 ? cmp : Integer.compare(a, b);
      });
      for (int i = 0; i < n; i++) {
        cursors[i] = readers.get(i).allSeries(SERIES_BATCH);
        heads[i] = cursors[i].next();
        if (heads[i] != null) {
          queue.add(i);
        }
      }
      while (!queue.isEmpty()) {
        int source = queue.poll();
        Labels labels = heads[source].labels();
        List<EncodedChunk> chunks = new ArrayList<>(heads[source].chunks());
        int contributors = 1;
        advance(source, cursors, heads, queue);
        while (!queue.isEmpty() && BlockWriter.LABELS_ORDER.compare(heads[queue.peek()].labels(), labels) == 0) {
          int other = queue.poll();
          chunks.addAll(heads[other].chunks());
          contributors++;
          advance(other, cursors, heads, queue);
        }
        if (contributors > 1) {
          chunks.sort(Comparator.comparingLong(EncodedChunk::minTimeMs)); // stable: ties keep source order
          chunks = ChunkMerger.mergeOverlapping(chunks, stats);
        }
        EncodedSeries series = deletions.apply(new EncodedSeries(labels, chunks));
        if (series != null && !series.chunks().isEmpty()) {
          out.add(series);
        }
      }
      return out.numSeries() == 0 ? null : out.finish();
    }
  }

  /** Moves source {@code i} to its next series, back into the queue unless it has no more. */
  private static void advance(int i, BlockReader.SeriesCursor[] cursors, EncodedSeries[] heads,
      PriorityQueue<Integer> queue) throws IOException {
    heads[i] = cursors[i].next();
    if (heads[i] != null) {
      queue.add(i);
    }
  }

  private Path download(String tenant, String blockId, Path dir) throws IOException {
    String prefix = tenant + "/" + blockId + "/";
    Files.createDirectories(dir);
    for (String name : bucket.list(prefix, true)) {
      String relative = name.substring(prefix.length());
      if (relative.equals(DeletionMark.FILENAME) || relative.equals(NoCompactMark.FILENAME)) {
        continue;
      }
      Path target = dir.resolve(relative);
      Files.createDirectories(target.getParent());
      try (InputStream in = bucket.get(name)) {
        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    return dir;
  }

  private void markNoCompact(String tenant, String blockId, Exception cause) throws IOException {
    String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    String reason = message.contains("overlaps or precedes the previous chunk")
        || message.contains("not increasing")
        ? NoCompactMark.REASON_OUT_OF_ORDER_CHUNKS
        : NoCompactMark.REASON_CRITICAL;
    NoCompactMark.write(bucket, tenant, blockId, reason, message, clock.instant());
    metrics.blocksMarkedForNoCompaction.inc();
    log.error("{}: block cannot be compacted, marked no-compact; its group is skipped and the compactor goes on"
        + " tenant={} block={} reason={} err=\"{}\"", ErrorId.COMPACTOR_BLOCK_UNUSABLE.id(), tenant, blockId, reason,
        message);
  }

  private void pause() throws InterruptedIOException {
    if (pauseAfterUpload.isZero()) {
      return;
    }
    try {
      Thread.sleep(pauseAfterUpload);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted after uploading a compacted block");
    }
  }

  private static List<String> ids(CompactionPlanner.Group group) {
    List<String> ids = new ArrayList<>(group.blocks().size());
    for (var b : group.blocks()) {
      ids.add(b.blockId());
    }
    return ids;
  }

  private static Duration elapsed(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** Tenant ids may hold characters a file name should not start with; keep the directory name plain. */
  static String safeName(String tenant) {
    StringBuilder sb = new StringBuilder(tenant.length());
    for (int i = 0; i < tenant.length(); i++) {
      char c = tenant.charAt(i);
      sb.append(Character.isLetterOrDigit(c) || c == '-' || c == '_' ? c : '_');
    }
    return sb.append('-').append(Integer.toHexString(tenant.hashCode())).toString();
  }
}
