package io.narthex.blocks;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.objstore.Bucket;
import io.narthex.tsdb.block.BlockMeta;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link BucketIndexUpdater} does on any bucket; subclasses supply the backend. */
abstract class BucketIndexUpdaterContractTest {
  private static final String TENANT = "tenant-1";
  private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_800_000_000L), ZoneOffset.UTC);

  @TempDir Path local;
  Bucket bucket;

  abstract Bucket openBucket() throws Exception;

  @BeforeEach
  void open() throws Exception {
    bucket = openBucket();
  }

  @AfterEach
  void close() throws Exception {
    bucket.close();
  }

  private BlockMeta ship(int numSeries) throws Exception {
    BlockMeta meta = TestBlocks.write(local, TestBlocks.series(numSeries));
    BlockShipper.upload(bucket, TENANT, meta.dir());
    return meta;
  }

  @Test
  void listsCompleteBlocksAndSkipsBlocksStillUploading() throws Exception {
    BlockMeta complete = ship(2);
    BlockMeta noMeta = TestBlocks.write(local, TestBlocks.series(1));
    bucket.upload(TENANT + "/" + noMeta.ulid() + "/index", noMeta.dir().resolve("index"));
    BlockMeta uploading = TestBlocks.write(local, TestBlocks.series(1));
    bucket.upload(TENANT + "/" + uploading.ulid() + "/index", uploading.dir().resolve("index"));
    bucket.upload(TENANT + "/" + uploading.ulid() + "/uploading-meta.json", uploading.dir().resolve("meta.json"));
    bucket.upload(TENANT + "/not-a-block/meta.json", complete.dir().resolve("meta.json"));

    BucketIndex index = BucketIndexUpdater.update(bucket, TENANT, CLOCK);

    assertThat(index.blocks()).singleElement().satisfies(b -> {
      assertThat(b.blockId()).isEqualTo(complete.ulid());
      assertThat(b.minTimeMs()).isEqualTo(complete.minTimeMs());
      assertThat(b.maxTimeMs()).isEqualTo(complete.maxTimeMs());
      assertThat(b.segmentsFormat()).isEqualTo(BucketIndex.SEGMENTS_FORMAT_1_BASED_6_DIGITS);
      assertThat(b.segmentsNum()).isEqualTo(1);
      assertThat(b.uploadedAtSeconds()).isPositive();
      assertThat(b.source()).isEqualTo("receive");
      assertThat(b.compactionLevel()).isEqualTo(1);
    });
    assertThat(index.blockDeletionMarks()).isEmpty();
    assertThat(index.updatedAtSeconds()).isEqualTo(1_800_000_000L);
    assertThat(BucketIndex.read(bucket, TENANT)).contains(index);
  }

  @Test
  void includesDeletionMarksFromTheMarkersDirectoryAndFromBlockDirectories() throws Exception {
    BlockMeta globallyMarked = ship(1);
    BlockMeta locallyMarked = ship(1);
    BlockMeta unmarked = ship(1);
    bucket.upload(TENANT + "/markers/" + globallyMarked.ulid() + "-deletion-mark.json",
        mark(globallyMarked.ulid(), 1_700_000_100L));
    bucket.upload(TENANT + "/markers/" + globallyMarked.ulid() + "-no-compact-mark.json", "{}".getBytes());
    bucket.upload(TENANT + "/" + locallyMarked.ulid() + "/deletion-mark.json",
        mark(locallyMarked.ulid(), 1_700_000_200L));

    BucketIndex index = BucketIndexUpdater.update(bucket, TENANT, CLOCK);

    assertThat(index.blocks()).extracting(BucketIndex.Block::blockId)
        .containsExactlyInAnyOrder(globallyMarked.ulid(), locallyMarked.ulid(), unmarked.ulid());
    assertThat(index.blockDeletionMarks()).containsExactlyInAnyOrder(
        new BucketIndex.BlockDeletionMark(globallyMarked.ulid(), 1_700_000_100L),
        new BucketIndex.BlockDeletionMark(locallyMarked.ulid(), 1_700_000_200L));
  }

  @Test
  void corruptedMarksAndMetaFilesAreSkipped() throws Exception {
    BlockMeta good = ship(1);
    BlockMeta corrupted = TestBlocks.write(local, TestBlocks.series(1));
    bucket.upload(TENANT + "/" + corrupted.ulid() + "/index", corrupted.dir().resolve("index"));
    bucket.upload(TENANT + "/" + corrupted.ulid() + "/meta.json", "{not json".getBytes());
    bucket.upload(TENANT + "/markers/" + good.ulid() + "-deletion-mark.json", "{not json".getBytes());

    BucketIndex index = BucketIndexUpdater.update(bucket, TENANT, CLOCK);

    assertThat(index.blocks()).extracting(BucketIndex.Block::blockId).containsExactly(good.ulid());
    assertThat(index.blockDeletionMarks()).isEmpty();
  }

  @Test
  void reusesEntriesOfThePreviousIndexWithoutReadingTheirMetaJsonAgain() throws Exception {
    BlockMeta first = ship(1);
    BlockMeta marked = ship(1);
    bucket.upload(TENANT + "/markers/" + marked.ulid() + "-deletion-mark.json", mark(marked.ulid(), 1_700_000_300L));
    BucketIndex previous = BucketIndexUpdater.update(bucket, TENANT, CLOCK);
    BlockMeta added = ship(3);
    RecordingBucket recording = new RecordingBucket(bucket);

    BucketIndex index = BucketIndexUpdater.update(recording, TENANT, CLOCK);

    assertThat(index.blocks()).extracting(BucketIndex.Block::blockId)
        .containsExactlyInAnyOrder(first.ulid(), marked.ulid(), added.ulid());
    assertThat(index.block(first.ulid())).isEqualTo(previous.block(first.ulid()));
    assertThat(index.blockDeletionMarks()).isEqualTo(previous.blockDeletionMarks());
    // New blocks only: their meta.json and block-local deletion mark.
    assertThat(recording.names("get")).containsExactlyInAnyOrder(TENANT + "/bucket-index.json.gz",
        TENANT + "/" + added.ulid() + "/meta.json", TENANT + "/" + added.ulid() + "/deletion-mark.json");
    // Only the block marked for deletion has its meta.json looked at.
    assertThat(recording.names("exists")).containsExactly(TENANT + "/" + marked.ulid() + "/meta.json");
  }

  @Test
  void dropsBlocksThatAreGoneOrLostTheirMetaJsonWhileBeingDeleted() throws Exception {
    BlockMeta kept = ship(1);
    BlockMeta deleted = ship(1);
    BlockMeta beingDeleted = ship(1);
    bucket.upload(TENANT + "/markers/" + beingDeleted.ulid() + "-deletion-mark.json",
        mark(beingDeleted.ulid(), 1_700_000_400L));
    BucketIndexUpdater.update(bucket, TENANT, CLOCK);
    for (String name : bucket.list(TENANT + "/" + deleted.ulid() + "/", true)) {
      bucket.delete(name);
    }
    bucket.delete(TENANT + "/" + beingDeleted.ulid() + "/meta.json");

    BucketIndex index = BucketIndexUpdater.update(bucket, TENANT, CLOCK);

    assertThat(index.blocks()).extracting(BucketIndex.Block::blockId).containsExactly(kept.ulid());
    assertThat(index.blockDeletionMarks()).containsExactly(
        new BucketIndex.BlockDeletionMark(beingDeleted.ulid(), 1_700_000_400L));
  }

  @Test
  void tenantsAreTheTopLevelDirectoriesExceptInternalOnes() throws Exception {
    bucket.upload("tenant-a/x", new byte[] {1});
    bucket.upload("tenant-b/01JBZ5XQ8M3W2K9H7N6P4R1S0T/meta.json", new byte[] {1});
    bucket.upload("__markers__/x", new byte[] {1});
    bucket.upload("file-at-root", new byte[] {1});

    assertThat(BucketIndexUpdater.tenants(bucket)).containsExactly("tenant-a", "tenant-b");
  }

  @Test
  void emptyTenantGetsAnEmptyIndex() throws Exception {
    BucketIndex index = BucketIndexUpdater.update(bucket, "nobody", CLOCK);

    assertThat(index.blocks()).isEmpty();
    assertThat(BucketIndex.read(bucket, "nobody")).contains(index);
  }

  private static byte[] mark(String ulid, long deletionTimeSeconds) {
    return new DeletionMark(ulid, deletionTimeSeconds, 1).toJson();
  }
}
