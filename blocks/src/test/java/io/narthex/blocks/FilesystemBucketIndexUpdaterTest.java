package io.narthex.blocks;

import io.narthex.objstore.Bucket;
import io.narthex.objstore.Buckets;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The updater's contract on a filesystem bucket. */
class FilesystemBucketIndexUpdaterTest extends BucketIndexUpdaterContractTest {
  @TempDir Path root;

  @Override
  Bucket openBucket() throws Exception {
    return Buckets.filesystem("index-updater-fs", root);
  }
}
