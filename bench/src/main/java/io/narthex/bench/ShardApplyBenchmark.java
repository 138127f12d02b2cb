package io.narthex.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import io.narthex.ingester.ShardHeads;
import io.narthex.ingester.client.WireFields;
import io.narthex.proto.ingester.PushRequest;
import io.narthex.proto.ingester.SeriesLimits;
import io.narthex.proto.prompb.TimeSeries;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a shard's state machine does per sample of a push once the push is decompressed: {@link ShardHeads#pushEncoded}
 * over series the head already holds (find each series by its identity, append its sample), reported per sample. The
 * head holds {@code series} series (whole requests of them) of {@code bench/narthex-bench write}'s node shape (9-11
 * labels); each push is what one of three shards gets of a request of 2001 series (every third series, 667, as the
 * shard hash spreads them), with the series caps the distributor sends by default, so it takes the path of a production
 * push. Each invocation pushes the next request with its timestamps one 15 s round later, so every sample is an
 * in-order append; chunks are cut every 120 rounds as in production. At 100k series the head's tables and series no
 * longer fit the caches, as in an ingester under {@code bench/compare.sh}'s load.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-XX:+UseCompactObjectHeaders", "--sun-misc-unsafe-memory-access=allow"})
public class ShardApplyBenchmark {
  /** 2001 rather than the generator's 2000, so that each shard's push holds exactly 667 series. */
  private static final int REQUEST_SERIES = 2001;
  private static final int SHARDS = 3;
  private static final long SCRAPE_INTERVAL_MS = 15_000;
  /** Timestamps stay 6-byte varints ([2^35, 2^42) ms), so they are rewritten in place. */
  private static final long START_MS = 1_700_000_000_000L;
  private static final int TIMESTAMP_BYTES = 6;

  @Param({"10000", "100000"})
  public int series;

  private ShardHeads heads;
  private final List<byte[]> pushes = new ArrayList<>();
  /** Per push, the end offset of each series in it: its sample's varint timestamp is the last 6 bytes. */
  private final List<int[]> seriesEnds = new ArrayList<>();
  private byte[] push = new byte[0];
  private int next;
  private long round;

  @Setup(Level.Trial)
  public void createSeries() throws InvalidProtocolBufferException {
    SeriesPlan plan = new SeriesPlan(LabelShape.node, "bench", series, 1, REQUEST_SERIES, 0);
    SeriesLimits caps = SeriesLimits.newBuilder().setLimitSeries(true).setMaxSeries(150_000).build();
    for (SeriesPlan.Batch batch : plan.batches()) {
      if (batch.size() < REQUEST_SERIES) {
        continue; // pushes of one size only, for a per-sample figure
      }
      for (int shard = 0; shard < SHARDS; shard++) {
        addPush(plan, caps, batch, shard);
      }
    }
    heads = new ShardHeads();
    round = 0;
    for (int p = 0; p < pushes.size(); p++) {
      pushNext();
    }
  }

  /** The push of the batch's series that fall to {@code shard}: every third, as a hash spreads them. */
  private void addPush(SeriesPlan plan, SeriesLimits caps, SeriesPlan.Batch batch, int shard)
      throws InvalidProtocolBufferException {
    PushRequest.Builder push = PushRequest.newBuilder().setTenant("bench-0").setSeriesLimits(caps);
    for (int i = batch.from() + shard; i < batch.to(); i += SHARDS) {
      TimeSeries.Builder timeSeries = TimeSeries.parseFrom(plan.encodedLabels(i, 0)).toBuilder();
      timeSeries.addSamplesBuilder().setTimestamp(START_MS)
          .setValue(LabelShape.value(i / LabelShape.FAMILY_SERIES, i % LabelShape.FAMILY_SERIES, 0));
      push.addTimeseries(timeSeries);
    }
    byte[] encoded = push.build().toByteArray();
      WireFields fields = new WireFields(encoded, 0, encoded.length, 3);
      int[] ends = new int[fields.count(2)];
      for (int s = 0; s < ends.length; s++) {
        ends[s] = fields.offset(2, s) + fields.length(2, s);
      }
    pushes.add(encoded);
    seriesEnds.add(ends);
  }

  /** Pushes the next request of the round, its timestamps set to the round's. */
  private long pushNext() {
    if (next == pushes.size()) {
      next = 0;
      round++;
    }
    // Copied into one buffer, as the state machine decompresses each push into its own: the bytes are in the cache.
    byte[] encoded = pushes.get(next);
    if (push.length < encoded.length) {
      push = new byte[encoded.length];
    }
    System.arraycopy(encoded, 0, push, 0, encoded.length);
    int[] ends = seriesEnds.get(next);
    next++;
    long timestampMs = START_MS + round * SCRAPE_INTERVAL_MS;
    for (int end : ends) {
      long t = timestampMs;
      for (int b = end - TIMESTAMP_BYTES; b < end; b++) {
        push[b] = (byte) ((t & 0x7f) | (b < end - 1 ? 0x80 : 0));
        t >>>= 7;
      }
    }
    long accepted = heads.pushEncoded(push, 0, encoded.length).getAcceptedSamples();
    if (accepted != ends.length) {
      throw new IllegalStateException("push took " + accepted + " of " + ends.length + " samples");
    }
    return accepted;
  }

  /** One push of 667 samples, one per series, of series the head holds. */
  @Benchmark
  @OperationsPerInvocation(REQUEST_SERIES / SHARDS)
  public long pushKnownSeries() {
    return pushNext();
  }
}
