package io.narthex.ingester;

import io.narthex.common.Directories;
import io.narthex.tsdb.block.BlockFiles;
import io.narthex.tsdb.block.BlockReader;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The blocks one shard cut from its heads and keeps on local disk, under {@code <dir>/<tenant>/<ULID>}, until they
 * were shipped and the ingester's retention passed (Mimir's ingesters keep theirs the same way). Registered and
 * removed by the shard's log entries only, so every replica holds the same list; the files are each replica's own
 * copy, written from its own head. Thread-safe: queries read while the apply thread adds and removes.
 */
public final class LocalBlocks {
  /** A ULID as block directories are named: 26 Crockford base-32 characters, so never a path separator. */
  private static final Pattern ULID = Pattern.compile("[0-9A-HJKMNP-TV-Z]{26}");

  /**
   * One block on local disk.
   *
   * @param minTimeMs inclusive, as meta.json's minTime
   * @param maxTimeMs exclusive, as meta.json's maxTime
   * @param shipped whether a BlockShipped entry recorded its upload
   */
  public record Block(String tenant, String ulid, long minTimeMs, long maxTimeMs, boolean shipped, Path dir,
      BlockReader reader) {}

  private final Path dir;
  /** Per tenant, its blocks by ULID (ULIDs cut later sort later). */
  private final Map<String, ConcurrentSkipListMap<String, Block>> blocks = new ConcurrentHashMap<>();

  /** @param dir where blocks are written; created when the first block is */
  public LocalBlocks(Path dir) {
    this.dir = dir;
  }

  /** The directory holding {@code <tenant>/<ULID>}. */
  public Path dir() {
    return dir;
  }

  /**
   * Where the tenant's block {@code ulid} lives.
   *
   * @throws IllegalArgumentException when the tenant or ULID could not be a directory name here
   */
  public Path blockDir(String tenant, String ulid) {
    if (!ULID.matcher(ulid).matches()) {
      throw new IllegalArgumentException("not a ULID: \"" + ulid + "\"");
    }
    if (tenant.isEmpty() || tenant.equals(".") || tenant.equals("..") || tenant.indexOf('/') >= 0
        || tenant.indexOf('\\') >= 0 || tenant.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("tenant id \"" + tenant + "\" cannot name a block directory");
    }
    return dir.resolve(tenant).resolve(ulid);
  }

  /**
   * Registers a block written under {@link #blockDir}, opening its index.
   *
   * @throws IOException when its index cannot be read
   */
  public Block add(String tenant, String ulid, long minTimeMs, long maxTimeMs, boolean shipped) throws IOException {
    Path blockDir = blockDir(tenant, ulid);
    Block block = new Block(tenant, ulid, minTimeMs, maxTimeMs, shipped, blockDir,
        BlockReader.open(ulid, BlockFiles.directory(blockDir)));
    blocks.computeIfAbsent(tenant, t -> new ConcurrentSkipListMap<>()).put(ulid, block);
    return block;
  }

  /** Records the upload of the tenant's block {@code ulid}; false when there is no such block. */
  public boolean markShipped(String tenant, String ulid) {
    var tenantBlocks = blocks.get(tenant);
    Block block = tenantBlocks == null ? null : tenantBlocks.get(ulid);
    if (block == null) {
      return false;
    }
    tenantBlocks.put(ulid, new Block(tenant, ulid, block.minTimeMs(), block.maxTimeMs(), true, block.dir(),
        block.reader()));
    return true;
  }

  /**
   * Unregisters the tenant's shipped blocks that end at or before {@code beforeMs}. Their files stay until
   * {@link #deleteUnlisted} runs, since the latest Raft snapshot may still list them.
   *
   * @return how many were removed
   */
  public int removeShipped(String tenant, long beforeMs) {
    var tenantBlocks = blocks.get(tenant);
    if (tenantBlocks == null) {
      return 0;
    }
    int before = tenantBlocks.size();
    tenantBlocks.values().removeIf(b -> b.shipped() && b.maxTimeMs() <= beforeMs);
    int removed = before - tenantBlocks.size();
    if (tenantBlocks.isEmpty()) {
      blocks.remove(tenant);
    }
    return removed;
  }

  /** The tenant's blocks, oldest first. */
  public List<Block> blocks(String tenant) {
    var tenantBlocks = blocks.get(tenant);
    return tenantBlocks == null ? List.of() : List.copyOf(tenantBlocks.values());
  }

  /** Every block, by tenant then ULID. */
  public List<Block> all() {
    List<Block> out = new ArrayList<>();
    for (String tenant : new TreeSet<>(blocks.keySet())) {
      out.addAll(blocks(tenant));
    }
    return out;
  }

  /** Tenants with at least one block. */
  public Set<String> tenants() {
    return Set.copyOf(blocks.keySet());
  }

  /**
   * Series of the tenant's blocks overlapping {@code [minTimeMs, maxTimeMs]} (inclusive), one list per block.
   *
   * @throws UncheckedIOException when a block cannot be read
   */
  public List<List<EncodedSeries>> select(String tenant, long minTimeMs, long maxTimeMs, List<Matcher> matchers) {
    List<List<EncodedSeries>> out = new ArrayList<>();
    for (Block block : blocks(tenant)) {
      if (block.maxTimeMs() > minTimeMs && block.minTimeMs() <= maxTimeMs) {
        try {
          out.add(block.reader().select(minTimeMs, maxTimeMs, matchers));
        } catch (IOException e) {
          throw new UncheckedIOException("reading local block " + block.dir(), e);
        }
      }
    }
    return out;
  }

  /** Readers of the tenant's blocks overlapping {@code [minTimeMs, maxTimeMs]}, for label queries. */
  public List<BlockReader> readers(String tenant, long minTimeMs, long maxTimeMs) {
    return blocks(tenant).stream()
        .filter(b -> b.maxTimeMs() > minTimeMs && b.minTimeMs() <= maxTimeMs)
        .map(Block::reader)
        .toList();
  }

  /**
   * Deletes every directory under {@link #dir} that holds no registered block: blocks removed since, and partial
   * ones a crash left. Call when no snapshot lists them any more.
   *
   * @throws IOException when listing or deleting fails
   */
  public void deleteUnlisted() throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> tenantDirs = Files.list(dir)) {
      for (Path tenantDir : tenantDirs.toList()) {
        var tenantBlocks = blocks.get(tenantDir.getFileName().toString());
        try (Stream<Path> blockDirs = Files.list(tenantDir)) {
          for (Path blockDir : blockDirs.toList()) {
            if (tenantBlocks == null || !tenantBlocks.containsKey(blockDir.getFileName().toString())) {
              Directories.deleteRecursively(blockDir);
            }
          }
        }
        if (tenantBlocks == null) {
          Files.deleteIfExists(tenantDir);
        }
      }
    }
  }

  /**
   * Every file of every block, for a Raft snapshot that carries them to a replica installing it.
   *
   * @throws IOException when a block directory cannot be listed
   */
  public List<Path> files() throws IOException {
    List<Path> out = new ArrayList<>();
    for (Block block : all()) {
      try (Stream<Path> paths = Files.walk(block.dir())) {
        paths.filter(Files::isRegularFile).sorted().forEach(out::add);
      }
    }
    return out;
  }
}
