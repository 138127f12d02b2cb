package io.narthex.bench;

import io.airlift.compress.snappy.SnappyDecompressor;
import io.narthex.distributor.Distributor;
import io.narthex.distributor.DistributorMetrics;
import io.narthex.distributor.TenantLimits;
import io.narthex.distributor.ValidationLimits;
import io.narthex.ingester.client.ShardWriter;
import io.narthex.proto.ingester.PushResponse;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The distributor's work on one remote-write request of 1,000 series (one sample each, the write generator's node
 * label shape), reported per series, between the HTTP server and the Raft client: {@link #push} is snappy
 * decompression of the body then {@link Distributor#push} to 3 shards whose writers discard the entries (the wire
 * checks, the shard hash, the entries built and snappy-compressed); {@link #checkAndShard} is the part before the
 * entries: decompression, the checks and the shard of each series. Run with {@code -prof gc} for bytes per series.
 *
 * <p>In the distributor's package so that it can call the package-private checks; the tenant has the limits
 * {@code bench/compare.sh} gives it (a rate limit that never refuses, no series limit).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(DistributorPushBenchmark.SERIES)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-XX:+UseCompactObjectHeaders", "--sun-misc-unsafe-memory-access=allow"})
public class DistributorPushBenchmark {
  static final int SERIES = 1000;
  private static final int SHARDS = 3;
  private static final String TENANT = "bench-0";

  private byte[] compressed;
  private Distributor distributor;

  /** A shard that takes every entry at once and keeps none. */
  private static final class DiscardingShard implements ShardWriter {
    private final CompletableFuture<PushResponse> accepted =
        CompletableFuture.completedFuture(PushResponse.getDefaultInstance());

    @Override
    public String name() {
      return "discard";
    }

    @Override
    public CompletableFuture<PushResponse> pushEntry(byte[] shardLogEntry) {
      return accepted;
    }

    @Override
    public void close() {}
  }

  @Setup(Level.Trial)
  public void setUp() {
    // A minute old: inside the distributor's window whenever the run happens.
    compressed = GeneratorRequests.compressed(SERIES, System.currentTimeMillis() - 60_000);
    List<ShardWriter> shards = new ArrayList<>();
    for (int i = 0; i < SHARDS; i++) {
      shards.add(new DiscardingShard());
    }
    TenantLimits limits = new TenantLimits(1e12, 2_000_000_000, 0, 0);
    distributor = new Distributor(shards, ValidationLimits.defaults(), tenant -> limits,
        new DistributorMetrics(new PrometheusRegistry()));
    if (!push().errors().isEmpty()) {
      throw new IllegalStateException("the request is refused, the benchmark measures acceptance: " + push().errors());
    }
  }

  private byte[] body = new byte[0];

  /**
   * Decompresses the request into {@link #body} as the distributor's PushHandler does, into a buffer kept from the last one.
   *
   * @return the body's length
   */
  private int decompress() {
    int length = SnappyDecompressor.getUncompressedLength(compressed, 0);
    if (body.length < length) {
      body = new byte[length];
    }
    return new SnappyDecompressor().decompress(compressed, 0, compressed.length, body, 0, length);
  }

  @Benchmark
  public Distributor.PushResult push() {
    int length = decompress();
    return distributor.push(TENANT, body, length);
  }
}
