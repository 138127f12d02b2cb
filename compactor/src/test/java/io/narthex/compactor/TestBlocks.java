package io.narthex.compactor;

import io.narthex.blocks.BlockShipper;
import io.narthex.blocks.BucketBlockFiles;
import io.narthex.objstore.Bucket;
import io.narthex.tsdb.block.BlockMeta;
import io.narthex.tsdb.block.BlockReader;
import io.narthex.tsdb.block.BlockWriter;
import io.narthex.tsdb.chunk.XorAppender;
import io.narthex.tsdb.chunk.XorIterator;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongToDoubleFunction;

/** Real blocks written with {@link BlockWriter} and uploaded with {@link BlockShipper}, and ways to read them back. */
final class TestBlocks {
  static final long HOUR_MS = 3_600_000L;
  static final long STEP_MS = 15_000L;

  private TestBlocks() {}

  /** A series with a sample every {@code stepMs} in {@code [fromMs, toMs)}, 120 samples per chunk. */
  static EncodedSeries series(Labels labels, long fromMs, long toMs, long stepMs, LongToDoubleFunction value) {
    List<EncodedChunk> chunks = new ArrayList<>();
    XorAppender appender = null;
    for (long t = fromMs; t < toMs; t += stepMs) {
      if (appender == null || appender.numSamples() == 120) {
        if (appender != null) {
          chunks.add(new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes()));
        }
        appender = new XorAppender();
      }
      appender.append(t, value.applyAsDouble(t));
    }
    if (appender != null && appender.numSamples() > 0) {
      chunks.add(new EncodedChunk(appender.minTimeMs(), appender.maxTimeMs(), appender.bytes()));
    }
    return new EncodedSeries(labels, chunks);
  }

  /** {@code n} series {@code metric{instance="i-<k>"}} over {@code [fromMs, toMs)}, each value a function of (k, t). */
  static List<EncodedSeries> manySeries(String metric, int n, long fromMs, long toMs) {
    List<EncodedSeries> out = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      int series = k;
      out.add(series(Labels.of("__name__", metric, "instance", "i-" + k), fromMs, toMs, STEP_MS,
          t -> series * 1000.0 + (t / STEP_MS) % 977));
    }
    return out;
  }

  /** Writes a block (level 1) in {@code scratch} and uploads it as the tenant's; returns its ULID. */
  static String upload(Bucket bucket, String tenant, Path scratch, List<EncodedSeries> series, long minTimeMs,
      long maxTimeMs, Map<String, String> externalLabels) throws IOException {
    BlockMeta meta = BlockWriter.write(scratch, series, minTimeMs, maxTimeMs, externalLabels);
    BlockShipper.upload(bucket, tenant, meta.dir());
    return meta.ulid();
  }

  static String upload(Bucket bucket, String tenant, Path scratch, List<EncodedSeries> series, long minTimeMs,
      long maxTimeMs) throws IOException {
    return upload(bucket, tenant, scratch, series, minTimeMs, maxTimeMs,
        Map.of("__org_id__", tenant, "__narthex_shard__", "0"));
  }

  /** Every sample of the block, by series (label text) then timestamp, read from the bucket. */
  static Map<String, TreeMap<Long, Double>> samples(Bucket bucket, String tenant, String blockId) throws IOException {
    Map<String, TreeMap<Long, Double>> out = new TreeMap<>();
    BlockReader reader = BlockReader.open(blockId, new BucketBlockFiles(bucket, tenant, blockId));
    XorIterator it = new XorIterator();
    for (EncodedSeries s : reader.select(Long.MIN_VALUE, Long.MAX_VALUE, List.of())) {
      TreeMap<Long, Double> samples = out.computeIfAbsent(s.labels().toString(), l -> new TreeMap<>());
      for (EncodedChunk chunk : s.chunks()) {
        it.reset(chunk.data());
        while (it.next()) {
          Double previous = samples.put(it.timestampMs(), it.value());
          if (previous != null) {
            throw new AssertionError("duplicate sample at " + it.timestampMs() + " in " + s.labels());
          }
        }
      }
    }
    return out;
  }

  /** The samples of several blocks together; on equal timestamps the first block's value is kept. */
  static Map<String, TreeMap<Long, Double>> samples(Bucket bucket, String tenant, List<String> blockIds)
      throws IOException {
    Map<String, TreeMap<Long, Double>> out = new TreeMap<>();
    for (String blockId : blockIds) {
      samples(bucket, tenant, blockId).forEach((series, samples) -> {
        TreeMap<Long, Double> merged = out.computeIfAbsent(series, s -> new TreeMap<>());
        samples.forEach(merged::putIfAbsent);
      });
    }
    return out;
  }

  /** A clock tests move by hand. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    void set(Instant instant) {
      now = instant;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
