package io.narthex.blocks;

import io.narthex.objstore.Bucket;
import io.narthex.tsdb.block.BlockFiles;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The files of block {@code <tenant>/<ulid>/} in a bucket, for {@link io.narthex.tsdb.block.BlockReader}. Reads are
 * ranged gets; sizes come from the object attributes, asked once per file and instance. Thread-safe.
 */
public final class BucketBlockFiles implements BlockFiles {
  private final Bucket bucket;
  private final String prefix;
  private final ConcurrentHashMap<String, Long> sizes = new ConcurrentHashMap<>();

  /**
   * @param tenant the tenant directory
   * @param ulid the block directory
   */
  public BucketBlockFiles(Bucket bucket, String tenant, String ulid) {
    this.bucket = Objects.requireNonNull(bucket, "bucket");
    this.prefix = Objects.requireNonNull(tenant, "tenant") + "/" + Objects.requireNonNull(ulid, "ulid") + "/";
  }

  /**
   * Reads {@code lengthBytes} bytes of file {@code name} ("index", "chunks/000001") from {@code offsetBytes}; fewer
   * only when the file ends first, none at or past its end.
   *
   * @throws io.narthex.objstore.NoSuchObjectException when the file does not exist
   * @throws IllegalArgumentException when the offset or length is negative
   */
  @Override
  public byte[] read(String name, long offsetBytes, int lengthBytes) throws IOException {
    try (InputStream in = bucket.getRange(prefix + name, offsetBytes, lengthBytes)) {
      return in.readNBytes(lengthBytes);
    }
  }

  /**
   * The size of file {@code name} in bytes.
   *
   * @throws io.narthex.objstore.NoSuchObjectException when the file does not exist
   */
  @Override
  public long size(String name) throws IOException {
    Long cached = sizes.get(name);
    if (cached != null) {
      return cached;
    }
    long size = bucket.attributes(prefix + name).sizeBytes();
    sizes.put(name, size);
    return size;
  }

  @Override
  public String toString() {
    return "bucket:" + prefix;
  }
}
