package io.narthex.blocks;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.narthex.common.Ulid;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.NoSuchObjectException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A mark that excludes a block from compaction, {@code no-compact-mark.json}, as Thanos and Mimir write it (Thanos
 * pkg/block/metadata/markers.go {@code NoCompactMark}):
 * {@code {"id": ULID, "version": 1, "details": text, "no_compact_time": unix seconds, "reason": reason}}. As for
 * deletion marks, Mimir keeps a copy at {@code <tenant>/markers/<ULID>-no-compact-mark.json} besides
 * {@code <tenant>/<ULID>/no-compact-mark.json}. The block stays queryable; only the compactor skips it.
 *
 * @param id the marked block's ULID
 * @param version {@link #VERSION_1}
 * @param details free text: why, for the operator
 * @param noCompactTimeSeconds Unix seconds when it was marked
 * @param reason {@link #REASON_MANUAL}, {@link #REASON_OUT_OF_ORDER_CHUNKS}, {@link #REASON_CRITICAL}...
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NoCompactMark(
    @JsonProperty(value = "id", required = true) String id,
    @JsonProperty("version") int version,
    @JsonProperty("details") String details,
    @JsonProperty("no_compact_time") long noCompactTimeSeconds,
    @JsonProperty("reason") String reason) {
  public static final String FILENAME = "no-compact-mark.json";
  public static final String GLOBAL_SUFFIX = "-" + FILENAME;
  public static final int VERSION_1 = 1;
  /** Thanos's {@code ManualNoCompactReason}: an operator marked the block. */
  public static final String REASON_MANUAL = "manual";
  /** Thanos's {@code OutOfOrderChunksNoCompactReason}: the index has chunks out of order or overlapping. */
  public static final String REASON_OUT_OF_ORDER_CHUNKS = "block-index-out-of-order-chunk";
  /** Thanos's {@code IndexSizeExceedingNoCompactReason}. */
  public static final String REASON_INDEX_SIZE_EXCEEDING = "index-size-exceeding";
  /** Mimir's {@code CriticalNoCompactReason}: the block cannot be read or fails validation. */
  public static final String REASON_CRITICAL = "critical";

  /** Name of the block-local mark. */
  public static String blockLocalPath(String tenant, String blockId) {
    return tenant + "/" + blockId + "/" + FILENAME;
  }

  /** Name of Mimir's global copy. */
  public static String globalPath(String tenant, String blockId) {
    return tenant + "/" + DeletionMark.MARKERS_DIR + "/" + blockId + GLOBAL_SUFFIX;
  }

  /**
   * Marks the block: the block-local mark first, then the global copy.
   *
   * @return the mark written
   */
  public static NoCompactMark write(Bucket bucket, String tenant, String blockId, String reason, String details,
      Instant time) throws IOException {
    if (!Ulid.isValid(blockId)) {
      throw new IllegalArgumentException("not a block id: " + blockId);
    }
    NoCompactMark mark = new NoCompactMark(blockId, VERSION_1, details, time.getEpochSecond(), reason);
    byte[] json = mark.toJson();
    bucket.upload(blockLocalPath(tenant, blockId), json);
    bucket.upload(globalPath(tenant, blockId), json);
    return mark;
  }

  /**
   * The block's mark: the global copy, else the block-local one.
   *
   * @return empty when neither exists
   * @throws IllegalArgumentException when the mark found is malformed
   */
  public static Optional<NoCompactMark> read(Bucket bucket, String tenant, String blockId) throws IOException {
    for (String name : new String[] {globalPath(tenant, blockId), blockLocalPath(tenant, blockId)}) {
      try (InputStream in = bucket.get(name)) {
        return Optional.of(parse(in.readAllBytes()));
      } catch (NoSuchObjectException e) {
        // try the next copy
      }
    }
    return Optional.empty();
  }

  /** The ids of the tenant's blocks with a global no-compact mark, from one listing of {@code <tenant>/markers/}. */
  public static Set<String> listMarked(Bucket bucket, String tenant) throws IOException {
    Set<String> ids = new TreeSet<>();
    String dir = tenant + "/" + DeletionMark.MARKERS_DIR + "/";
    for (String name : bucket.list(dir)) {
      if (name.endsWith(GLOBAL_SUFFIX)) {
        String blockId = name.substring(dir.length(), name.length() - GLOBAL_SUFFIX.length());
        if (Ulid.isCanonical(blockId)) {
          ids.add(blockId);
        }
      }
    }
    return ids;
  }

  /** Deletes both copies (block-local first); missing ones are fine. */
  public static void delete(Bucket bucket, String tenant, String blockId) throws IOException {
    bucket.delete(blockLocalPath(tenant, blockId));
    bucket.delete(globalPath(tenant, blockId));
  }

  /** @throws IllegalArgumentException when the bytes are not a no-compact mark */
  public static NoCompactMark parse(byte[] json) {
    try {
      NoCompactMark mark = Json.MAPPER.readValue(json, NoCompactMark.class);
      if (mark == null || !Ulid.isValid(mark.id())) {
        throw new IllegalArgumentException("no-compact mark without a valid id");
      }
      return mark;
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("malformed no-compact mark: " + e.getMessage(), e);
    }
  }

  /** The JSON, as stored. */
  public byte[] toJson() {
    try {
      return Json.MAPPER.writeValueAsString(this).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
