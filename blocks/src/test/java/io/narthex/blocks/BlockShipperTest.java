package io.narthex.blocks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.objstore.Buckets;
import io.narthex.tsdb.block.BlockMeta;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockShipperTest {
  @TempDir Path root;
  @TempDir Path local;
  private RecordingBucket bucket;

  @BeforeEach
  void open() throws IOException {
    bucket = new RecordingBucket(Buckets.filesystem("shipper-test", root));
  }

  @AfterEach
  void close() throws IOException {
    bucket.close();
  }

  @Test
  void uploadsEveryFileWithMetaJsonLast() throws Exception {
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(4));
    String prefix = "t1/" + block.ulid() + "/";

    BlockShipper.upload(bucket, "t1", block.dir());

    assertThat(bucket.names("upload")).containsExactly(prefix + "chunks/000001", prefix + "index",
        prefix + "tombstones", prefix + "meta.json");
    assertThat(bucket.get(prefix + "index").readAllBytes()).isEqualTo(Files.readAllBytes(block.dir().resolve("index")));
  }

  @Test
  void retryAfterAFailureSkipsStoredFilesAndStillEndsWithMetaJson() throws Exception {
    BlockMeta block = TestBlocks.write(local, TestBlocks.series(4));
    String prefix = "t1/" + block.ulid() + "/";
    bucket.failNextUploadEndingWith = "/index";

    assertThatThrownBy(() -> BlockShipper.upload(bucket, "t1", block.dir())).hasMessageContaining("injected");
    assertThat(bucket.exists(prefix + "meta.json")).isFalse();
    bucket.clear();
    BlockShipper.upload(bucket, "t1", block.dir());

    assertThat(bucket.names("upload")).containsExactly(prefix + "index", prefix + "tombstones",
        prefix + "meta.json");
    assertThat(BucketIndexUpdater.update(bucket, "t1").block(block.ulid())).isPresent();
  }

  @Test
  void rejectsDirectoriesThatAreNotCompleteBlocks() throws Exception {
    Path notUlid = Files.createDirectories(local.resolve("not-a-block"));
    Path noMeta = Files.createDirectories(local.resolve("01JBZ5XQ8M3W2K9H7N6P4R1S0T"));
    Files.write(noMeta.resolve("index"), new byte[] {1});

    assertThatThrownBy(() -> BlockShipper.upload(bucket, "t1", notUlid))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a ULID");
    assertThatThrownBy(() -> BlockShipper.upload(bucket, "t1", noMeta))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no meta.json");
    assertThat(bucket.names("upload")).isEmpty();
  }
}
