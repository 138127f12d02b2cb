package io.narthex.common;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Directory helpers shared by the modules that keep scratch and cache directories. */
public final class Directories {
  private Directories() {}

  /**
   * Deletes {@code path} and everything under it, children before their directory; does nothing when it does not
   * exist. Symbolic links are deleted, not followed.
   *
   * @throws IOException the first failure to list or delete; what was deleted before it stays deleted
   */
  public static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(path, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.deleteIfExists(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /**
   * Cleanup after {@code failure}: deletes as {@link #deleteRecursively(Path)}, and a failure to delete is added to
   * {@code failure} as suppressed rather than thrown over it.
   */
  public static void deleteAfterFailure(Path path, Throwable failure) {
    try {
      deleteRecursively(path);
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }
}
