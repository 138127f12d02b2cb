package io.narthex.blocks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BucketIndexTest {
  private static final String A = "01JBZ5XQ8M3W2K9H7N6P4R1S0T";
  private static final String B = "01JBZ5XQ8M3W2K9H7N6P4R1S0V";

  @TempDir Path root;
  private Bucket bucket;

  @BeforeEach
  void open() throws IOException {
    bucket = Buckets.filesystem("bucket-index-test", root);
  }

  @AfterEach
  void close() throws IOException {
    bucket.close();
  }

  @Test
  void roundTripsAsGzippedJsonInMimirsShape() throws Exception {
    BucketIndex index = new BucketIndex(1,
        List.of(new BucketIndex.Block(A, 1000, 2000, "1b6d", 2, 1_700_000_000L, "upload", 1, Map.of("__org_id__", "t1")),
            new BucketIndex.Block(B, 2000, 3000, "", 0, 1_700_000_001L, "", 0, Map.of())),
        List.of(new BucketIndex.BlockDeletionMark(B, 1_700_000_100L)), 1_700_000_200L);

    index.write(bucket, "t1");

    String json = gunzip(bucket.get("t1/bucket-index.json.gz").readAllBytes());
    assertThat(json).contains("\"version\":1", "\"updated_at\":1700000200", "\"block_id\":\"" + A + "\"",
        "\"min_time\":1000", "\"max_time\":2000", "\"segments_format\":\"1b6d\"", "\"segments_num\":2",
        "\"uploaded_at\":1700000000", "\"block_deletion_marks\":[{\"block_id\":\"" + B
            + "\",\"deletion_time\":1700000100}]");
    // Go's omitempty: block B has no segments_format, segments_num, source, compaction_level or labels.
    assertThat(json).contains("{\"block_id\":\"" + B + "\",\"min_time\":2000,\"max_time\":3000,\"uploaded_at\":"
        + "1700000001}");
    assertThat(BucketIndex.read(bucket, "t1")).contains(index);
    assertThat(index.block(A).orElseThrow().segmentFiles()).containsExactly("000001", "000002");
    assertThat(index.markedForDeletion()).containsExactly(B);
  }

  @Test
  void readsAnIndexMimirWrote() throws Exception {
    String mimir = """
        {"version":2,"blocks":[{"block_id":"%s","min_time":1,"max_time":7200001,"segments_format":"1b6d",
        "segments_num":1,"uploaded_at":1700000000,"compactor_shard_id":"1_of_4","source":"compactor",
        "compaction_level":2,"out_of_order":true}],"block_deletion_marks":null,"updated_at":1700000300}
        """.formatted(A);
    bucket.upload("t1/bucket-index.json.gz", gzip(mimir));

    BucketIndex index = BucketIndex.read(bucket, "t1").orElseThrow();

    assertThat(index.version()).isEqualTo(2);
    assertThat(index.blocks()).containsExactly(
        new BucketIndex.Block(A, 1, 7200001, "1b6d", 1, 1_700_000_000L, "compactor", 2, Map.of()));
    assertThat(index.blockDeletionMarks()).isEmpty();
    assertThat(index.block(A).orElseThrow().within(0, 1)).isTrue();
    assertThat(index.block(A).orElseThrow().within(7200001, 8000000)).isFalse();
  }

  @Test
  void updaterRebuildsACorruptedIndex() throws Exception {
    bucket.upload("t1/bucket-index.json.gz", "not gzip".getBytes(StandardCharsets.UTF_8));

    assertThat(BucketIndexUpdater.update(bucket, "t1").blocks()).isEmpty();
    assertThat(BucketIndex.read(bucket, "t1")).isPresent();
  }

  @Test
  void readIsEmptyWhenTheTenantHasNoIndex() throws Exception {
    assertThat(BucketIndex.read(bucket, "nobody")).isEmpty();
  }

  @Test
  void corruptedIndexIsAnIOExceptionSayingSo() throws Exception {
    bucket.upload("t1/bucket-index.json.gz", "not gzip".getBytes(StandardCharsets.UTF_8));
    bucket.upload("t2/bucket-index.json.gz", gzip("{\"version\": 99}"));

    assertThatThrownBy(() -> BucketIndex.read(bucket, "t1"))
        .isInstanceOf(BucketIndex.CorruptedIndexException.class)
        .hasMessageStartingWith("bucket index corrupted: t1/bucket-index.json.gz");
    assertThatThrownBy(() -> BucketIndex.read(bucket, "t2"))
        .isInstanceOf(BucketIndex.CorruptedIndexException.class)
        .hasMessageContaining("unsupported version 99");
  }

  static String gunzip(byte[] gzipped) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static byte[] gzip(String s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(s.getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }
}
