package io.narthex.storegateway;

import io.narthex.blocks.BlockShipper;
import io.narthex.blocks.BucketIndexUpdater;
import io.narthex.objstore.Bucket;
import io.narthex.tsdb.block.BlockMeta;
import io.narthex.tsdb.block.BlockWriter;
import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.chunk.XorIterator;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Blocks for tests: series with one chunk of samples, written by {@link BlockWriter} and shipped to a bucket. */
public final class TestBlocks {
  /** 2024-01-01T00:00:00Z: blocks of tests start here, two hours each. */
  public static final long T0 = 1_704_067_200_000L;
  public static final long BLOCK_RANGE_MS = Duration.ofHours(2).toMillis();
  public static final long STEP_MS = 60_000L;

  private TestBlocks() {}

  /** A series with one sample every minute in {@code [fromMs, toMs)}, each value the sample's minute. */
  public static EncodedSeries series(long fromMs, long toMs, String... labels) {
    XorAppender appender = new XorAppender();
    for (long t = fromMs; t < toMs; t += STEP_MS) {
      appender.append(t, (double) (t / STEP_MS));
    }
    return new EncodedSeries(Labels.of(labels),
        List.of(new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes())));
  }

  /**
   * Writes block number {@code index} (covering {@code [T0 + index * 2h, T0 + (index + 1) * 2h)}) holding the given
   * metrics, each with {@code instances} series, ships it under the tenant and updates the tenant's bucket index.
   */
  public static BlockMeta shipBlock(Bucket bucket, String tenant, Path workDir, int index, int instances,
      String... metricNames) throws IOException {
    long minTimeMs = T0 + index * BLOCK_RANGE_MS;
    long maxTimeMs = minTimeMs + BLOCK_RANGE_MS;
    List<EncodedSeries> series = new ArrayList<>();
    for (String metric : metricNames) {
      for (int i = 0; i < instances; i++) {
        series.add(series(minTimeMs, maxTimeMs, "__name__", metric, "instance", "host-" + i, "tenant", tenant));
      }
    }
    return shipBlock(bucket, tenant, workDir, series, minTimeMs, maxTimeMs);
  }

  /** Writes a block of the series, ships it under the tenant and updates the tenant's bucket index. */
  public static BlockMeta shipBlock(Bucket bucket, String tenant, Path workDir, List<EncodedSeries> series,
      long minTimeMs, long maxTimeMs) throws IOException {
    BlockMeta meta = BlockWriter.write(workDir.resolve(tenant), series, minTimeMs, maxTimeMs, Map.of());
    BlockShipper.upload(bucket, tenant, meta.dir());
    BucketIndexUpdater.update(bucket, tenant);
    return meta;
  }

  /** The samples of a series' chunks, as "timestamp=value" strings. */
  public static List<String> samples(EncodedSeries series) {
    List<String> out = new ArrayList<>();
    for (EncodedChunk chunk : series.chunks()) {
      XorIterator it = new XorIterator(chunk.data());
      while (it.next()) {
        out.add(it.timestampMs() + "=" + it.value());
      }
    }
    return out;
  }

  /** A gateway config under {@code dataDir} for gateway {@code id} of {@code ids}. */
  public static StoreGatewayConfig config(Path dataDir, String id, List<String> ids, int replicationFactor) {
    return StoreGatewayConfig.defaults(dataDir).withRing(id, ids, replicationFactor);
  }
}
