package io.narthex.blocks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deletion, no-compact and tenant deletion marks: Mimir's names and JSON, written and read through a bucket. */
class MarkersTest {
  private static final String BLOCK = "01JC0000000000000000000001";
  private static final Instant TIME = Instant.ofEpochSecond(1_700_000_000L);

  @TempDir Path root;

  private static String read(Bucket bucket, String name) throws Exception {
    try (InputStream in = bucket.get(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void deletionMarkIsWrittenBesideTheBlockAndUnderMarkers() throws Exception {
    try (Bucket bucket = Buckets.filesystem("markers", root)) {
      DeletionMark.write(bucket, "t", BLOCK, TIME);

      String expected = "{\"id\":\"" + BLOCK + "\",\"deletion_time\":1700000000,\"version\":1}";
      assertThat(read(bucket, "t/" + BLOCK + "/deletion-mark.json")).isEqualTo(expected);
      assertThat(read(bucket, "t/markers/" + BLOCK + "-deletion-mark.json")).isEqualTo(expected);
      assertThat(DeletionMark.read(bucket, "t", BLOCK)).contains(new DeletionMark(BLOCK, 1_700_000_000L, 1));

      DeletionMark.delete(bucket, "t", BLOCK);
      assertThat(DeletionMark.read(bucket, "t", BLOCK)).isEmpty();
      assertThat(bucket.list("t/", true)).isEmpty();
    }
  }

  @Test
  void noCompactMarkHasThanosFieldsAndIsListedFromMarkers() throws Exception {
    try (Bucket bucket = Buckets.filesystem("markers", root)) {
      NoCompactMark.write(bucket, "t", BLOCK, NoCompactMark.REASON_OUT_OF_ORDER_CHUNKS, "chunk 3 overlaps", TIME);

      assertThat(read(bucket, "t/markers/" + BLOCK + "-no-compact-mark.json")).isEqualTo("{\"id\":\"" + BLOCK
          + "\",\"version\":1,\"details\":\"chunk 3 overlaps\",\"no_compact_time\":1700000000,"
          + "\"reason\":\"block-index-out-of-order-chunk\"}");
      assertThat(bucket.exists("t/" + BLOCK + "/no-compact-mark.json")).isTrue();
      assertThat(NoCompactMark.listMarked(bucket, "t")).containsExactly(BLOCK);
      assertThat(NoCompactMark.read(bucket, "t", BLOCK).orElseThrow().reason())
          .isEqualTo(NoCompactMark.REASON_OUT_OF_ORDER_CHUNKS);
      // A deletion mark under markers/ is not a no-compact mark.
      DeletionMark.write(bucket, "t", "01JC0000000000000000000002", TIME);
      assertThat(NoCompactMark.listMarked(bucket, "t")).containsExactly(BLOCK);
    }
  }

  @Test
  void tenantDeletionMarkReadsMimirsJson() throws Exception {
    try (Bucket bucket = Buckets.filesystem("markers", root)) {
      assertThat(TenantDeletionMark.exists(bucket, "t")).isFalse();
      TenantDeletionMark.write(bucket, "t", TIME);
      assertThat(read(bucket, "t/markers/tenant-deletion-mark.json"))
          .isEqualTo("{\"deletion_time\":1700000000,\"version\":1}");
      assertThat(TenantDeletionMark.exists(bucket, "t")).isTrue();

      bucket.upload("u/markers/tenant-deletion-mark.json",
          "{\"deletion_time\":1700000000,\"finished_time\":1700000100}".getBytes(StandardCharsets.UTF_8));
      assertThat(TenantDeletionMark.read(bucket, "u").orElseThrow().finishedTimeSeconds()).isEqualTo(1_700_000_100L);
    }
  }

  @Test
  void marksRefuseIdsThatAreNotUlids() throws Exception {
    try (Bucket bucket = Buckets.filesystem("markers", root)) {
      assertThatThrownBy(() -> DeletionMark.write(bucket, "t", "not-a-ulid", TIME))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> NoCompactMark.parse("{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
