package io.narthex.compactor;

import io.narthex.tsdb.block.BlockMetaFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the compactor needs from a block's meta.json beyond the bucket index: its compaction level, sources (the
 * level-1 blocks whose data it holds), parents (the blocks it was compacted from) and the deletion requests
 * applied to it. Blocks are immutable, so these are read once per block.
 *
 * <p>The applied requests are Narthex's own top-level key, {@code "narthex": {"applied_tombstones": [ids]}}
 * ({@link BlockMetaFile.Narthex}): Prometheus, promtool and Thanos ignore keys they do not know.
 *
 * @param sources sorted; the block itself for a level-1 block without a compaction section
 * @param parents ULIDs of meta.json's {@code compaction.parents}, empty when absent
 * @param appliedTombstones ids of the deletion requests whose samples the block no longer holds
 */
record BlockInfo(String blockId, long minTimeMs, long maxTimeMs, int level, Set<String> sources, List<String> parents,
    Set<String> appliedTombstones) {
  BlockInfo {
    sources = java.util.Collections.unmodifiableSet(new TreeSet<>(sources));
    parents = List.copyOf(parents);
    appliedTombstones = java.util.Collections.unmodifiableSet(new TreeSet<>(appliedTombstones));
  }

  BlockInfo(String blockId, long minTimeMs, long maxTimeMs, int level, Set<String> sources, List<String> parents) {
    this(blockId, minTimeMs, maxTimeMs, level, sources, parents, Set.of());
  }

  /** @throws IllegalArgumentException when the bytes are not a meta.json */
  static BlockInfo parse(byte[] metaJson) {
    BlockMetaFile meta = BlockMetaFile.parse(metaJson);
    Set<String> sources = new TreeSet<>();
    List<String> parents = List.of();
    if (meta.compaction() != null) {
      sources.addAll(meta.compaction().sources());
      parents = meta.compaction().parents().stream()
          .map(BlockMetaFile.Parent::ulid)
          .filter(ulid -> ulid != null && !ulid.isEmpty())
          .toList();
    }
    if (sources.isEmpty()) {
      sources.add(meta.ulid());
    }
    return new BlockInfo(meta.ulid(), meta.minTimeMs(), meta.maxTimeMs(), meta.compactionLevel(), sources, parents,
        meta.appliedTombstones());
  }

  /**
   * Sets {@code ids} as {@code narthex.applied_tombstones} of a local meta.json, keeping every other key as
   * written; leaves the file alone when {@code ids} is empty.
   *
   * @throws IllegalArgumentException when the file is not a meta.json
   */
  static void writeAppliedTombstones(Path metaJson, Set<String> ids) throws IOException {
    if (ids.isEmpty()) {
      return;
    }
    BlockMetaFile meta = BlockMetaFile.parse(Files.readAllBytes(metaJson));
    Map<String, Object> otherNarthexKeys = meta.narthex() == null ? Map.of() : meta.narthex().otherFields();
    Files.write(metaJson, meta.withNarthex(new BlockMetaFile.Narthex(ids, otherNarthexKeys)).toJson());
  }
}
