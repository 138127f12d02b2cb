package io.narthex.compactor;

import static io.narthex.compactor.TestBlocks.HOUR_MS;
import static io.narthex.compactor.TestBlocks.manySeries;
import static io.narthex.compactor.TestBlocks.samples;
import static io.narthex.compactor.TestBlocks.upload;
import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.blocks.BucketIndex;
import io.narthex.objstore.Bucket;
import io.narthex.objstore.LocalS3ServerExtension;
import io.narthex.tsdb.storage.EncodedSeries;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The compactor over S3 (s3proxy): listing, ranged reads and deletes through the real client. */
class S3CompactorTest {
  @RegisterExtension static final LocalS3ServerExtension S3 = new LocalS3ServerExtension();

  @TempDir Path tmp;

  @Test
  void compactsVerticallyAndHorizontallyThenDeletesTheSourcesOnS3() throws Exception {
    long t0 = Math.floorDiv(System.currentTimeMillis() - 5 * 24 * HOUR_MS, 24 * HOUR_MS) * 24 * HOUR_MS;
    try (Bucket bucket = S3.server().newBucket("compactor-s3")) {
      // Two shards' blocks for each of three 2h ranges.
      List<String> sources = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        long min = t0 + i * 2 * HOUR_MS;
        for (int shard = 0; shard < 2; shard++) {
          List<EncodedSeries> series = manySeries("shard_" + shard, 50, min, min + 2 * HOUR_MS);
          sources.add(upload(bucket, "t", tmp.resolve("scratch"), series, min, min + 2 * HOUR_MS,
              Map.of("__org_id__", "t", "__narthex_shard__", Integer.toString(shard))));
        }
      }
      Map<String, TreeMap<Long, Double>> expected = samples(bucket, "t", sources);
      CompactorConfig config = CompactorConfig.defaults(tmp.resolve("data"))
          .withBlockRanges(List.of(Duration.ofHours(2), Duration.ofHours(6)))
          .withDeletionDelays(Duration.ZERO, Duration.ofDays(1));
      TestBlocks.MutableClock clock = new TestBlocks.MutableClock(Instant.now().plus(Duration.ofHours(1)));
      try (Compactor compactor = new Compactor(config, bucket, clock, tenant -> SeriesDeletions.NONE)) {
        PassResult result = compactor.runOnce();

        // Three vertical compactions at 2h, then one of their three blocks at 6h.
        assertThat(result.failures()).isZero();
        assertThat(result.groupsCompacted()).isEqualTo(4);
        assertThat(result.blocksDeleted()).isEqualTo(9);
        System.out.printf("S3 compaction: %d samples, %.0f samples/s%n", result.samplesCompacted(),
            result.samplesPerSecond());
      }
      BucketIndex index = BucketIndex.read(bucket, "t").orElseThrow();
      assertThat(index.blockDeletionMarks()).isEmpty();
      assertThat(index.blocks()).singleElement().satisfies(b -> {
        assertThat(b.compactionLevel()).isEqualTo(3);
        assertThat(b.minTimeMs()).isEqualTo(t0);
        assertThat(b.maxTimeMs()).isEqualTo(t0 + 6 * HOUR_MS);
      });
      assertThat(samples(bucket, "t", index.blocks().getFirst().blockId())).isEqualTo(expected);
      for (String source : sources) {
        assertThat(bucket.list("t/" + source + "/", true)).isEmpty();
      }
    }
  }
}
