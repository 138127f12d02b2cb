package io.narthex.blocks;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.charset.StandardCharsets;

/**
 * A block deletion mark, {@code deletion-mark.json}, as Thanos and Mimir write it (Thanos
 * pkg/block/metadata/deletionmark.go): {@code {"id": ULID, "deletion_time": unix seconds, "version": 1}}. Mimir
 * keeps a copy at {@code <tenant>/markers/<ULID>-deletion-mark.json} besides {@code <tenant>/<ULID>/deletion-mark.json}.
 *
 * @param id the marked block's ULID
 * @param deletionTimeSeconds Unix seconds when it was marked
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record DeletionMark(
    @JsonProperty(value = "id", required = true) String id,
    @JsonProperty(value = "deletion_time", required = true) long deletionTimeSeconds,
    @JsonProperty("version") int version) {
  static final String FILENAME = "deletion-mark.json";
  static final String GLOBAL_SUFFIX = "-" + FILENAME;
  static final String MARKERS_DIR = "markers";
  static final int VERSION_1 = 1;

  /** Name of the block-local mark. */
  static String blockLocalPath(String tenant, String blockId) {
    return tenant + "/" + blockId + "/" + FILENAME;
  }

  /** Name of Mimir's global copy. */
  static String globalPath(String tenant, String blockId) {
    return tenant + "/" + MARKERS_DIR + "/" + blockId + GLOBAL_SUFFIX;
  }

  /** @throws IllegalArgumentException when the bytes are not a deletion mark */
  static DeletionMark parse(byte[] json) {
    try {
      DeletionMark mark = Json.MAPPER.readValue(json, DeletionMark.class);
      if (mark == null || !Ulids.isValid(mark.id())) {
        throw new IllegalArgumentException("deletion mark without a valid id");
      }
      return mark;
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("malformed deletion mark: " + e.getMessage(), e);
    }
  }

  byte[] toJson() {
    try {
      return Json.MAPPER.writeValueAsString(this).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
