package io.narthex.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.narthex.ingester.client.ProtoConversions;
import io.narthex.ingester.client.WireFields;
import io.narthex.ingester.client.WireTimeSeries;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import io.narthex.tsdb.head.AppendResult;
import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.head.MemSeries;
import java.util.Arrays;
import java.util.Random;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The ingest hot path of one remote-write request of 2000 samples, reported per sample: snappy decompression, then
 * each series found in a real {@link Head} and every sample appended, either reading series in place as Narthex
 * does ({@link #readInPlaceAndAppend}) or through protobuf-java objects and label strings as it did before
 * ({@link #decodeAndAppend}).
 *
 * <p>Series are node-exporter-like, 9 labels each. {@code samplesPerSeries} is 10 (200 series of 10 samples) or 1
 * (2000 series of one sample, the shape Prometheus's queue manager usually sends). The series exist before
 * measurement, so the steady state is lookups and appends; each invocation shifts the request's timestamps by a
 * batch so that every sample is a fresh in-order append. The head is rebuilt every iteration to bound its size.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(RemoteWriteDecodeBenchmark.SAMPLES)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-XX:+UseCompactObjectHeaders", "--sun-misc-unsafe-memory-access=allow"})
public class RemoteWriteDecodeBenchmark {
  static final int SAMPLES = 2000;
  private static final long SCRAPE_INTERVAL_MS = 15_000;
  private static final long START_MS = 1_700_000_000_000L;
  private static final int SERIES_PER_INSTANCE = 100;
  private static final String[] METRICS = {
      "node_cpu_seconds_total", "node_cpu_guest_seconds_total", "node_disk_read_bytes_total",
      "node_disk_written_bytes_total", "node_disk_io_time_seconds_total", "node_network_receive_bytes_total",
      "node_network_transmit_bytes_total", "node_network_receive_packets_total",
      "node_network_transmit_packets_total", "node_schedstat_running_seconds_total"};
  private static final String[] MODES = {"idle", "user"};

  @Param({"10", "1"})
  public int samplesPerSeries;

  private byte[] compressed;
  private Head head;
  /** Added to every timestamp of the request, one batch later each invocation. */
  private long shiftMs;

  @Setup(Level.Trial)
  public void buildRequest() {
    Random random = new Random(42);
    int seriesCount = SAMPLES / samplesPerSeries;
    WriteRequest.Builder request = WriteRequest.newBuilder();
    for (int i = 0; i < seriesCount; i++) {
      TimeSeries.Builder series = TimeSeries.newBuilder();
      int withinInstance = i % SERIES_PER_INSTANCE;
      // Sorted by name, as Prometheus sends them.
      series.addLabels(label("__name__", METRICS[withinInstance / 10]))
          .addLabels(label("cluster", "eu-west-1-prod"))
          .addLabels(label("cpu", Integer.toString(withinInstance % 10 / 2)))
          .addLabels(label("env", "prod"))
          .addLabels(label("instance", "host-" + (i / SERIES_PER_INSTANCE) + ".eu-west-1.example.com:9100"))
          .addLabels(label("job", "node"))
          .addLabels(label("mode", MODES[withinInstance % 2]))
          .addLabels(label("region", "eu-west-1"))
          .addLabels(label("team", "infrastructure"));
      double value = random.nextInt(1_000_000);
      for (int s = 0; s < samplesPerSeries; s++) {
        value += Math.round(random.nextDouble() * 1500) / 100.0;
        series.addSamples(Sample.newBuilder().setTimestamp(START_MS + s * SCRAPE_INTERVAL_MS).setValue(value));
      }
      request.addTimeseries(series);
    }
    byte[] body = request.build().toByteArray();
    byte[] buffer = new byte[new SnappyCompressor().maxCompressedLength(body.length)];
    int length = new SnappyCompressor().compress(body, 0, body.length, buffer, 0, buffer.length);
    compressed = Arrays.copyOf(buffer, length);
  }

  private static Label label(String name, String value) {
    return Label.newBuilder().setName(name).setValue(value).build();
  }

  @Setup(Level.Iteration)
  public void createSeries() throws InvalidProtocolBufferException {
    head = new Head();
    for (TimeSeries series : decompressAndParse().getTimeseriesList()) {
      head.getOrCreate(ProtoConversions.labelsOfValidated(series.getLabelsList()));
    }
    shiftMs = 0;
  }

  private WriteRequest decompressAndParse() throws InvalidProtocolBufferException {
    int length = SnappyDecompressor.getUncompressedLength(compressed, 0);
    byte[] body = new byte[length];
    new SnappyDecompressor().decompress(compressed, 0, compressed.length, body, 0, length);
    return WriteRequest.parseFrom(body);
  }

  @Benchmark
  public void decodeAndAppend(Blackhole blackhole) throws InvalidProtocolBufferException {
    WriteRequest request = decompressAndParse();
    long shift = shiftMs;
    shiftMs += samplesPerSeries * SCRAPE_INTERVAL_MS;
    int accepted = 0;
    for (int i = 0; i < request.getTimeseriesCount(); i++) {
      TimeSeries wire = request.getTimeseries(i);
      MemSeries series = head.getOrCreate(ProtoConversions.labelsOfValidated(wire.getLabelsList()));
      for (int s = 0; s < wire.getSamplesCount(); s++) {
        Sample sample = wire.getSamples(s);
        if (head.append(series, sample.getTimestamp() + shift, sample.getValue()) == AppendResult.OK) {
          accepted++;
        }
      }
    }
    blackhole.consume(accepted);
  }

  private final WireFields wireRequest = new WireFields(2);
  private final WireTimeSeries wireSeries = new WireTimeSeries();
  private byte[] body = new byte[0];

  /**
   * The path requests take now: series read in place ({@link WireTimeSeries}) and found in the head by their
   * identity, as a shard's state machine does; {@link #decodeAndAppend} is the protobuf path it replaced.
   */
  @Benchmark
  public void readInPlaceAndAppend(Blackhole blackhole) {
    int length = SnappyDecompressor.getUncompressedLength(compressed, 0);
    if (body.length < length) {
      body = new byte[length];
    }
    new SnappyDecompressor().decompress(compressed, 0, compressed.length, body, 0, length);
    WireFields request = wireRequest.reset(body, 0, length);
    long shift = shiftMs;
    shiftMs += samplesPerSeries * SCRAPE_INTERVAL_MS;
    int accepted = 0;
    for (int i = 0; i < request.count(1); i++) {
      WireTimeSeries wire = wireSeries.reset(body, request.offset(1, i), request.length(1, i));
      MemSeries series = head.getOrCreate(wire);
      for (int s = 0; s < wire.sampleCount(); s++) {
        if (head.append(series, wire.timestampMs(s) + shift, wire.sampleValue(s)) == AppendResult.OK) {
          accepted++;
        }
      }
    }
    blackhole.consume(accepted);
  }

  /** Snappy and protobuf alone, to split the figure above into decode and head. */
  @Benchmark
  public void decodeOnly(Blackhole blackhole) throws InvalidProtocolBufferException {
    blackhole.consume(decompressAndParse());
  }
}
