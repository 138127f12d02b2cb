package io.narthex.objstore;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link LocalS3Server} for all the tests of a class, started before the first and stopped after the last:
 *
 * <pre>{@code @RegisterExtension static final LocalS3ServerExtension S3 = new LocalS3ServerExtension();}</pre>
 */
public final class LocalS3ServerExtension implements BeforeAllCallback, AfterAllCallback {
  private LocalS3Server server;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    server = new LocalS3Server();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    server.close();
  }

  /** The running server. */
  public LocalS3Server server() {
    return server;
  }

  /** See {@link LocalS3Server#newBucket}. */
  public Bucket newBucket(String name) {
    return server.newBucket(name);
  }
}
