package io.narthex.bench;

import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.narthex.ingester.client.PushEntryBuilder;
import io.narthex.ingester.client.WireFields;
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
 * What compressing a shard's log entry costs, per series: one shard's {@code PushRequest} of a 1,002-series request
 * of the write generator's node shape (334 series, one sample each, as the shard hash spreads them), compressed
 * once by the distributor and decompressed by each replica's state machine. Snappy is the log's codec
 * ({@code snappy_push}); LZ4 the cheaper one it could add. The setup prints each codec's bytes per series.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(LogEntryCodecBenchmark.SERIES)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-XX:+UseCompactObjectHeaders", "--sun-misc-unsafe-memory-access=allow"})
public class LogEntryCodecBenchmark {
  static final int SERIES = 334;
  private static final int SHARDS = 3;

  private final SnappyCompressor snappyCompressor = new SnappyCompressor();
  private final SnappyDecompressor snappyDecompressor = new SnappyDecompressor();
  private final Lz4Compressor lz4Compressor = new Lz4Compressor();
  private final Lz4Decompressor lz4Decompressor = new Lz4Decompressor();
  private byte[] push;
  private byte[] snappy;
  private int snappyLength;
  private byte[] lz4;
  private int lz4Length;
  private byte[] out;

  @Setup(Level.Trial)
  public void setUp() {
    byte[] compressed = GeneratorRequests.compressed(SHARDS * SERIES, System.currentTimeMillis());
    byte[] body = new byte[SnappyDecompressor.getUncompressedLength(compressed, 0)];
    new SnappyDecompressor().decompress(compressed, 0, compressed.length, body, 0, body.length);
    WireFields request = new WireFields(body, 0, body.length, 4);
    PushEntryBuilder entry = new PushEntryBuilder("bench-0");
    for (int i = 0; i < request.count(1); i += SHARDS) {
      entry.add(body, request.offset(1, i), request.length(1, i));
    }
    byte[] encoded = entry.build();
    WireFields fields = new WireFields(encoded, 0, encoded.length, 6);
    push = PushEntryBuilder.decompress(encoded, fields.offset(5, 0), fields.length(5, 0));
    snappy = new byte[snappyCompressor.maxCompressedLength(push.length)];
    snappyLength = snappyCompressor.compress(push, 0, push.length, snappy, 0, snappy.length);
    lz4 = new byte[lz4Compressor.maxCompressedLength(push.length)];
    lz4Length = lz4Compressor.compress(push, 0, push.length, lz4, 0, lz4.length);
    out = new byte[push.length];
    System.out.printf("%nbytes per series: uncompressed %.1f, snappy %.1f, lz4 %.1f%n", push.length / (double) SERIES,
        snappyLength / (double) SERIES, lz4Length / (double) SERIES);
  }

  @Benchmark
  public int snappyCompress() {
    return snappyCompressor.compress(push, 0, push.length, snappy, 0, snappy.length);
  }

  @Benchmark
  public int snappyDecompress() {
    return snappyDecompressor.decompress(snappy, 0, snappyLength, out, 0, out.length);
  }

  @Benchmark
  public int lz4Compress() {
    return lz4Compressor.compress(push, 0, push.length, lz4, 0, lz4.length);
  }

  @Benchmark
  public int lz4Decompress() {
    return lz4Decompressor.decompress(lz4, 0, lz4Length, out, 0, out.length);
  }
}
