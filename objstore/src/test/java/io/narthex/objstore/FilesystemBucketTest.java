package io.narthex.objstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilesystemBucketTest extends BucketContractTest {
  @TempDir Path root;

  @Override
  Bucket openBucket() throws Exception {
    return new FilesystemBucket(root.resolve("blocks"));
  }

  private Path bucketRoot() {
    return ((FilesystemBucket) bucket).root();
  }

  @Test
  void objectsAreFilesUnderTheRoot() throws Exception {
    bucket.upload("tenant/01ABC/index", utf8("idx"));

    assertThat(bucketRoot().resolve("tenant/01ABC/index")).hasContent("idx");
  }

  @Test
  void uploadLeavesNoTemporaryFiles() throws Exception {
    bucket.upload("d/obj", utf8("x"));
    bucket.upload("d/obj", utf8("y"));

    try (Stream<Path> files = Files.walk(bucketRoot())) {
      assertThat(files.filter(Files::isRegularFile)).containsExactly(bucketRoot().resolve("d/obj"));
    }
  }

  @Test
  void contentShorterThanItsLengthFailsTheUploadAndKeepsTheOldObject() throws Exception {
    bucket.upload("obj", utf8("old"));

    assertThatThrownBy(() -> bucket.upload("obj", new ByteArrayInputStream(utf8("abc")), 10))
        .isInstanceOf(ObjectStoreException.class)
        .hasMessageContaining("ended after 3 of 10 bytes");
    assertThat(read(bucket.get("obj"))).isEqualTo("old");
    assertThat(bucket.list("")).containsExactly("obj");
  }

  @Test
  void deleteRemovesDirectoriesItLeavesEmpty() throws Exception {
    bucket.upload("a/b/c/obj", utf8("x"));
    bucket.upload("a/keep", utf8("x"));

    bucket.delete("a/b/c/obj");

    assertThat(bucketRoot().resolve("a/b")).doesNotExist();
    assertThat(bucketRoot().resolve("a/keep")).exists();
    assertThat(bucketRoot()).isDirectory();
  }

  @Test
  void emptyDirectoriesAreNotListed() throws Exception {
    Files.createDirectories(bucketRoot().resolve("empty/inner"));
    bucket.upload("full/obj", utf8("x"));

    assertThat(bucket.list("")).containsExactly("full/");
  }

  @Test
  void objectAndDirectoryCannotShareANameButReadsStillSayNotFound() throws Exception {
    bucket.upload("a", utf8("file"));

    assertThatThrownBy(() -> bucket.upload("a/b", utf8("x")))
        .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isFalse())
        .hasMessageContaining("in the way");
    assertThatThrownBy(() -> bucket.get("a/b")).isInstanceOf(NoSuchObjectException.class);
    assertThatThrownBy(() -> bucket.attributes("a/b")).isInstanceOf(NoSuchObjectException.class);
    assertThat(bucket.exists("a/b")).isFalse();
    bucket.delete("a/b");
    assertThat(read(bucket.get("a"))).isEqualTo("file");
  }

  @Test
  void defaultRootIsDataBlocks() {
    assertThat(FilesystemBucket.DEFAULT_ROOT).isEqualTo(Path.of("data/blocks"));
  }
}
