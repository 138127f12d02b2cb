package io.narthex.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import io.narthex.ingester.ShardHeads;
import io.narthex.proto.ingester.PushRequest;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.tsdb.head.HeadOptions;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a shard's state machine does per push, {@link ShardHeads#pushEncoded} over encoded series it already holds,
 * allocates nothing per sample between chunk cuts: labels stay bytes, series are found by their identity.
 */
class IngesterPushAllocationTest {
  private static final int SERIES = 1_000;
  private static final int SAMPLES_PER_CHUNK = HeadOptions.DEFAULT.samplesPerChunk();
  /** Long enough for the JIT; ends on the scrape that cuts a chunk in every series. */
  private static final int WARM_UP_SCRAPES = 17 * SAMPLES_PER_CHUNK + 1;
  private static final long START_MS = 1_700_000_000_000L;

  private final ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
  private final ShardHeads ingester = new ShardHeads();
  private byte[] request;
  /** Per series, where its one sample's value (8 bytes) and timestamp (6-byte varint) are, to rewrite in place. */
  private final int[] valueOffsets = new int[SERIES];
  private final int[] timestampOffsets = new int[SERIES];
  private int scrapes;

  @BeforeEach
  void warmUp() {
    assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
    threads.setThreadAllocatedMemoryEnabled(true);
    PushRequest.Builder push = PushRequest.newBuilder().setTenant("tenant-1");
    for (int i = 0; i < SERIES; i++) {
      push.addTimeseries(TimeSeries.newBuilder()
          .addLabels(label("__name__", "node_cpu_seconds_total"))
          .addLabels(label("cpu", Integer.toString(i % 16)))
          .addLabels(label("instance", "host-" + (i / 16) + ".example.com:9100"))
          .addLabels(label("job", "node"))
          .addLabels(label("mode", "idle"))
          .addSamples(Sample.newBuilder().setTimestamp(START_MS).setValue(0.5)));
    }
    request = push.build().toByteArray();
    // Each sample is encoded as 0x09, the value, 0x10, the timestamp: find them in series order.
    int found = 0;
    for (int at = 0; at + 10 < request.length && found < SERIES; at++) {
      if (request[at] == 0x09 && request[at + 9] == 0x10
          && ByteBuffer.wrap(request, at + 1, 8).order(ByteOrder.LITTLE_ENDIAN).getDouble() == 0.5) {
        valueOffsets[found] = at + 1;
        timestampOffsets[found] = at + 10;
        found++;
      }
    }
    assertThat(found).isEqualTo(SERIES);
    for (int i = 0; i < WARM_UP_SCRAPES; i++) {
      pushNext();
    }
  }

  private static Label label(String name, String value) {
    return Label.newBuilder().setName(name).setValue(value).build();
  }

  /** Rewrites every sample to the next scrape (counter-like values) and pushes the request. */
  private long pushNext() {
    scrapes++;
    long timestampMs = START_MS + scrapes * 15_000L;
    ByteBuffer values = ByteBuffer.wrap(request).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < SERIES; i++) {
      values.putDouble(valueOffsets[i], scrapes * (1.5 + i % 7) + (i % 3) * 0.25);
      long t = timestampMs;
      for (int b = 0; b < 6; b++) {
        request[timestampOffsets[i] + b] = (byte) ((t & 0x7f) | (b < 5 ? 0x80 : 0));
        t >>>= 7;
      }
    }
    PushResponse response = ingester.pushEncoded(request, 0, request.length);
    return response.getAcceptedSamples();
  }

  @Test
  void pushesBetweenChunkCutsAllocateNothingPerSample() {
    int window = SAMPLES_PER_CHUNK / 2;
    long before = threads.getCurrentThreadAllocatedBytes();
    long stored = 0;
    for (int i = 0; i < window; i++) {
      stored += pushNext();
    }
    long allocatedBytes = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(stored).isEqualTo((long) SERIES * window);
    assertThat(ingester.head("tenant-1").numSeries()).isEqualTo(SERIES);
    System.out.printf("ingester push between cuts: %,d bytes allocated for %,d samples, %.3f bytes/sample%n",
        allocatedBytes, stored, (double) allocatedBytes / stored);
    // What a request allocates once (its tenant string, the response, a metric lookup) spread over its samples.
    assertThat((double) allocatedBytes / stored).as("bytes allocated per pushed sample").isLessThan(1);
  }
}
