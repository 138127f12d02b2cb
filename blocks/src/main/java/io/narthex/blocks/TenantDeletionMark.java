package io.narthex.blocks;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.NoSuchObjectException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * The mark asking the compactor to delete all of a tenant's blocks, {@code <tenant>/markers/tenant-deletion-mark.json},
 * as Mimir writes it (pkg/storage/tsdb/tenant_deletion_mark.go):
 * {@code {"deletion_time": unix seconds, "finished_time": unix seconds (omitted until done), "version": 1}}.
 *
 * @param deletionTimeSeconds Unix seconds when the deletion was asked
 * @param finishedTimeSeconds Unix seconds when every block was deleted, 0 until then
 * @param version {@link #VERSION_1}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TenantDeletionMark(
    @JsonProperty(value = "deletion_time", required = true) long deletionTimeSeconds,
    @JsonProperty("finished_time") @JsonInclude(JsonInclude.Include.NON_DEFAULT) long finishedTimeSeconds,
    @JsonProperty("version") int version) {
  public static final String FILENAME = "tenant-deletion-mark.json";
  public static final int VERSION_1 = 1;

  /** The mark's object name. */
  public static String path(String tenant) {
    return tenant + "/" + DeletionMark.MARKERS_DIR + "/" + FILENAME;
  }

  /** Asks for the tenant's deletion. */
  public static TenantDeletionMark write(Bucket bucket, String tenant, Instant deletionTime) throws IOException {
    TenantDeletionMark mark = new TenantDeletionMark(deletionTime.getEpochSecond(), 0, VERSION_1);
    bucket.upload(path(tenant), mark.toJson());
    return mark;
  }

  /**
   * The tenant's mark.
   *
   * @return empty when the tenant is not marked
   * @throws IllegalArgumentException when the mark is malformed
   */
  public static Optional<TenantDeletionMark> read(Bucket bucket, String tenant) throws IOException {
    try (InputStream in = bucket.get(path(tenant))) {
      return Optional.of(parse(in.readAllBytes()));
    } catch (NoSuchObjectException e) {
      return Optional.empty();
    }
  }

  /** Whether the tenant is marked for deletion. */
  public static boolean exists(Bucket bucket, String tenant) throws IOException {
    return bucket.exists(path(tenant));
  }

  /** @throws IllegalArgumentException when the bytes are not a tenant deletion mark */
  public static TenantDeletionMark parse(byte[] json) {
    try {
      TenantDeletionMark mark = Json.MAPPER.readValue(json, TenantDeletionMark.class);
      if (mark == null) {
        throw new IllegalArgumentException("empty tenant deletion mark");
      }
      return mark;
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("malformed tenant deletion mark: " + e.getMessage(), e);
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
