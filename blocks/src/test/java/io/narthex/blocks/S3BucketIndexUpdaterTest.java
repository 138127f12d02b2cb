package io.narthex.blocks;

import io.narthex.objstore.Bucket;
import io.narthex.objstore.LocalS3Server;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The updater's contract on S3: s3proxy in-process on loopback. */
class S3BucketIndexUpdaterTest extends BucketIndexUpdaterContractTest {
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  private static LocalS3Server server;

  @BeforeAll
  static void startServer() throws Exception {
    server = new LocalS3Server();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @Override
  Bucket openBucket() {
    return server.newBucket("index-updater-" + BUCKETS.incrementAndGet());
  }
}
