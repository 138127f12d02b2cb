package io.narthex.objstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The behaviour every {@link Bucket} backend shares; subclasses supply the backend. */
abstract class BucketContractTest {
  Bucket bucket;

  @TempDir Path scratch;

  /** A fresh, empty bucket for one test. */
  abstract Bucket openBucket() throws Exception;

  @BeforeEach
  void open() throws Exception {
    bucket = openBucket();
  }

  @AfterEach
  void close() throws Exception {
    bucket.close();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String read(InputStream in) throws IOException {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void uploadedObjectReadsBackWhole() throws Exception {
    bucket.upload("tenant/block/meta.json", utf8("{\"version\":1}"));

    assertThat(read(bucket.get("tenant/block/meta.json"))).isEqualTo("{\"version\":1}");
  }

  @Test
  void uploadReplacesAnExistingObject() throws Exception {
    bucket.upload("obj", utf8("old content"));
    bucket.upload("obj", utf8("new"));

    assertThat(read(bucket.get("obj"))).isEqualTo("new");
    assertThat(bucket.attributes("obj").sizeBytes()).isEqualTo(3);
  }

  @Test
  void rangeReadReturnsTheRequestedBytes() throws Exception {
    bucket.upload("chunks/000001", utf8("0123456789"));

    assertThat(read(bucket.getRange("chunks/000001", 0, 3))).isEqualTo("012");
    assertThat(read(bucket.getRange("chunks/000001", 4, 2))).isEqualTo("45");
    assertThat(read(bucket.getRange("chunks/000001", 9, 1))).isEqualTo("9");
  }

  @Test
  void rangeReachingPastTheEndIsCutAndRangePastTheEndIsEmpty() throws Exception {
    bucket.upload("obj", utf8("0123456789"));

    assertThat(read(bucket.getRange("obj", 7, 100))).isEqualTo("789");
    assertThat(read(bucket.getRange("obj", 0, Long.MAX_VALUE))).isEqualTo("0123456789");
    assertThat(read(bucket.getRange("obj", 10, 5))).isEmpty();
    assertThat(read(bucket.getRange("obj", 3, 0))).isEmpty();
  }

  @Test
  void negativeRangeIsRejected() throws Exception {
    bucket.upload("obj", utf8("x"));

    assertThatThrownBy(() -> bucket.getRange("obj", -1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> bucket.getRange("obj", 0, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void missingObjectIsReportedAsNoSuchObject() {
    assertThatThrownBy(() -> bucket.get("no/such/object"))
        .isInstanceOf(NoSuchObjectException.class)
        .hasMessageContaining("no/such/object");
    assertThatThrownBy(() -> bucket.getRange("no/such/object", 0, 10)).isInstanceOf(NoSuchObjectException.class);
    assertThatThrownBy(() -> bucket.getRange("no/such/object", 0, 0)).isInstanceOf(NoSuchObjectException.class);
    assertThatThrownBy(() -> bucket.attributes("no/such/object")).isInstanceOf(NoSuchObjectException.class);
  }

  @Test
  void existsTellsPresentFromAbsentObjects() throws Exception {
    bucket.upload("a/b", utf8("x"));

    assertThat(bucket.exists("a/b")).isTrue();
    assertThat(bucket.exists("a")).as("a directory is not an object").isFalse();
    assertThat(bucket.exists("a/c")).isFalse();
  }

  @Test
  void attributesGiveSizeAndModificationTime() throws Exception {
    Instant before = Instant.now().minusSeconds(2);
    bucket.upload("sized", new byte[1234]);
    Instant after = Instant.now().plusSeconds(2);

    ObjectAttributes attrs = bucket.attributes("sized");

    assertThat(attrs.sizeBytes()).isEqualTo(1234);
    assertThat(attrs.lastModified()).isBetween(before, after);
  }

  @Test
  void emptyObjectRoundTrips() throws Exception {
    bucket.upload("empty", new byte[0]);

    assertThat(bucket.exists("empty")).isTrue();
    assertThat(bucket.attributes("empty").sizeBytes()).isZero();
    assertThat(read(bucket.get("empty"))).isEmpty();
  }

  @Test
  void deleteRemovesTheObjectAndIsIdempotent() throws Exception {
    bucket.upload("dir/obj", utf8("x"));

    bucket.delete("dir/obj");
    bucket.delete("dir/obj");
    bucket.delete("never/existed");

    assertThat(bucket.exists("dir/obj")).isFalse();
    assertThatThrownBy(() -> bucket.get("dir/obj")).isInstanceOf(NoSuchObjectException.class);
    assertThat(bucket.list("")).as("no directory left behind").doesNotContain("dir/");
  }

  @Test
  void listGivesDirectChildrenWithDirectoriesEndingInSlash() throws Exception {
    for (String name : new String[] {"top", "a-x", "a/1", "a/2", "a/b/3", "a/b/c/4", "z/9"}) {
      bucket.upload(name, utf8(name));
    }

    assertThat(bucket.list("")).containsExactly("a-x", "a/", "top", "z/");
    assertThat(bucket.list("a")).containsExactly("a/1", "a/2", "a/b/");
    assertThat(bucket.list("a/")).containsExactly("a/1", "a/2", "a/b/");
    assertThat(bucket.list("a/b")).containsExactly("a/b/3", "a/b/c/");
    assertThat(bucket.list("missing")).isEmpty();
  }

  @Test
  void recursiveListGivesEveryObjectBelowTheDirectory() throws Exception {
    for (String name : new String[] {"top", "a-x", "a/1", "a/b/3", "a/b/c/4"}) {
      bucket.upload(name, utf8(name));
    }

    assertThat(bucket.list("a", true)).containsExactly("a/1", "a/b/3", "a/b/c/4");
    assertThat(bucket.list("", true)).containsExactly("a-x", "a/1", "a/b/3", "a/b/c/4", "top");
    assertThat(bucket.list("a/b/c/", true)).containsExactly("a/b/c/4");
  }

  @Test
  void iterPassesNamesToTheConsumerInOrder() throws Exception {
    bucket.upload("t/2", utf8("x"));
    bucket.upload("t/1", utf8("x"));
    var names = new java.util.ArrayList<String>();

    bucket.iter("t", false, names::add);

    assertThat(names).containsExactly("t/1", "t/2");
  }

  @Test
  void largeObjectUploadsFromANonResettableStreamAndFromAFile() throws Exception {
    byte[] content = new byte[1024 * 1024 + 17];
    new Random(42).nextBytes(content);
    InputStream nonResettable = new FilterInputStream(new ByteArrayInputStream(content)) {
      @Override
      public boolean markSupported() {
        return false;
      }
    };
    Path file = Files.write(scratch.resolve("upload.bin"), content);

    bucket.upload("big/from-stream", nonResettable, content.length);
    bucket.upload("big/from-file", file);

    try (InputStream in = bucket.get("big/from-stream")) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
    try (InputStream in = bucket.getRange("big/from-file", 1000, 70_000)) {
      assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(content, 1000, 71_000));
    }
  }

  @Test
  void invalidNamesAreRejected() {
    for (String bad : new String[] {"", "/abs", "trailing/", "a//b", "a/../b", "./a", ".."}) {
      assertThatThrownBy(() -> bucket.upload(bad, utf8("x")))
          .as("name %s", bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> bucket.get("../escape")).isInstanceOf(IllegalArgumentException.class);
  }
}
