package io.narthex.compactor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.narthex.blocks.BlockMetaFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the compactor needs from a block's meta.json beyond the bucket index: its compaction level, sources (the
 * level-1 blocks whose data it holds), parents (the blocks it was compacted from) and the deletion requests
 * applied to it. Blocks are immutable, so these are read once per block.
 *
 * <p>The applied requests are Narthex's own top-level key, {@code "narthex": {"applied_tombstones": [ids]}}:
 * Prometheus, promtool and Thanos ignore keys they do not know.
 *
 * @param sources sorted; the block itself for a level-1 block without a compaction section
 * @param parents ULIDs of meta.json's {@code compaction.parents}, empty when absent
 * @param appliedTombstones ids of the deletion requests whose samples the block no longer holds
 */
record BlockInfo(String blockId, long minTimeMs, long maxTimeMs, int level, Set<String> sources, List<String> parents,
    Set<String> appliedTombstones) {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  static final String NARTHEX_SECTION = "narthex";
  static final String APPLIED_TOMBSTONES = "applied_tombstones";

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
    if (meta.compaction() != null) {
      sources.addAll(meta.compaction().sources());
    }
    if (sources.isEmpty()) {
      sources.add(meta.ulid());
    }
    List<String> parents = new ArrayList<>();
    Set<String> applied = new TreeSet<>();
    try {
      JsonNode root = MAPPER.readTree(metaJson);
      for (JsonNode parent : root.path("compaction").path("parents")) {
        String ulid = parent.path("ulid").asText("");
        if (!ulid.isEmpty()) {
          parents.add(ulid);
        }
      }
      for (JsonNode id : root.path(NARTHEX_SECTION).path(APPLIED_TOMBSTONES)) {
        if (id.isTextual()) {
          applied.add(id.asText());
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed meta.json: " + e.getMessage(), e);
    }
    return new BlockInfo(meta.ulid(), meta.minTimeMs(), meta.maxTimeMs(), meta.compactionLevel(), sources, parents,
        applied);
  }

  /**
   * Adds {@code ids} as {@code narthex.applied_tombstones} to a local meta.json, keeping every other key as
   * written; leaves the file alone when {@code ids} is empty.
   */
  static void writeAppliedTombstones(Path metaJson, Set<String> ids) throws IOException {
    if (ids.isEmpty()) {
      return;
    }
    JsonNode root = MAPPER.readTree(metaJson.toFile());
    if (!(root instanceof ObjectNode object)) {
      throw new IOException("malformed meta.json: not a JSON object: " + metaJson);
    }
    ArrayNode applied = object.putObject(NARTHEX_SECTION).putArray(APPLIED_TOMBSTONES);
    new TreeSet<>(ids).forEach(applied::add);
    Files.write(metaJson, (MAPPER.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(object) + "\n")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
