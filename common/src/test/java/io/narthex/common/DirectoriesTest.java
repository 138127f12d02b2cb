package io.narthex.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoriesTest {
  @TempDir Path tmp;

  @Test
  void deletesATreeButNotWhatASymbolicLinkInItPointsTo() throws IOException {
    Path outside = Files.writeString(tmp.resolve("outside"), "kept");
    Path tree = Files.createDirectories(tmp.resolve("tree/a/b"));
    Files.writeString(tree.resolve("file"), "x");
    Files.createSymbolicLink(tmp.resolve("tree/link"), outside);

    Directories.deleteRecursively(tmp.resolve("tree"));

    assertThat(tmp.resolve("tree")).doesNotExist();
    assertThat(outside).hasContent("kept");
  }

  @Test
  void doesNothingForAMissingPath() throws IOException {
    Directories.deleteRecursively(tmp.resolve("missing"));
    assertThat(tmp).isEmptyDirectory();
  }
}
