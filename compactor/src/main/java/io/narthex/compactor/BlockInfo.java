package io.narthex.compactor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.narthex.blocks.BlockMetaFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the compactor needs from a block's meta.json beyond the bucket index: its compaction level, sources (the
 * level-1 blocks whose data it holds) and parents (the blocks it was compacted from). Blocks are immutable, so
 * these are read once per block.
 *
 * @param sources sorted; the block itself for a level-1 block without a compaction section
 * @param parents ULIDs of meta.json's {@code compaction.parents}, empty when absent
 */
record BlockInfo(String blockId, long minTimeMs, long maxTimeMs, int level, Set<String> sources, List<String> parents) {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  BlockInfo {
    sources = java.util.Collections.unmodifiableSet(new TreeSet<>(sources));
    parents = List.copyOf(parents);
  }

  /** @throws IllegalArgumentException when the bytes are not a meta.json */
  static BlockInfo parse(byte[] metaJson) {
    BlockMetaFile meta = BlockMetaFile.parse(metaJson);
    Set<String> sources = new TreeSet<>();
    if (meta.compaction() != null) {
      sources.addAll(meta.compaction().sources());
    }
    if (sources.isEmpty()) {
      sources.add(meta.ulid());
    }
    List<String> parents = new ArrayList<>();
    try {
      JsonNode parentsNode = MAPPER.readTree(metaJson).path("compaction").path("parents");
      for (JsonNode parent : parentsNode) {
        String ulid = parent.path("ulid").asText("");
        if (!ulid.isEmpty()) {
          parents.add(ulid);
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed meta.json: " + e.getMessage(), e);
    }
    return new BlockInfo(meta.ulid(), meta.minTimeMs(), meta.maxTimeMs(), meta.compactionLevel(), sources, parents);
  }
}
