package io.narthex.ingester.shipper;

import java.io.IOException;
import java.nio.file.Path;

/** Where the shipper puts finished blocks: object storage, under {@code <tenant>/<ULID>/}. */
@FunctionalInterface
public interface BlockSink {
  /**
   * Uploads a block directory, meta.json last, so readers never see a partial block. Idempotent: the shipper calls
   * it again with the same directory after a failure.
   *
   * @throws IOException when the upload failed; nothing is lost, the shipper retries later
   */
  void upload(String tenant, Path blockDir) throws IOException;
}
