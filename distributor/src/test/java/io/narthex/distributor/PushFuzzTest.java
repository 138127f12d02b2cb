package io.narthex.distributor;

import static org.assertj.core.api.Assertions.assertThat;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import io.narthex.common.TenantResolver;
import io.narthex.proto.prompb.Exemplar;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated remote-write bodies against the push handler over real in-process ingesters: a client's
 * bytes, however broken, get a 2xx or 4xx, never a 5xx or an escaped exception. A bounded run per build;
 * {@code -Dnarthex.fuzz.iterations=N -Dnarthex.fuzz.seed=S} runs longer or replays a failure.
 */
class PushFuzzTest {
  private static final long SEED = Long.getLong("narthex.fuzz.seed", 20261206L);
  private static final int ITERATIONS = Integer.getInteger("narthex.fuzz.iterations", 3000);
  private static final String[] VALUES = {"", "a", "up", "é", "日本", "\u0000", "a\"b\\c\nd", "x".repeat(600),
      "y".repeat(2049), "__name__", "0bad", "le", "\uD83D\uDE00"};

  private final SplittableRandom random = new SplittableRandom(SEED);
  private final IngesterShardWriter shard0 = new IngesterShardWriter();
  private final IngesterShardWriter shard1 = new IngesterShardWriter();
  private final PushHandler handler = new PushHandler(new Distributor(List.of(shard0, shard1),
      ValidationLimits.defaults(), tenant -> new TenantLimits(Double.POSITIVE_INFINITY, Integer.MAX_VALUE, 50, 10)),
      TenantResolver.DEFAULT, 1 << 20, new InflightPushes(0, 16 << 20));

  private String pick(String[] values) {
    return values[random.nextInt(values.length)];
  }

  private WriteRequest randomRequest(long nowMs) {
    WriteRequest.Builder request = WriteRequest.newBuilder();
    int seriesCount = random.nextInt(6);
    for (int s = 0; s < seriesCount; s++) {
      TimeSeries.Builder series = TimeSeries.newBuilder();
      if (random.nextInt(8) != 0) {
        series.addLabels(Label.newBuilder().setName("__name__").setValue(random.nextBoolean() ? "m" + random.nextInt(20)
            : pick(VALUES)));
      }
      int labels = random.nextInt(4);
      for (int l = 0; l < labels; l++) {
        String name = random.nextBoolean() ? "l" + (char) ('a' + random.nextInt(26)) : pick(VALUES);
        series.addLabels(Label.newBuilder().setName(name).setValue(pick(VALUES)));
      }
      int samples = random.nextInt(4);
      for (int i = 0; i < samples; i++) {
        long timestampMs = switch (random.nextInt(6)) {
          case 0 -> 0;
          case 1 -> Long.MIN_VALUE + random.nextInt(1000);
          case 2 -> Long.MAX_VALUE - random.nextInt(1000);
          case 3 -> nowMs - random.nextLong(40L * 86_400_000L);
          default -> nowMs - random.nextInt(600_000);
        };
        series.addSamples(Sample.newBuilder().setTimestamp(timestampMs)
            .setValue(random.nextInt(10) == 0 ? Double.NaN : random.nextDouble()));
      }
      if (random.nextInt(5) == 0) {
        series.addExemplars(Exemplar.newBuilder().setValue(1).setTimestamp(nowMs)
            .addLabels(Label.newBuilder().setName("trace_id").setValue(pick(VALUES))));
      }
      request.addTimeseries(series);
    }
    return request.build();
  }

  /** Flips, overwrites, drops, duplicates or truncates bytes; some bodies are left intact. */
  private byte[] mutate(byte[] bytes) {
    byte[] out = bytes;
    int mutations = random.nextInt(4);
    for (int m = 0; m < mutations && out.length > 0; m++) {
      int at = random.nextInt(out.length);
      switch (random.nextInt(5)) {
        case 0 -> out[at] ^= (byte) (1 << random.nextInt(8));
        case 1 -> out[at] = (byte) random.nextInt(256);
        case 2 -> {
          byte[] shorter = new byte[out.length - 1];
          System.arraycopy(out, 0, shorter, 0, at);
          System.arraycopy(out, at + 1, shorter, at, out.length - at - 1);
          out = shorter;
        }
        case 3 -> {
          int len = Math.min(out.length - at, 1 + random.nextInt(16));
          byte[] longer = Arrays.copyOf(out, out.length + len);
          System.arraycopy(out, at, longer, at + len, out.length - at);
          out = longer;
        }
        default -> out = Arrays.copyOf(out, at);
      }
    }
    return out;
  }

  @Test
  void randomAndMutatedPushesNeverGetAServerError() {
    long nowMs = System.currentTimeMillis();
    int[] byStatusClass = new int[6];
    for (int i = 0; i < ITERATIONS; i++) {
      byte[] protobuf = random.nextInt(10) == 0 ? randomBytes() : mutate(randomRequest(nowMs).toByteArray());
      byte[] body = PushHandlerTest.snappy(protobuf);
      if (random.nextInt(4) == 0) {
        body = mutate(body);
      }
      AggregatedHttpResponse response;
      try {
        response = handler.handle(PushHandlerTest.push("t" + random.nextInt(3), body)).aggregate().join();
      } catch (RuntimeException e) {
        throw new AssertionError("seed " + SEED + " iteration " + i + ": escaped " + e, e);
      }
      int status = response.status().code();
      byStatusClass[status / 100]++;
      assertThat(status).as("seed %d iteration %d: %s", SEED, i, response.contentUtf8()).isLessThan(500);
    }
    System.out.printf("push fuzz seed=%d iterations=%d 2xx=%d 4xx=%d series stored=%s%n", SEED, ITERATIONS,
        byStatusClass[2], byStatusClass[4], shard0.ingester.seriesPerTenant() + " " + shard1.ingester.seriesPerTenant());
    assertThat(byStatusClass[2]).as("some pushes were valid").isPositive();
    assertThat(byStatusClass[4]).as("some pushes were refused").isPositive();
  }

  private byte[] randomBytes() {
    byte[] bytes = new byte[random.nextInt(64)];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) random.nextInt(256);
    }
    return bytes;
  }
}
