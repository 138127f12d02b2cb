package io.narthex.blocks;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.NoSuchObjectException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A tenant's bucket index, {@code <tenant>/bucket-index.json.gz}: gzipped JSON listing the tenant's complete blocks
 * and the deletion marks, so that readers need not list the bucket. Same shape as Mimir's
 * (pkg/storage/tsdb/bucketindex/index.go), so either can read what the other wrote.
 *
 * <p>Blocks still being uploaded (no meta.json) are not listed; blocks marked for deletion are listed and also have
 * an entry in {@link #blockDeletionMarks()}. Neither list has an order.
 *
 * @param version {@link #VERSION_1}; Mimir also writes 2 (same fields plus the compactor shard id)
 * @param updatedAtSeconds Unix seconds of the last write
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BucketIndex(
    @JsonProperty("version") int version,
    @JsonProperty("blocks") List<Block> blocks,
    @JsonProperty("block_deletion_marks") List<BlockDeletionMark> blockDeletionMarks,
    @JsonProperty("updated_at") long updatedAtSeconds) {
  public static final String FILENAME = "bucket-index.json.gz";
  public static final int VERSION_1 = 1;
  public static final int VERSION_2 = 2;
  /** Mimir's {@code SegmentsFormat1Based6Digits}: chunk segments {@code 000001} to {@code NNNNNN}. */
  public static final String SEGMENTS_FORMAT_1_BASED_6_DIGITS = "1b6d";

  public BucketIndex {
    blocks = blocks == null ? List.of() : List.copyOf(blocks);
    blockDeletionMarks = blockDeletionMarks == null ? List.of() : List.copyOf(blockDeletionMarks);
  }

  /**
   * A complete block.
   *
   * @param blockId the ULID
   * @param minTimeMs first millisecond covered (inclusive)
   * @param maxTimeMs end of the covered range (exclusive), as meta.json
   * @param uploadedAtSeconds Unix seconds when meta.json was written, completing the block
   * @param segmentsFormat {@link #SEGMENTS_FORMAT_1_BASED_6_DIGITS}, or "" when the segment files are unknown or
   *     do not follow it
   * @param segmentsNum number of chunk segment files when the format is known, else 0
   * @param source meta.json's {@code thanos.source} ("receive", "compactor", "upload"), or ""
   * @param compactionLevel meta.json's compaction level, 0 when unknown
   * @param labels meta.json's external labels
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Block(
      @JsonProperty("block_id") String blockId,
      @JsonProperty("min_time") long minTimeMs,
      @JsonProperty("max_time") long maxTimeMs,
      @JsonProperty("segments_format") @JsonInclude(JsonInclude.Include.NON_EMPTY) String segmentsFormat,
      @JsonProperty("segments_num") @JsonInclude(JsonInclude.Include.NON_DEFAULT) int segmentsNum,
      @JsonProperty("uploaded_at") long uploadedAtSeconds,
      @JsonProperty("source") @JsonInclude(JsonInclude.Include.NON_EMPTY) String source,
      @JsonProperty("compaction_level") @JsonInclude(JsonInclude.Include.NON_DEFAULT) int compactionLevel,
      @JsonProperty("labels") @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> labels) {
    public Block {
      segmentsFormat = segmentsFormat == null ? "" : segmentsFormat;
      source = source == null ? "" : source;
      labels = labels == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
    }

    /** Whether the block holds samples in {@code [minTimeMs, maxTimeMs]}, both inclusive, as Mimir's Within. */
    public boolean within(long minTimeMs, long maxTimeMs) {
      return this.minTimeMs <= maxTimeMs && minTimeMs < this.maxTimeMs;
    }

    /** The chunk segment names ("000001"...) when the format is known, else empty. */
    @JsonIgnore
    public List<String> segmentFiles() {
      if (!SEGMENTS_FORMAT_1_BASED_6_DIGITS.equals(segmentsFormat)) {
        return List.of();
      }
      String[] names = new String[segmentsNum];
      for (int i = 0; i < segmentsNum; i++) {
        names[i] = String.format(java.util.Locale.ROOT, "%06d", i + 1);
      }
      return List.of(names);
    }
  }

  /**
   * @param blockId the ULID of the marked block
   * @param deletionTimeSeconds Unix seconds when the block was marked
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record BlockDeletionMark(
      @JsonProperty("block_id") String blockId,
      @JsonProperty("deletion_time") long deletionTimeSeconds) {}

  /** A stored index that is not gzipped JSON of a known version. */
  public static final class CorruptedIndexException extends IOException {
    CorruptedIndexException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The object name of a tenant's index. */
  public static String path(String tenant) {
    return tenant + "/" + FILENAME;
  }

  /**
   * Reads the tenant's index.
   *
   * @return empty when the tenant has no index
   * @throws CorruptedIndexException when the index is not gzipped JSON of a known version ("bucket index
   *     corrupted: ...")
   * @throws IOException on bucket errors
   */
  public static Optional<BucketIndex> read(Bucket bucket, String tenant) throws IOException {
    byte[] gzipped;
    try (InputStream in = bucket.get(path(tenant))) {
      gzipped = in.readAllBytes();
    } catch (NoSuchObjectException e) {
      return Optional.empty();
    }
    return Optional.of(parseGzipped(gzipped, path(tenant)));
  }

  /** Writes this index as the tenant's, replacing the previous one. */
  public void write(Bucket bucket, String tenant) throws IOException {
    bucket.upload(path(tenant), toGzippedJson());
  }

  /** The gzipped JSON, as stored. */
  public byte[] toGzippedJson() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      Json.MAPPER.writeValue(gzip, this);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot encode bucket index", e);
    }
    return out.toByteArray();
  }

  /**
   * Parses a stored index.
   *
   * @param name the object's name, for the error message
   * @throws CorruptedIndexException when the bytes are not gzipped JSON of a known version
   */
  static BucketIndex parseGzipped(byte[] gzipped, String name) throws CorruptedIndexException {
    BucketIndex index;
    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gzipped))) {
      index = Json.MAPPER.readValue(in, BucketIndex.class);
    } catch (IOException e) {
      throw new CorruptedIndexException("bucket index corrupted: " + name + ": " + e.getMessage(), e);
    }
    if (index == null || (index.version() != VERSION_1 && index.version() != VERSION_2)) {
      throw new CorruptedIndexException("bucket index corrupted: " + name + ": unsupported version "
          + (index == null ? "null" : index.version()), null);
    }
    return index;
  }

  /** The block with this id, if listed. */
  public Optional<Block> block(String blockId) {
    for (Block b : blocks) {
      if (b.blockId().equals(blockId)) {
        return Optional.of(b);
      }
    }
    return Optional.empty();
  }

  /**
   * The ids of the blocks marked for deletion at or before {@code epochSeconds}: readers keep reading a block for a
   * while after its mark (Mimir's ignore-deletion-marks delay), until the block replacing it has been found.
   */
  public Set<String> markedForDeletionBefore(long epochSeconds) {
    Set<String> ids = new HashSet<>();
    for (BlockDeletionMark m : blockDeletionMarks) {
      if (m.deletionTimeSeconds() <= epochSeconds) {
        ids.add(m.blockId());
      }
    }
    return ids;
  }

  /** The ids of the blocks marked for deletion. */
  public Set<String> markedForDeletion() {
    Set<String> ids = new HashSet<>();
    for (BlockDeletionMark m : blockDeletionMarks) {
      ids.add(m.blockId());
    }
    return ids;
  }
}
