package io.narthex.compactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.tsdb.block.BlockMetaFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockInfoTest {
  private static final String META_JSON = """
      {"ulid": "01JC0000000000000000000009", "minTime": 0, "maxTime": 7200000, "version": 1,
       "compaction": {"level": 2, "sources": ["01JC0000000000000000000003", "01JC0000000000000000000001"],
                      "parents": [{"ulid": "01JC0000000000000000000001", "minTime": 0, "maxTime": 3600000},
                                  {"ulid": "01JC0000000000000000000003", "minTime": 3600000, "maxTime": 7200000}]},
       "thanos": {"labels": {"__org_id__": "t"}, "source": "compactor", "segment_files": ["000001"]},
       "narthex": {"applied_tombstones": ["01JD0000000000000000000001"], "later_key": "kept"},
       "futureField": 1}
      """;

  @TempDir Path tmp;

  @Test
  void readsLevelSourcesParentsAndAppliedTombstones() {
    BlockInfo info = BlockInfo.parse(META_JSON.getBytes(StandardCharsets.UTF_8));

    assertThat(info.level()).isEqualTo(2);
    assertThat(info.sources()).containsExactly("01JC0000000000000000000001", "01JC0000000000000000000003");
    assertThat(info.parents()).containsExactly("01JC0000000000000000000001", "01JC0000000000000000000003");
    assertThat(info.appliedTombstones()).containsExactly("01JD0000000000000000000001");
  }

  @Test
  void writingAppliedTombstonesKeepsEveryOtherKeyIncludingTheNarthexSectionsOwn() throws IOException {
    Path metaJson = Files.writeString(tmp.resolve(BlockMetaFile.FILENAME), META_JSON);

    BlockInfo.writeAppliedTombstones(metaJson, Set.of("01JD0000000000000000000002", "01JD0000000000000000000001"));

    BlockMetaFile written = BlockMetaFile.parse(Files.readAllBytes(metaJson));
    assertThat(written.appliedTombstones())
        .containsExactly("01JD0000000000000000000001", "01JD0000000000000000000002");
    assertThat(written.narthex().otherFields()).containsExactly(Map.entry("later_key", "kept"));
    assertThat(written.otherFields()).containsExactly(Map.entry("futureField", 1));
    assertThat(written.thanos().otherFields()).containsExactly(Map.entry("segment_files", List.of("000001")));
    assertThat(written.compaction().parents()).hasSize(2);
  }
}
