package io.narthex.blocks;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A block's {@code meta.json}, as Prometheus writes it (tsdb/block.go {@code BlockMeta}, version 1) with Thanos's
 * {@code thanos} section (pkg/block/metadata/meta.go), as Mimir reads it.
 *
 * <p>Times are Unix milliseconds; the block covers {@code [minTime, maxTime)} (exclusive end). Fields this model
 * does not know (compaction parents and hints, tombstone counts...) are ignored when parsing and not written back.
 *
 * @param ulid the block id, a ULID
 * @param stats null when absent
 * @param compaction null when absent
 * @param version the meta.json format, {@link #VERSION_1} for every block Prometheus 2 and 3 write
 * @param thanos null when absent (plain Prometheus blocks)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BlockMetaFile(
    @JsonProperty(value = "ulid", required = true) String ulid,
    @JsonProperty(value = "minTime", required = true) long minTimeMs,
    @JsonProperty(value = "maxTime", required = true) long maxTimeMs,
    @JsonProperty("stats") Stats stats,
    @JsonProperty("compaction") Compaction compaction,
    @JsonProperty(value = "version", required = true) int version,
    @JsonProperty("thanos") Thanos thanos) {
  public static final String FILENAME = "meta.json";
  public static final int VERSION_1 = 1;

  /** Counts over the whole block. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Stats(
      @JsonProperty("numSamples") long numSamples,
      @JsonProperty("numSeries") long numSeries,
      @JsonProperty("numChunks") long numChunks) {}

  /**
   * @param level 1 for a block cut from a head, higher for compacted blocks
   * @param sources the ULIDs of the level-1 blocks this one was compacted from (itself for level 1)
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Compaction(@JsonProperty("level") int level, @JsonProperty("sources") List<String> sources) {
    public Compaction {
      sources = sources == null ? List.of() : List.copyOf(sources);
    }
  }

  /**
   * Thanos's section.
   *
   * @param labels the external labels (Mimir: {@code __org_id__} and the compactor shard id), never null
   * @param downsample null when absent; a resolution above 0 means downsampled data
   * @param source who wrote the block: "receive", "compactor", "upload"...; null when absent
   * @param files the block's files with their sizes, as Thanos writes them; null when absent
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Thanos(
      @JsonProperty("labels") Map<String, String> labels,
      @JsonProperty("downsample") Downsample downsample,
      @JsonProperty("source") String source,
      @JsonProperty("files") List<File> files) {
    public Thanos {
      labels = labels == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
      files = files == null ? null : List.copyOf(files);
    }
  }

  /** @param resolutionMs the downsampling resolution, 0 for raw data */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Downsample(@JsonProperty("resolution") long resolutionMs) {}

  /**
   * @param relPath the file's path in the block directory, {@code /}-separated: "index", "chunks/000001"
   * @param sizeBytes its size; Thanos writes none (0) for meta.json
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_DEFAULT)
  public record File(@JsonProperty("rel_path") String relPath, @JsonProperty("size_bytes") long sizeBytes) {}

  /**
   * Parses a meta.json.
   *
   * @throws IllegalArgumentException when the bytes are not JSON, a required field (ulid, minTime, maxTime,
   *     version) is missing or has the wrong type; the message says which
   */
  public static BlockMetaFile parse(byte[] json) {
    BlockMetaFile meta;
    try {
      meta = Json.MAPPER.readValue(json, BlockMetaFile.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("malformed meta.json: " + e.getOriginalMessage(), e);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("malformed meta.json: " + e.getMessage(), e);
    }
    if (meta == null) {
      throw new IllegalArgumentException("malformed meta.json: not a JSON object");
    }
    if (meta.ulid() == null || meta.ulid().isEmpty()) {
      throw new IllegalArgumentException("malformed meta.json: missing ulid");
    }
    return meta;
  }

  /** The meta.json text, indented, UTF-8. */
  public byte[] toJson() {
    try {
      return Json.MAPPER.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this)
          .concat("\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode meta.json", e);
    }
  }

  /** The external labels, empty without a thanos section. */
  public Map<String, String> externalLabels() {
    return thanos == null ? Map.of() : thanos.labels();
  }

  /** The compaction level, 1 when absent. */
  public int compactionLevel() {
    return compaction == null || compaction.level() < 1 ? 1 : compaction.level();
  }
}
