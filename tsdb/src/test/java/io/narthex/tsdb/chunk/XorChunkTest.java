package io.narthex.tsdb.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.tsdb.storage.StaleMarker;
import java.util.Random;
import org.junit.jupiter.api.Test;

class XorChunkTest {
  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  @Test
  void oneSampleChunkHasTheExactPrometheusBytes() {
    XorAppender appender = new XorAppender();
    appender.append(1000, 1.0);
    // count 1, varint(1000) = d0 0f, then the raw bits of 1.0.
    assertThat(appender.bytes()).containsExactly(bytes(0x00, 0x01, 0xd0, 0x0f, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0));
  }

  @Test
  void threeSampleChunkHasTheExactPrometheusBytes() {
    XorAppender appender = new XorAppender();
    appender.append(1000, 1.0);
    appender.append(2000, 1.0);
    appender.append(3000, 2.0);
    // Sample 2: uvarint(1000) = e8 07, value unchanged '0'. Sample 3: dod '0'; xor 0x7ff0.. is new: '11', leading
    // 00001, sigbits 001011 (11), then 11 ones: bits 0 0 11 0000 | 1 001011 1 | 11111111 | 11 000000.
    assertThat(appender.bytes())
        .containsExactly(bytes(0x00, 0x03, 0xd0, 0x0f, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0xe8, 0x07, 0x30, 0x97, 0xff, 0xc0));
  }

  @Test
  void xorChunkRoundTripsTimestampsAndValueBitsIncludingStaleMarkersAndNaN() {
    long[] timestamps = {
      -5000, -4000, 0, 15_000, 30_000, 30_001, 30_001 + 8192 + 1, 40_000, 40_000 + 8193, 1_000_000, 1_000_001,
      1_000_002 + 65_536, 2_000_000_000L, 2_000_000_001L, 2_000_000_002L + (1L << 40), Long.MAX_VALUE / 4
    };
    double[] values = {
      1.0, 1.0, -0.0, 0.0, Double.NaN, StaleMarker.STALE_NAN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
      Double.MIN_VALUE, Double.MAX_VALUE, 123.456, -123.456, 1e-300, StaleMarker.STALE_NAN, 42, 42
    };
    XorAppender appender = new XorAppender(1);
    for (int i = 0; i < timestamps.length; i++) {
      appender.append(timestamps[i], values[i]);
    }
    XorChunk chunk = XorChunk.fromBytes(appender.bytes());
    assertThat(chunk.numSamples()).isEqualTo(timestamps.length);
    XorIterator it = chunk.iterator();
    for (int i = 0; i < timestamps.length; i++) {
      assertThat(it.next()).isTrue();
      assertThat(it.timestampMs()).isEqualTo(timestamps[i]);
      assertThat(Double.doubleToRawLongBits(it.value())).isEqualTo(Double.doubleToRawLongBits(values[i]));
    }
    assertThat(it.next()).isFalse();
    assertThat(StaleMarker.isStale(valueAt(chunk, 5))).isTrue();
  }

  private static double valueAt(XorChunk chunk, int index) {
    XorIterator it = chunk.iterator();
    for (int i = 0; i <= index; i++) {
      it.next();
    }
    return it.value();
  }

  @Test
  void deltaOfDeltaBucketBoundariesRoundTrip() {
    // Each bucket holds [-(2^(n-1) - 1), 2^(n-1)]; probe both edges and one past them.
    long[] dods = {0, 1, -1, 8192, -8191, 8193, -8192, 65536, -65535, 65537, -65536, 524288, -524287, 524289, -524288};
    XorAppender appender = new XorAppender();
    long t = 1_000_000_000L;
    long delta = 1_000_000;
    appender.append(t, 0);
    t += delta;
    appender.append(t, 0);
    long[] expected = new long[dods.length];
    for (int i = 0; i < dods.length; i++) {
      delta += dods[i];
      t += delta;
      expected[i] = t;
      appender.append(t, i);
    }
    XorIterator it = new XorIterator(appender.bytes());
    it.next();
    it.next();
    for (long e : expected) {
      assertThat(it.next()).isTrue();
      assertThat(it.timestampMs()).isEqualTo(e);
    }
  }

  @Test
  void randomSamplesRoundTrip() {
    Random random = new Random(7);
    for (int round = 0; round < 50; round++) {
      int n = 1 + random.nextInt(300);
      long[] ts = new long[n];
      double[] vs = new double[n];
      XorAppender appender = new XorAppender();
      long t = random.nextLong() >> 20;
      double v = random.nextDouble() * 100;
      for (int i = 0; i < n; i++) {
        t += random.nextInt(4) == 0 ? random.nextInt(1 << random.nextInt(30)) + 1 : 15_000;
        v = switch (random.nextInt(4)) {
          case 0 -> v;
          case 1 -> v + 1;
          case 2 -> Double.longBitsToDouble(random.nextLong());
          default -> random.nextInt(1000);
        };
        ts[i] = t;
        vs[i] = v;
        appender.append(t, v);
      }
      XorIterator it = new XorIterator(appender.bytes());
      for (int i = 0; i < n; i++) {
        assertThat(it.next()).isTrue();
        assertThat(it.timestampMs()).isEqualTo(ts[i]);
        assertThat(it.valueBits()).isEqualTo(Double.doubleToRawLongBits(vs[i]));
      }
      assertThat(it.next()).isFalse();
    }
  }

  @Test
  void seekMovesToTheFirstSampleAtOrAfterAndStaysPutWhenAlreadyThere() {
    XorAppender appender = new XorAppender();
    for (int i = 0; i < 10; i++) {
      appender.append(i * 10L, i);
    }
    XorIterator it = new XorIterator(appender.bytes());
    assertThat(it.seek(-5)).isTrue();
    assertThat(it.timestampMs()).isZero();
    assertThat(it.seek(35)).isTrue();
    assertThat(it.timestampMs()).isEqualTo(40);
    assertThat(it.seek(10)).isTrue();
    assertThat(it.timestampMs()).isEqualTo(40);
    assertThat(it.next()).isTrue();
    assertThat(it.timestampMs()).isEqualTo(50);
    assertThat(it.seek(91)).isFalse();
  }

  @Test
  void resumedAppenderContinuesTheChunk() {
    XorAppender first = new XorAppender();
    for (int i = 0; i < 5; i++) {
      first.append(i * 1000L, i * 1.5);
    }
    XorAppender resumed = XorChunk.fromBytes(first.bytes()).appender();
    for (int i = 5; i < 10; i++) {
      resumed.append(i * 1000L, i * 1.5);
      first.append(i * 1000L, i * 1.5);
    }
    assertThat(resumed.minTimeMs()).isZero();
    assertThat(resumed.maxTimeMs()).isEqualTo(9000);
    assertThat(resumed.bytes()).isEqualTo(first.bytes());
    XorIterator it = new XorIterator(resumed.bytes());
    for (int i = 0; i < 10; i++) {
      assertThat(it.next()).isTrue();
      assertThat(it.value()).isEqualTo(i * 1.5);
    }
    assertThat(it.next()).isFalse();
  }

  @Test
  void resumingAnEmptyChunkBehavesLikeAFreshAppender() {
    XorAppender fresh = new XorAppender();
    XorAppender resumed = XorChunk.fromBytes(fresh.bytes()).appender();
    fresh.append(1, 1);
    fresh.append(2, 3);
    resumed.append(1, 1);
    resumed.append(2, 3);
    assertThat(resumed.bytes()).isEqualTo(fresh.bytes());
  }

  @Test
  void resumeExactContinuesBitForBitWhereResumeDoesNot() {
    // Constant values never set an XOR window; resume() (as Prometheus) assumes a 0/0 window, resumeExact() none.
    double[][] prefixes = {{1}, {1, 1, 1}, {1, 2.5, 7, 7}};
    for (double[] prefix : prefixes) {
      XorAppender writer = new XorAppender();
      for (int i = 0; i < prefix.length; i++) {
        writer.append(i * 1000L, prefix[i]);
      }
      XorAppender exact = XorAppender.resumeExact(writer.bytes());
      XorAppender prometheus = XorAppender.resume(writer.bytes());
      for (int i = prefix.length; i < prefix.length + 5; i++) {
        writer.append(i * 1000L, i * 0.75);
        exact.append(i * 1000L, i * 0.75);
        prometheus.append(i * 1000L, i * 0.75);
      }
      assertThat(exact.bytes()).isEqualTo(writer.bytes());
      XorIterator it = new XorIterator(prometheus.bytes());
      for (int i = 0; i < prefix.length + 5; i++) {
        assertThat(it.next()).isTrue();
        assertThat(it.value()).isEqualTo(i < prefix.length ? prefix[i] : i * 0.75);
      }
    }
    XorAppender constant = new XorAppender();
    constant.append(0, 1);
    constant.append(1000, 1);
    XorAppender prometheus = XorAppender.resume(constant.bytes());
    constant.append(2000, 2);
    prometheus.append(2000, 2);
    assertThat(prometheus.bytes()).isNotEqualTo(constant.bytes());
  }

  @Test
  void rejectsBytesShorterThanTheHeaderAndAppendsPastTheCountLimit() {
    assertThatThrownBy(() -> XorChunk.fromBytes(new byte[1])).isInstanceOf(IllegalArgumentException.class);
    XorAppender appender = new XorAppender();
    for (int i = 0; i < XorChunk.MAX_SAMPLES; i++) {
      appender.append(i, 0);
    }
    assertThat(XorChunk.fromBytes(appender.bytes()).numSamples()).isEqualTo(65535);
    assertThatThrownBy(() -> appender.append(1_000_000, 0)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void encodingIdIsPrometheusEncXor() {
    assertThat(XorChunk.ENCODING).isEqualTo(1);
  }

  @Test
  void aResetAppenderEncodesTheNextChunkAsAFreshOneAndCopiesItOut() {
    XorAppender reused = new XorAppender(16);
    Random random = new Random(7);
    for (int i = 0; i < 200; i++) {
      reused.append(i * 15_000L + random.nextInt(50), random.nextDouble() * 1e6);
    }
    reused.reset();
    XorAppender fresh = new XorAppender();
    for (int i = 0; i < 120; i++) {
      long timestampMs = 5_000_000L + i * 15_000L;
      double value = i % 7 == 0 ? 1.5 : i * 0.25;
      reused.append(timestampMs, value);
      fresh.append(timestampMs, value);
    }

    assertThat(reused.bytes()).containsExactly(fresh.bytes());
    assertThat(reused.minTimeMs()).isEqualTo(5_000_000L);
    try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
      java.lang.foreign.MemorySegment segment = arena.allocate(reused.sizeBytes() + 3);
      reused.copyTo(segment, 3);
      assertThat(segment.asSlice(3).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).containsExactly(fresh.bytes());
    }
  }
}
