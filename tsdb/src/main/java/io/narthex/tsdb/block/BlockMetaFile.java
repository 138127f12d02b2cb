package io.narthex.tsdb.block;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A block's {@code meta.json}: Prometheus's {@code BlockMeta} (tsdb/block.go, version 1), Thanos's {@code thanos}
 * section (pkg/block/metadata/meta.go, as Mimir reads it) and Narthex's own {@code narthex} section
 * (docs/format/bucket-layout.md). The one codec every module reads and writes meta.json with.
 *
 * <p>Times are Unix milliseconds; the block covers {@code [minTime, maxTime)} (exclusive end). Keys this model does
 * not name, at the top level and inside {@code stats}, {@code compaction}, {@code thanos} and {@code narthex}, are
 * kept in {@code otherFields} and written back after the named ones (sorted by key), so a rewrite loses nothing
 * another tool put there (inside {@code parents}, {@code downsample} and {@code files} entries they are dropped).
 * {@link #toJson} writes as Prometheus's {@code json.MarshalIndent(meta, "", "\t")} does: tab-indented,
 * {@code "key": value}.
 *
 * @param ulid the block id, a ULID
 * @param stats null when absent
 * @param compaction null when absent
 * @param version the meta.json format, {@link #VERSION_1} for every block Prometheus 2 and 3 write
 * @param thanos null when absent (plain Prometheus blocks)
 * @param narthex null when absent (every block not written by Narthex's compactor)
 * @param otherFields top-level keys not named above, sorted by key; never null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BlockMetaFile(
    @JsonProperty(value = "ulid", required = true) String ulid,
    @JsonProperty(value = "minTime", required = true) long minTimeMs,
    @JsonProperty(value = "maxTime", required = true) long maxTimeMs,
    @JsonProperty("stats") Stats stats,
    @JsonProperty("compaction") Compaction compaction,
    @JsonProperty(value = "version", required = true) int version,
    @JsonProperty("thanos") Thanos thanos,
    @JsonProperty("narthex") Narthex narthex,
    @JsonAnySetter @JsonAnyGetter Map<String, Object> otherFields) {
  public static final String FILENAME = "meta.json";
  public static final int VERSION_1 = 1;

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();
  /** Go's json.MarshalIndent with a tab: "key": value, empty objects and arrays as {} and []. */
  private static final ObjectWriter WRITER = MAPPER.writer(new DefaultPrettyPrinter(Separators.createDefaultInstance()
      .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
      .withObjectEmptySeparator("")
      .withArrayEmptySeparator(""))
      .withObjectIndenter(new DefaultIndenter("\t", "\n"))
      .withArrayIndenter(new DefaultIndenter("\t", "\n")));

  public BlockMetaFile {
    otherFields = copy(otherFields);
  }

  /** Without a narthex section and other keys. */
  public BlockMetaFile(String ulid, long minTimeMs, long maxTimeMs, Stats stats, Compaction compaction, int version,
      Thanos thanos) {
    this(ulid, minTimeMs, maxTimeMs, stats, compaction, version, thanos, null, Map.of());
  }

  /**
   * Counts over the whole block (Prometheus's {@code BlockStats}).
   *
   * @param otherFields keys not named here ({@code numTombstones}, {@code numFloatSamples}...), never null
   */
  public record Stats(
      @JsonProperty("numSamples") long numSamples,
      @JsonProperty("numSeries") long numSeries,
      @JsonProperty("numChunks") long numChunks,
      @JsonAnySetter @JsonAnyGetter Map<String, Object> otherFields) {
    public Stats {
      otherFields = copy(otherFields);
    }

    public Stats(long numSamples, long numSeries, long numChunks) {
      this(numSamples, numSeries, numChunks, Map.of());
    }
  }

  /**
   * Prometheus's {@code BlockMetaCompaction}.
   *
   * @param level 1 for a block cut from a head, higher for compacted blocks
   * @param sources the ULIDs of the level-1 blocks this one holds the data of (itself for level 1), as read
   * @param parents the blocks it was compacted from; empty for a level-1 block, and then not written
   * @param otherFields keys not named here ({@code hints}, {@code failed}, {@code deletable}...), never null
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Compaction(
      @JsonProperty("level") int level,
      @JsonProperty("sources") List<String> sources,
      @JsonProperty("parents") @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Parent> parents,
      @JsonAnySetter @JsonAnyGetter Map<String, Object> otherFields) {
    public Compaction {
      sources = sources == null ? List.of() : List.copyOf(sources);
      parents = parents == null ? List.of() : List.copyOf(parents);
      otherFields = copy(otherFields);
    }

    public Compaction(int level, List<String> sources, List<Parent> parents) {
      this(level, sources, parents, Map.of());
    }

    /** A compaction section without parents. */
    public Compaction(int level, List<String> sources) {
      this(level, sources, List.of(), Map.of());
    }
  }

  /** One of {@code compaction.parents} (Prometheus's {@code BlockDesc}); other keys are dropped. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Parent(
      @JsonProperty("ulid") String ulid,
      @JsonProperty("minTime") long minTimeMs,
      @JsonProperty("maxTime") long maxTimeMs) {}

  /**
   * Thanos's section.
   *
   * @param labels the external labels (Mimir: {@code __org_id__} and the compactor shard id), sorted, never null
   * @param downsample null when absent; a resolution above 0 means downsampled data
   * @param source who wrote the block: "receive", "compactor", "upload"...; null when absent
   * @param files the block's files with their sizes, as Thanos writes them; null when absent
   * @param otherFields keys not named here ({@code segment_files}, {@code index_stats}...), never null
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Thanos(
      @JsonProperty("labels") Map<String, String> labels,
      @JsonProperty("downsample") Downsample downsample,
      @JsonProperty("source") String source,
      @JsonProperty("files") List<File> files,
      @JsonAnySetter @JsonAnyGetter Map<String, Object> otherFields) {
    public Thanos {
      labels = labels == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(labels));
      files = files == null ? null : List.copyOf(files);
      otherFields = copy(otherFields);
    }

    public Thanos(Map<String, String> labels, Downsample downsample, String source, List<File> files) {
      this(labels, downsample, source, files, Map.of());
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
   * Narthex's section (docs/format/bucket-layout.md).
   *
   * @param appliedTombstones ids of the deletion requests whose samples the block no longer holds, sorted
   * @param otherFields keys not named here (written by a newer Narthex), never null
   */
  public record Narthex(
      @JsonProperty("applied_tombstones") Set<String> appliedTombstones,
      @JsonAnySetter @JsonAnyGetter Map<String, Object> otherFields) {
    public Narthex {
      appliedTombstones = appliedTombstones == null
          ? Set.of()
          : Collections.unmodifiableSortedSet(new TreeSet<>(appliedTombstones));
      otherFields = copy(otherFields);
    }

    public Narthex(Set<String> appliedTombstones) {
      this(appliedTombstones, Map.of());
    }
  }

  /**
   * Parses a meta.json.
   *
   * @throws IllegalArgumentException when the bytes are not JSON, a required field (ulid, minTime, maxTime,
   *     version) is missing or has the wrong type; the message says which
   */
  public static BlockMetaFile parse(byte[] json) {
    BlockMetaFile meta;
    try {
      meta = MAPPER.readValue(json, BlockMetaFile.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("malformed meta.json: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
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

  /** The meta.json bytes: UTF-8, tab-indented as Prometheus writes it, ending with a newline. */
  public byte[] toJson() {
    try {
      return WRITER.writeValueAsString(this).concat("\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode meta.json", e);
    }
  }

  /** This meta.json with {@code narthex} replaced; every other key kept. */
  public BlockMetaFile withNarthex(Narthex narthex) {
    return new BlockMetaFile(ulid, minTimeMs, maxTimeMs, stats, compaction, version, thanos, narthex, otherFields);
  }

  /** The external labels, empty without a thanos section. */
  public Map<String, String> externalLabels() {
    return thanos == null ? Map.of() : thanos.labels();
  }

  /** The compaction level, 1 when absent. */
  public int compactionLevel() {
    return compaction == null || compaction.level() < 1 ? 1 : compaction.level();
  }

  /** The ids in {@code narthex.applied_tombstones}, empty when absent. */
  public Set<String> appliedTombstones() {
    return narthex == null ? Set.of() : narthex.appliedTombstones();
  }

  /** Sorted by key, as Go writes a map, so a rewrite is deterministic; unmodifiable so the records stay values. */
  private static Map<String, Object> copy(Map<String, Object> fields) {
    return fields == null || fields.isEmpty() ? Map.of() : Collections.unmodifiableSortedMap(new TreeMap<>(fields));
  }
}
