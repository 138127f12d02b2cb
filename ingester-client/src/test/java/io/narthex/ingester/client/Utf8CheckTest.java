package io.narthex.ingester.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link WireTimeSeries#isValidUtf8}, the push path's one UTF-8 check, judges as the JDK's decoder did before it, and
 * {@link WireTimeSeries#identityLowOfValidUtf8}, which trusts that check, hashes as {@link WireTimeSeries#identityLow},
 * so no series changes shard.
 */
class Utf8CheckTest {
  private static final CharsetDecoder DECODER = StandardCharsets.UTF_8.newDecoder();
  private static final CharBuffer OUT = CharBuffer.allocate(1024);

  /** The JDK decoder's verdict (it reports malformed input by default), through CoderResult: no exception. */
  private static boolean jdkValid(byte[] bytes, int offset, int length) {
    DECODER.reset();
    OUT.clear();
    CoderResult result = DECODER.decode(ByteBuffer.wrap(bytes, offset, length), OUT, true);
    assertThat(result.isOverflow()).as("the output buffer holds every input here").isFalse();
    return !result.isError() && !DECODER.flush(OUT).isError();
  }

  private static void assertSameAsJdk(byte[] bytes, int offset, int length) {
    boolean jdk = jdkValid(bytes, offset, length);
    if (WireTimeSeries.isValidUtf8(bytes, offset, length) != jdk) {
      // The message is built only for a difference: a million sequences are compared.
      assertThat(WireTimeSeries.isValidUtf8(bytes, offset, length))
          .as("%s", java.util.HexFormat.of().formatHex(bytes, offset, offset + length)).isEqualTo(jdk);
    }
  }

  @Test
  void everyTwoAndThreeByteSequenceIsJudgedAsTheJdkDecoderJudgesIt() {
    byte[] bytes = new byte[3];
    for (int a = 0; a < 256; a++) {
      for (int b = 0; b < 256; b++) {
        bytes[0] = (byte) a;
        bytes[1] = (byte) b;
        assertSameAsJdk(bytes, 0, 1);
        assertSameAsJdk(bytes, 0, 2);
        if (a >= 0xe0 && a < 0xf0) {
          for (int c = 0; c < 256; c++) {
            bytes[2] = (byte) c;
            assertSameAsJdk(bytes, 0, 3);
          }
        }
      }
    }
  }

  @Test
  void fourByteLeadsAndTheirBoundariesAreJudgedAsTheJdkDecoderJudgesThem() {
    byte[] bytes = new byte[4];
    int[] tails = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0xbf, 0xc0, 0xff};
    for (int a = 0xf0; a < 0x100; a++) {
      for (int b = 0; b < 256; b++) {
        for (int c : tails) {
          for (int d : tails) {
            bytes[0] = (byte) a;
            bytes[1] = (byte) b;
            bytes[2] = (byte) c;
            bytes[3] = (byte) d;
            assertSameAsJdk(bytes, 0, 4);
            assertSameAsJdk(bytes, 0, 3);
          }
        }
      }
    }
  }

  @Test
  void randomTextWithAsciiRunsIsJudgedAsTheJdkDecoderJudgesIt() {
    Random random = new Random(28);
    String[] pieces = {"abcdefgh", "x", "\u00e9", "\u20ac", "\ud83d\ude00", "0123456789abcdef"};
    for (int i = 0; i < 20_000; i++) {
      StringBuilder sb = new StringBuilder();
      for (int k = random.nextInt(8); k >= 0; k--) {
        sb.append(pieces[random.nextInt(pieces.length)]);
      }
      byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
      if (random.nextBoolean()) {
        bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
      }
      int offset = random.nextInt(bytes.length);
      assertSameAsJdk(bytes, offset, bytes.length - offset);
      assertSameAsJdk(bytes, 0, bytes.length);
    }
  }

  @Test
  void theUncheckedIdentityEqualsTheCheckedOne() {
    WireTimeSeries wire = new WireTimeSeries();
    StringBuilder longValue = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      longValue.append("v\u00e9");
    }
    String[][] labelSets = {
        {"__name__", "up"},
        {"__name__", "http_requests_total", "job", "api", "path", "/caf\u00e9/\ud83d\ude00"},
        {"__name__", "m", "big", longValue.toString(), "z", "1"},
        {"__name__", "m", "a", "x"},
    };
    for (String[] labels : labelSets) {
      TimeSeries.Builder series = TimeSeries.newBuilder();
      for (int i = 0; i < labels.length; i += 2) {
        series.addLabels(Label.newBuilder().setName(labels[i]).setValue(labels[i + 1]));
      }
      byte[] bytes = series.addSamples(Sample.newBuilder().setTimestamp(1).setValue(1)).build().toByteArray();
      long unchecked = wire.reset(bytes, 0, bytes.length).identityLowOfValidUtf8();
      assertThat(unchecked).as(String.join(",", labels)).isEqualTo(wire.reset(bytes, 0, bytes.length).identityLow());
    }
  }

  @Test
  void theCheckedIdentityStillRefusesInvalidUtf8AfterTheUncheckedOneWasTaken() {
    byte[] bytes = TimeSeries.newBuilder().addLabels(Label.newBuilder().setName("__name__").setValue("m\u00e9"))
        .build().toByteArray();
    bytes[bytes.length - 1] = 0x41; // the second byte of \u00e9: a lead byte without its continuation
    WireTimeSeries wire = new WireTimeSeries().reset(bytes, 0, bytes.length);
    wire.identityLowOfValidUtf8();
    org.assertj.core.api.Assertions.assertThatThrownBy(wire::identityLow)
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UTF-8");
  }
}
