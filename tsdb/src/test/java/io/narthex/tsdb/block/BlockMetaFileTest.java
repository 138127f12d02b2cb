package io.narthex.tsdb.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockMetaFileTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final String ULID = "01JBZ5XQ8M3W2K9H7N6P4R1S0T";

  @TempDir Path tmp;

  /** meta.json as the hand-built writer BlockWriter had until this codec (commit c41ad7b) wrote it. */
  private static byte[] fixture(String name) throws IOException {
    try (InputStream in = BlockMetaFileTest.class.getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }

  @Test
  void rewritesMetaJsonOfEarlierVersionsByteForByte() throws IOException {
    for (String name : List.of("level1-meta.json", "compacted-meta.json")) {
      byte[] old = fixture(name);

      assertThat(new String(BlockMetaFile.parse(old).toJson(), StandardCharsets.UTF_8))
          .as(name)
          .isEqualTo(new String(old, StandardCharsets.UTF_8));
    }
  }

  @Test
  void readsEveryFieldOfAnEarlierCompactedBlock() throws IOException {
    BlockMetaFile meta = BlockMetaFile.parse(fixture("compacted-meta.json"));

    assertThat(meta.ulid()).isEqualTo("01JC0000000000000000000009");
    assertThat(meta.stats()).isEqualTo(new BlockMetaFile.Stats(1234, 5, 17));
    assertThat(meta.compaction()).isEqualTo(new BlockMetaFile.Compaction(2,
        List.of("01JC0000000000000000000001", "01JC0000000000000000000003"),
        List.of(new BlockMetaFile.Parent("01JC0000000000000000000001", 1_700_000_000_000L, 1_700_003_600_000L),
            new BlockMetaFile.Parent("01JC0000000000000000000003", 1_700_003_600_000L, 1_700_007_200_000L))));
    assertThat(meta.externalLabels())
        .containsExactly(Map.entry("__narthex_shard__", "3"), Map.entry("__org_id__", "team-a"));
    assertThat(meta.thanos().source()).isEqualTo("compactor");
    assertThat(meta.appliedTombstones()).isEmpty();
    assertThat(meta.otherFields()).isEmpty();
  }

  @Test
  void parsesTheMetaJsonBlockWriterWrites() throws IOException {
    XorAppender chunk = new XorAppender(64);
    chunk.append(T0, 1.0);
    chunk.append(T0 + 1000, 2.0);
    EncodedSeries series = new EncodedSeries(new Labels.Builder().set(Labels.METRIC_NAME, "up").build(),
        List.of(new EncodedChunk(chunk.minTimeMs(), chunk.maxTimeMs(), chunk.bytes())));
    BlockMeta written = BlockWriter.write(tmp, List.of(series), T0, T0 + 7_200_000, Map.of("__org_id__", "t1"));

    BlockMetaFile meta = BlockMetaFile.parse(Files.readAllBytes(written.dir().resolve(BlockMetaFile.FILENAME)));

    assertThat(meta.ulid()).isEqualTo(written.ulid());
    assertThat(meta.minTimeMs()).isEqualTo(T0);
    assertThat(meta.maxTimeMs()).isEqualTo(T0 + 7_200_000);
    assertThat(meta.stats()).isEqualTo(new BlockMetaFile.Stats(2, 1, 1));
    assertThat(meta.compaction()).isEqualTo(new BlockMetaFile.Compaction(1, List.of(written.ulid())));
    assertThat(meta.version()).isEqualTo(1);
    assertThat(meta.thanos().source()).isEqualTo("receive");
    assertThat(meta.thanos().downsample().resolutionMs()).isZero();
    assertThat(meta.externalLabels()).containsExactly(Map.entry("__org_id__", "t1"));
  }

  @Test
  void roundTripsThroughToJson() {
    BlockMetaFile meta = new BlockMetaFile(ULID, 1000, 2000, new BlockMetaFile.Stats(10, 2, 3),
        new BlockMetaFile.Compaction(2, List.of(ULID)), 1,
        new BlockMetaFile.Thanos(Map.of("__org_id__", "t1"), new BlockMetaFile.Downsample(0), "upload",
            List.of(new BlockMetaFile.File("index", 123), new BlockMetaFile.File("meta.json", 0))))
        .withNarthex(new BlockMetaFile.Narthex(Set.of("b", "a")));

    String json = new String(meta.toJson(), StandardCharsets.UTF_8);

    assertThat(BlockMetaFile.parse(meta.toJson())).isEqualTo(meta);
    assertThat(json).contains("\t\"minTime\": 1000,\n", "\"rel_path\": \"index\"", "\"size_bytes\": 123",
        "\"__org_id__\": \"t1\"", "\"narthex\": {\n\t\t\"applied_tombstones\": [\n\t\t\t\"a\",\n\t\t\t\"b\"\n");
  }

  @Test
  void keepsKeysItDoesNotKnowAtTheTopAndInEverySection() {
    String json = """
        {"ulid": "01JBZ5XQ8M3W2K9H7N6P4R1S0T", "minTime": 1, "maxTime": 2, "version": 1,
         "stats": {"numSamples": 5, "numTombstones": 0, "numFloatSamples": 5},
         "compaction": {"level": 3, "sources": ["01JBZ5XQ8M3W2K9H7N6P4R1S0T"], "parents": [{"ulid": "x"}],
                        "hints": ["from-out-of-order"]},
         "thanos": {"version": 1, "labels": {}, "segment_files": ["000001"], "index_stats": {"series_max_size": 9}},
         "narthex": {"applied_tombstones": ["01JC0000000000000000000001"], "future_section_key": 2.5},
         "futureField": true}
        """;

    BlockMetaFile meta = BlockMetaFile.parse(json.getBytes(StandardCharsets.UTF_8));
    BlockMetaFile rewritten = BlockMetaFile.parse(meta.toJson());

    assertThat(rewritten).isEqualTo(meta);
    assertThat(rewritten.compactionLevel()).isEqualTo(3);
    assertThat(rewritten.compaction().parents()).containsExactly(new BlockMetaFile.Parent("x", 0, 0));
    assertThat(rewritten.otherFields()).containsExactly(Map.entry("futureField", true));
    assertThat(rewritten.stats().otherFields())
        .containsExactly(Map.entry("numFloatSamples", 5), Map.entry("numTombstones", 0));
    assertThat(rewritten.compaction().otherFields()).containsExactly(Map.entry("hints", List.of("from-out-of-order")));
    assertThat(rewritten.thanos().otherFields()).containsExactly(
        Map.entry("index_stats", Map.of("series_max_size", 9)), Map.entry("segment_files", List.of("000001")),
        Map.entry("version", 1));
    assertThat(rewritten.narthex().otherFields()).containsExactly(Map.entry("future_section_key", 2.5));
    assertThat(rewritten.appliedTombstones()).containsExactly("01JC0000000000000000000001");
  }

  @Test
  void replacingTheNarthexSectionKeepsEveryOtherKey() {
    String json = """
        {"ulid": "01JBZ5XQ8M3W2K9H7N6P4R1S0T", "minTime": 1, "maxTime": 2, "version": 1,
         "thanos": {"labels": {"__org_id__": "t"}, "segment_files": ["000001"]}, "futureField": {"a": [1, 2]}}
        """;

    BlockMetaFile patched = BlockMetaFile.parse(BlockMetaFile.parse(json.getBytes(StandardCharsets.UTF_8))
        .withNarthex(new BlockMetaFile.Narthex(Set.of("01JC0000000000000000000001"))).toJson());

    assertThat(patched.appliedTombstones()).containsExactly("01JC0000000000000000000001");
    assertThat(patched.otherFields()).containsExactly(Map.entry("futureField", Map.of("a", List.of(1, 2))));
    assertThat(patched.thanos().otherFields()).containsExactly(Map.entry("segment_files", List.of("000001")));
    assertThat(patched.externalLabels()).containsExactly(Map.entry("__org_id__", "t"));
  }

  @Test
  void rejectsBadInputNamingWhatIsWrong() {
    assertThatThrownBy(() -> BlockMetaFile.parse("not json".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("malformed meta.json");
    assertThatThrownBy(() -> BlockMetaFile.parse("{\"minTime\": 1, \"maxTime\": 2, \"version\": 1}"
        .getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ulid");
    assertThatThrownBy(() -> BlockMetaFile.parse(("{\"ulid\": \"01JBZ5XQ8M3W2K9H7N6P4R1S0T\", \"minTime\": 1, "
        + "\"version\": 1}").getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxTime");
    assertThatThrownBy(() -> BlockMetaFile.parse(("{\"ulid\": \"01JBZ5XQ8M3W2K9H7N6P4R1S0T\", \"minTime\": \"x\", "
        + "\"maxTime\": 2, \"version\": 1}").getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("malformed meta.json");
  }
}
