package io.narthex.blocks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.tsdb.block.BlockMeta;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockMetaFileTest {
  @TempDir Path tmp;

  @Test
  void parsesTheMetaJsonBlockWriterWrites() throws Exception {
    BlockMeta written = TestBlocks.write(tmp, TestBlocks.series(3));

    BlockMetaFile meta = BlockMetaFile.parse(Files.readAllBytes(written.dir().resolve("meta.json")));

    assertThat(meta.ulid()).isEqualTo(written.ulid());
    assertThat(meta.minTimeMs()).isEqualTo(TestBlocks.T0);
    assertThat(meta.maxTimeMs()).isEqualTo(TestBlocks.T0 + TestBlocks.BLOCK_RANGE_MS);
    assertThat(meta.stats()).isEqualTo(new BlockMetaFile.Stats(written.numSamples(), 3, written.numChunks()));
    assertThat(meta.compaction()).isEqualTo(new BlockMetaFile.Compaction(1, List.of(written.ulid())));
    assertThat(meta.version()).isEqualTo(1);
    assertThat(meta.thanos().source()).isEqualTo("receive");
    assertThat(meta.thanos().downsample().resolutionMs()).isZero();
    assertThat(meta.externalLabels()).isEmpty();
  }

  @Test
  void roundTripsThroughToJson() {
    BlockMetaFile meta = new BlockMetaFile("01JBZ5XQ8M3W2K9H7N6P4R1S0T", 1000, 2000,
        new BlockMetaFile.Stats(10, 2, 3), new BlockMetaFile.Compaction(2, List.of("01JBZ5XQ8M3W2K9H7N6P4R1S0T")),
        1, new BlockMetaFile.Thanos(Map.of("__org_id__", "t1"), new BlockMetaFile.Downsample(0), "upload",
            List.of(new BlockMetaFile.File("index", 123), new BlockMetaFile.File("meta.json", 0))));

    String json = new String(meta.toJson(), StandardCharsets.UTF_8);

    assertThat(BlockMetaFile.parse(meta.toJson())).isEqualTo(meta);
    assertThat(json).contains("\"minTime\" : 1000", "\"rel_path\" : \"index\"", "\"size_bytes\" : 123",
        "\"__org_id__\" : \"t1\"");
  }

  @Test
  void ignoresFieldsItDoesNotKnow() {
    String json = """
        {"ulid": "01JBZ5XQ8M3W2K9H7N6P4R1S0T", "minTime": 1, "maxTime": 2, "version": 1,
         "stats": {"numSamples": 5, "numTombstones": 0, "numFloatSamples": 5},
         "compaction": {"level": 3, "sources": [], "parents": [{"ulid": "x"}], "hints": ["from-out-of-order"]},
         "thanos": {"version": 1, "labels": {}, "segment_files": ["000001"]}, "futureField": true}
        """;

    BlockMetaFile meta = BlockMetaFile.parse(json.getBytes(StandardCharsets.UTF_8));

    assertThat(meta.compactionLevel()).isEqualTo(3);
    assertThat(meta.stats().numSamples()).isEqualTo(5);
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
