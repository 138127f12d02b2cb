package io.narthex.blocks;

import io.narthex.objstore.Bucket;
import io.narthex.objstore.LocalS3ServerExtension;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The updater's contract on S3: s3proxy in-process on loopback. */
class S3BucketIndexUpdaterTest extends BucketIndexUpdaterContractTest {
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  @RegisterExtension static final LocalS3ServerExtension S3 = new LocalS3ServerExtension();

  @Override
  Bucket openBucket() {
    return S3.newBucket("index-updater-" + BUCKETS.incrementAndGet());
  }
}
