package io.narthex.blocks;

import io.narthex.common.Ulid;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.NoSuchObjectException;
import io.narthex.tsdb.block.BlockMetaFile;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds a tenant's {@link BucketIndex} from the bucket, as Mimir's compactor does (bucketindex/updater.go).
 *
 * <ul>
 *   <li>Blocks: the ULID-named directories under {@code <tenant>/} that have a {@code meta.json}. Directories without
 *       one (still uploading, or only {@code uploading-meta.json}) are partial and left out. Blocks already in the
 *       previous index are copied without reading their meta.json again (blocks are immutable); only a block
 *       marked for deletion has its meta.json checked, since deleting it starts with meta.json. A new block with an
 *       unreadable meta.json is left out and logged.
 *   <li>Deletion marks: those under {@code <tenant>/markers/} (Mimir's global copies), plus, for a block seen for the
 *       first time, its block-local {@code deletion-mark.json}. Marks known from the previous index are not read
 *       again.
 * </ul>
 *
 * <p>Cost per update: one listing of {@code <tenant>/} and of {@code <tenant>/markers/}, then reads only for new
 * blocks and new marks. Two updaters racing for a tenant write whole indexes, the last one winning; each one is
 * consistent with what it listed.
 */
public final class BucketIndexUpdater {
  private static final Logger log = LoggerFactory.getLogger(BucketIndexUpdater.class);
  static final String CHUNKS_DIR = "chunks";

  private BucketIndexUpdater() {}

  /** {@link #update(Bucket, String, Clock)} with the system clock. */
  public static BucketIndex update(Bucket bucket, String tenant) throws IOException {
    return update(bucket, tenant, Clock.systemUTC());
  }

  /**
   * Builds the tenant's index from the bucket and the previous index, writes it, and returns it. A corrupted
   * previous index is logged and rebuilt from scratch.
   *
   * @param clock gives {@code updated_at}
   * @throws IOException when the bucket fails
   */
  public static BucketIndex update(Bucket bucket, String tenant, Clock clock) throws IOException {
    BucketIndex previous;
    try {
      previous = BucketIndex.read(bucket, tenant).orElse(null);
    } catch (BucketIndex.CorruptedIndexException e) {
      log.warn("rebuilding corrupted bucket index tenant={} err=\"{}\"", tenant, e.getMessage());
      previous = null;
    }
    BucketIndex index = build(bucket, tenant, previous, clock);
    index.write(bucket, tenant);
    return index;
  }

  /**
   * Builds the index without writing it.
   *
   * @param previous the index to reuse entries from, or null
   */
  public static BucketIndex build(Bucket bucket, String tenant, BucketIndex previous, Clock clock) throws IOException {
    Map<String, BucketIndex.Block> known = new HashMap<>();
    Map<String, Long> knownMarks = new HashMap<>();
    if (previous != null) {
      for (BucketIndex.Block b : previous.blocks()) {
        known.put(b.blockId(), b);
      }
      for (BucketIndex.BlockDeletionMark m : previous.blockDeletionMarks()) {
        knownMarks.put(m.blockId(), m.deletionTimeSeconds());
      }
    }

    TreeSet<String> blockDirs = new TreeSet<>();
    String prefix = tenant + "/";
    for (String name : bucket.list(prefix)) {
      if (name.endsWith("/")) {
        String child = name.substring(prefix.length(), name.length() - 1);
        if (Ulid.isCanonical(child)) {
          blockDirs.add(child);
        }
      }
    }

    Map<String, Long> marks = globalDeletionMarks(bucket, tenant, knownMarks);
    List<BucketIndex.Block> blocks = new ArrayList<>(blockDirs.size());
    for (String blockId : blockDirs) {
      BucketIndex.Block old = known.get(blockId);
      if (old != null) {
        // A block being deleted loses meta.json first: check only those.
        if (!marks.containsKey(blockId) || bucket.exists(metaPath(tenant, blockId))) {
          blocks.add(old);
        }
        continue;
      }
      Optional<BucketIndex.Block> discovered = readNewBlock(bucket, tenant, blockId);
      if (discovered.isEmpty()) {
        continue;
      }
      blocks.add(discovered.get());
      if (!marks.containsKey(blockId)) {
        readMark(bucket, DeletionMark.blockLocalPath(tenant, blockId))
            .ifPresent(m -> marks.put(blockId, m.deletionTimeSeconds()));
      }
    }

    List<BucketIndex.BlockDeletionMark> markList = new ArrayList<>(marks.size());
    marks.forEach((id, time) -> markList.add(new BucketIndex.BlockDeletionMark(id, time)));
    markList.sort(Comparator.comparing(BucketIndex.BlockDeletionMark::blockId));
    return new BucketIndex(BucketIndex.VERSION_1, blocks, markList, clock.instant().getEpochSecond());
  }

  /**
   * The tenants with data in the bucket: top-level directories, leaving out those starting with {@code "__"}
   * (Mimir's {@code __markers__} and other internal ones).
   */
  public static List<String> tenants(Bucket bucket) throws IOException {
    List<String> tenants = new ArrayList<>();
    for (String name : bucket.list("")) {
      if (name.endsWith("/")) {
        String tenant = name.substring(0, name.length() - 1);
        if (!tenant.startsWith("__") && !tenant.isEmpty()) {
          tenants.add(tenant);
        }
      }
    }
    return tenants;
  }

  static String metaPath(String tenant, String blockId) {
    return tenant + "/" + blockId + "/" + BlockMetaFile.FILENAME;
  }

  /** Deletion marks under markers/, reusing the times already known; unreadable marks are logged and skipped. */
  private static Map<String, Long> globalDeletionMarks(Bucket bucket, String tenant, Map<String, Long> knownMarks)
      throws IOException {
    Map<String, Long> marks = new HashMap<>();
    String dir = tenant + "/" + DeletionMark.MARKERS_DIR + "/";
    for (String name : bucket.list(dir)) {
      if (name.endsWith("/") || !name.endsWith(DeletionMark.GLOBAL_SUFFIX)) {
        continue;
      }
      String blockId = name.substring(dir.length(), name.length() - DeletionMark.GLOBAL_SUFFIX.length());
      if (!Ulid.isCanonical(blockId)) {
        continue;
      }
      Long known = knownMarks.get(blockId);
      if (known != null) {
        marks.put(blockId, known);
        continue;
      }
      readMark(bucket, name).ifPresent(m -> marks.put(blockId, m.deletionTimeSeconds()));
    }
    return marks;
  }

  private static Optional<DeletionMark> readMark(Bucket bucket, String name) throws IOException {
    byte[] json;
    try (InputStream in = bucket.get(name)) {
      json = in.readAllBytes();
    } catch (NoSuchObjectException e) {
      return Optional.empty();
    }
    try {
      return Optional.of(DeletionMark.parse(json));
    } catch (IllegalArgumentException e) {
      log.warn("skipping corrupted block deletion mark name={} err=\"{}\"", name, e.getMessage());
      return Optional.empty();
    }
  }

  /** The entry of a block not in the previous index; empty when it is partial or its meta.json is unreadable. */
  private static Optional<BucketIndex.Block> readNewBlock(Bucket bucket, String tenant, String blockId)
      throws IOException {
    String metaName = metaPath(tenant, blockId);
    byte[] json;
    long uploadedAtSeconds;
    try {
      uploadedAtSeconds = bucket.attributes(metaName).lastModified().getEpochSecond();
      try (InputStream in = bucket.get(metaName)) {
        json = in.readAllBytes();
      }
    } catch (NoSuchObjectException e) {
      log.debug("skipping partial block tenant={} block={}", tenant, blockId);
      return Optional.empty();
    }
    BlockMetaFile meta;
    try {
      meta = BlockMetaFile.parse(json);
    } catch (IllegalArgumentException e) {
      log.warn("skipping block with corrupted meta.json tenant={} block={} err=\"{}\"", tenant, blockId,
          e.getMessage());
      return Optional.empty();
    }
    if (!meta.ulid().equalsIgnoreCase(blockId)) {
      log.warn("skipping block whose meta.json names another block tenant={} block={} meta_ulid={}", tenant, blockId,
          meta.ulid());
      return Optional.empty();
    }
    int segments = segmentsFromMeta(meta);
    if (segments < 0) {
      segments = segmentsFromListing(bucket, tenant, blockId);
    }
    String source = meta.thanos() == null || meta.thanos().source() == null ? "" : meta.thanos().source();
    return Optional.of(new BucketIndex.Block(blockId, meta.minTimeMs(), meta.maxTimeMs(),
        segments > 0 ? BucketIndex.SEGMENTS_FORMAT_1_BASED_6_DIGITS : "", Math.max(segments, 0), uploadedAtSeconds,
        source, meta.compaction() == null ? 0 : meta.compaction().level(), meta.externalLabels()));
  }

  /** Segment count from meta.json's thanos.files: N when they are chunks/000001..N, 0 when not, -1 when unknown. */
  private static int segmentsFromMeta(BlockMetaFile meta) {
    if (meta.thanos() == null || meta.thanos().files() == null || meta.thanos().files().isEmpty()) {
      return -1;
    }
    List<String> chunkFiles = new ArrayList<>();
    for (BlockMetaFile.File f : meta.thanos().files()) {
      if (f.relPath() != null && f.relPath().startsWith(CHUNKS_DIR + "/")) {
        chunkFiles.add(f.relPath().substring(CHUNKS_DIR.length() + 1));
      }
    }
    return sequentialSegments(chunkFiles);
  }

  private static int segmentsFromListing(Bucket bucket, String tenant, String blockId) throws IOException {
    String dir = tenant + "/" + blockId + "/" + CHUNKS_DIR + "/";
    List<String> chunkFiles = new ArrayList<>();
    for (String name : bucket.list(dir)) {
      if (!name.endsWith("/")) {
        chunkFiles.add(name.substring(dir.length()));
      }
    }
    return Math.max(sequentialSegments(chunkFiles), 0);
  }

  /** N when the names are 000001..N in order, else 0. */
  private static int sequentialSegments(List<String> names) {
    List<String> sorted = new ArrayList<>(names);
    sorted.sort(null);
    for (int i = 0; i < sorted.size(); i++) {
      if (!sorted.get(i).equals(String.format(Locale.ROOT, "%06d", i + 1))) {
        return 0;
      }
    }
    return sorted.size();
  }
}
