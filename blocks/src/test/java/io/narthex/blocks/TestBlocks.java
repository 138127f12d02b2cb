package io.narthex.blocks;

import io.narthex.tsdb.block.BlockMeta;
import io.narthex.tsdb.block.BlockWriter;
import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small real blocks written with {@link BlockWriter}, for the tests. */
final class TestBlocks {
  static final long T0 = 1_700_000_000_000L;
  static final long STEP_MS = 15_000;
  static final long BLOCK_RANGE_MS = 2 * 3600 * 1000L;

  private TestBlocks() {}

  /** {@code n} series {@code up{instance="i-<k>", job="node"}}, 120 samples each, one chunk each. */
  static List<EncodedSeries> series(int n) {
    List<EncodedSeries> out = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      out.add(series(Labels.of("__name__", "up", "job", "node", "instance", "i-" + k), k));
    }
    return out;
  }

  static EncodedSeries series(Labels labels, double base) {
    XorAppender appender = new XorAppender();
    for (int i = 0; i < 120; i++) {
      appender.append(T0 + i * STEP_MS, base + i);
    }
    return new EncodedSeries(labels,
        List.of(new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes())));
  }

  /** Writes a block of {@code series} over {@code [T0, T0 + 2h)} under {@code parentDir}. */
  static BlockMeta write(Path parentDir, List<EncodedSeries> series) throws IOException {
    return BlockWriter.write(parentDir, series, T0, T0 + BLOCK_RANGE_MS, Map.of());
  }
}
