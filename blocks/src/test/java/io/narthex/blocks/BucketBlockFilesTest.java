package io.narthex.blocks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.objstore.Bucket;
import io.narthex.objstore.LocalS3ServerExtension;
import io.narthex.objstore.NoSuchObjectException;
import io.narthex.tsdb.block.BlockFiles;
import io.narthex.tsdb.block.BlockMeta;
import io.narthex.tsdb.block.BlockReader;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@link BucketBlockFiles} on S3 (s3proxy in-process). */
class BucketBlockFilesTest {
  @RegisterExtension static final LocalS3ServerExtension S3 = new LocalS3ServerExtension();

  @TempDir Path local;

  @Test
  void readerOverTheBucketSeesWhatItSeesOverTheDirectory() throws Exception {
    try (Bucket bucket = S3.newBucket("block-files-read")) {
      BlockMeta block = TestBlocks.write(local, TestBlocks.series(20));
      BlockShipper.upload(bucket, "t1", block.dir());
      List<Matcher> matchers = List.of(Matcher.equal("job", "node"));

      BlockReader fromBucket = BlockReader.open(block.ulid(), new BucketBlockFiles(bucket, "t1", block.ulid()));
      BlockReader fromDir = BlockReader.open(block.ulid(), BlockFiles.directory(block.dir()));

      List<EncodedSeries> expected = fromDir.select(Long.MIN_VALUE, Long.MAX_VALUE, matchers);
      List<EncodedSeries> actual = fromBucket.select(Long.MIN_VALUE, Long.MAX_VALUE, matchers);
      assertThat(actual).hasSize(20);
      assertThat(actual).extracting(EncodedSeries::labels).isEqualTo(expected.stream().map(EncodedSeries::labels).toList());
      for (int i = 0; i < expected.size(); i++) {
        assertThat(actual.get(i).chunks().getFirst().data()).isEqualTo(expected.get(i).chunks().getFirst().data());
      }
      assertThat(fromBucket.validate(block.minTimeMs(), block.maxTimeMs()).numSamples()).isEqualTo(block.numSamples());
    }
  }

  @Test
  void readsRangesShortAtTheEndAndAsksEachSizeOnce() throws Exception {
    try (RecordingBucket bucket = new RecordingBucket(S3.newBucket("block-files-ranges"))) {
      BlockMeta block = TestBlocks.write(local, TestBlocks.series(1));
      BlockShipper.upload(bucket, "t1", block.dir());
      byte[] index = Files.readAllBytes(block.dir().resolve("index"));
      BucketBlockFiles files = new BucketBlockFiles(bucket, "t1", block.ulid());
      bucket.clear();

      assertThat(files.size("index")).isEqualTo(index.length);
      assertThat(files.size("index")).isEqualTo(index.length);
      assertThat(files.read("index", 4, 10)).isEqualTo(java.util.Arrays.copyOfRange(index, 4, 14));
      assertThat(files.read("index", index.length - 3, 10)).hasSize(3);
      assertThat(files.read("index", index.length, 10)).isEmpty();
      assertThat(bucket.names("attributes")).containsExactly("t1/" + block.ulid() + "/index");
      assertThatThrownBy(() -> files.read("chunks/000009", 0, 1)).isInstanceOf(NoSuchObjectException.class);
    }
  }
}
