package io.narthex.blocks;

import io.narthex.common.Ulid;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.NoSuchObjectException;
import io.narthex.tsdb.block.BlockMetaFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Uploads a local block directory to {@code <tenant>/<ULID>/} as Thanos's shipper does: every file first, meta.json
 * last, so a reader that finds meta.json finds the whole block (readers treat a block without meta.json as partial).
 */
public final class BlockShipper {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(BlockShipper.class);

  private BlockShipper() {}

  /**
   * {@link #upload}s the block, then updates the tenant's bucket index so that queriers find it before their next
   * bucket scan. An index update that fails is logged only: the block is in the bucket, and the next update (the
   * store-gateway's sync, the next block) lists it.
   *
   * @throws IOException when the upload failed (see {@link #upload})
   */
  public static void uploadAndIndex(Bucket bucket, String tenant, Path blockDir) throws IOException {
    upload(bucket, tenant, blockDir);
    try {
      BucketIndexUpdater.update(bucket, tenant);
    } catch (IOException e) {
      log.warn("updating the bucket index failed tenant={} err=\"{}\"", tenant, e.toString());
    }
  }

  /**
   * Uploads every regular file under {@code blockDir} to {@code <tenant>/<ULID>/<relative path>} ({@code /}
   * separators), meta.json last. Safe to call again after a failure: objects already in the bucket with the local
   * size are skipped (blocks are immutable, and uploads are atomic), and meta.json is always written again.
   *
   * @param blockDir a block directory named by its ULID, holding a meta.json
   * @throws IllegalArgumentException when the directory is not named by a ULID or has no meta.json
   * @throws IOException when reading the directory or the bucket fails; the block then stays partial
   */
  public static void upload(Bucket bucket, String tenant, Path blockDir) throws IOException {
    String ulid = blockDir.getFileName().toString();
    if (!Ulid.isCanonical(ulid)) {
      throw new IllegalArgumentException("not a block directory (name is not a ULID): " + blockDir);
    }
    Path meta = blockDir.resolve(BlockMetaFile.FILENAME);
    if (!Files.isRegularFile(meta)) {
      throw new IllegalArgumentException("not a complete block (no meta.json): " + blockDir);
    }
    String prefix = tenant + "/" + ulid + "/";
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(blockDir)) {
      walk.filter(Files::isRegularFile).filter(p -> !p.equals(meta)).sorted().forEach(files::add);
    }
    for (Path file : files) {
      String name = prefix + relativeName(blockDir, file);
      if (!alreadyUploaded(bucket, name, Files.size(file))) {
        bucket.upload(name, file);
      }
    }
    bucket.upload(prefix + BlockMetaFile.FILENAME, meta);
  }

  private static String relativeName(Path blockDir, Path file) {
    Path relative = blockDir.relativize(file);
    StringBuilder sb = new StringBuilder();
    for (Path part : relative) {
      if (!sb.isEmpty()) {
        sb.append('/');
      }
      sb.append(part);
    }
    return sb.toString();
  }

  private static boolean alreadyUploaded(Bucket bucket, String name, long sizeBytes) throws IOException {
    try {
      return bucket.attributes(name).sizeBytes() == sizeBytes;
    } catch (NoSuchObjectException e) {
      return false;
    }
  }
}
