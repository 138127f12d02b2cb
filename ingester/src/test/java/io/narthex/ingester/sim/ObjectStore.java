package io.narthex.ingester.sim;

import io.narthex.ingester.LocalBlocks;
import io.narthex.ingester.raft.RaftGroups;
import io.narthex.ingester.shipper.BlockSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Object storage on local disk that can be taken down: shipped blocks land under
 * {@code <dir>/shard-<n>/<tenant>/<ULID>}, so each shard's uploads can be read back apart. The shard is found from
 * the uploaded directory's Raft group. An upload overwrites a block of the same ULID, as a PUT would.
 */
public final class ObjectStore implements BlockSink {
  private final Path dir;
  private final int shardCount;
  private volatile boolean down;

  ObjectStore(Path dir, int shardCount) {
    this.dir = dir;
    this.shardCount = shardCount;
  }

  /** While down, every upload fails, as during an object-storage outage. */
  public void setDown(boolean down) {
    this.down = down;
  }

  @Override
  public void upload(String tenant, Path blockDir) throws IOException {
    if (down) {
      throw new IOException("object storage unavailable");
    }
    Path target = shardDir(shardOf(blockDir)).resolve(tenant).resolve(blockDir.getFileName().toString());
    deleteRecursively(target);
    try (Stream<Path> files = Files.walk(blockDir)) {
      for (Path source : files.sorted().toList()) {
        Path copy = target.resolve(blockDir.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(source, copy);
        }
      }
    }
  }

  /**
   * The blocks uploaded for a shard, opened for reading; their time range is not read back, so it spans all time.
   *
   * @throws UncheckedIOException when a block cannot be opened
   */
  public LocalBlocks blocks(int shard) {
    Path shardDir = shardDir(shard);
    LocalBlocks blocks = new LocalBlocks(shardDir);
    if (!Files.isDirectory(shardDir)) {
      return blocks;
    }
    try (Stream<Path> tenants = Files.list(shardDir)) {
      for (Path tenant : tenants.toList()) {
        try (Stream<Path> ulids = Files.list(tenant)) {
          for (Path ulid : ulids.toList()) {
            blocks.add(tenant.getFileName().toString(), ulid.getFileName().toString(), Long.MIN_VALUE,
                Long.MAX_VALUE, true);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return blocks;
  }

  private Path shardDir(int shard) {
    return dir.resolve("shard-" + shard);
  }

  /** A local block lives under its Raft group's directory, named by the group's UUID. */
  private int shardOf(Path blockDir) throws IOException {
    String path = blockDir.toString();
    for (int shard = 0; shard < shardCount; shard++) {
      if (path.contains(RaftGroups.groupId(shard).getUuid().toString())) {
        return shard;
      }
    }
    throw new IOException("no shard's Raft group holds " + blockDir);
  }

  private static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(path)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
