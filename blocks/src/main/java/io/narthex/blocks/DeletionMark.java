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

/**
 * A block deletion mark, {@code deletion-mark.json}, as Thanos and Mimir write it (Thanos
 * pkg/block/metadata/deletionmark.go): {@code {"id": ULID, "deletion_time": unix seconds, "version": 1}}. Mimir
 * keeps a copy at {@code <tenant>/markers/<ULID>-deletion-mark.json} besides {@code <tenant>/<ULID>/deletion-mark.json}.
 *
 * @param id the marked block's ULID
 * @param deletionTimeSeconds Unix seconds when it was marked
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DeletionMark(
    @JsonProperty(value = "id", required = true) String id,
    @JsonProperty(value = "deletion_time", required = true) long deletionTimeSeconds,
    @JsonProperty("version") int version) {
  public static final String FILENAME = "deletion-mark.json";
  public static final String GLOBAL_SUFFIX = "-" + FILENAME;
  public static final String MARKERS_DIR = "markers";
  public static final int VERSION_1 = 1;

  /** Name of the block-local mark. */
  public static String blockLocalPath(String tenant, String blockId) {
    return tenant + "/" + blockId + "/" + FILENAME;
  }

  /** Name of Mimir's global copy. */
  public static String globalPath(String tenant, String blockId) {
    return tenant + "/" + MARKERS_DIR + "/" + blockId + GLOBAL_SUFFIX;
  }

  /**
   * Marks the block for deletion as Mimir does: the block-local mark first, then the global copy. Marking again
   * overwrites both with the new time.
   *
   * @return the mark written
   */
  public static DeletionMark write(Bucket bucket, String tenant, String blockId, Instant deletionTime)
      throws IOException {
    if (!Ulid.isValid(blockId)) {
      throw new IllegalArgumentException("not a block id: " + blockId);
    }
    DeletionMark mark = new DeletionMark(blockId, deletionTime.getEpochSecond(), VERSION_1);
    byte[] json = mark.toJson();
    bucket.upload(blockLocalPath(tenant, blockId), json);
    bucket.upload(globalPath(tenant, blockId), json);
    return mark;
  }

  /**
   * The block's mark: the global copy, else the block-local one.
   *
   * @return empty when neither exists
   * @throws IllegalArgumentException when the mark found is not a deletion mark
   */
  public static Optional<DeletionMark> read(Bucket bucket, String tenant, String blockId) throws IOException {
    for (String name : new String[] {globalPath(tenant, blockId), blockLocalPath(tenant, blockId)}) {
      try (InputStream in = bucket.get(name)) {
        return Optional.of(parse(in.readAllBytes()));
      } catch (NoSuchObjectException e) {
        // try the next copy
      }
    }
    return Optional.empty();
  }

  /** Deletes both copies (block-local first); missing ones are fine. */
  public static void delete(Bucket bucket, String tenant, String blockId) throws IOException {
    bucket.delete(blockLocalPath(tenant, blockId));
    bucket.delete(globalPath(tenant, blockId));
  }

  /** @throws IllegalArgumentException when the bytes are not a deletion mark */
  public static DeletionMark parse(byte[] json) {
    try {
      DeletionMark mark = Json.MAPPER.readValue(json, DeletionMark.class);
      if (mark == null || !Ulid.isValid(mark.id())) {
        throw new IllegalArgumentException("deletion mark without a valid id");
      }
      return mark;
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("malformed deletion mark: " + e.getMessage(), e);
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
