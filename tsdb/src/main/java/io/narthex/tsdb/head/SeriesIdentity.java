package io.narthex.tsdb.head;

import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.hashing.Hashing;
import io.narthex.tsdb.labels.Labels;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * How the {@link Head} tells series apart: two independent 64-bit XXH3 hashes (seeds 0 and a fixed constant) of the
 * label set's canonical bytes, each name and value in UTF-8 followed by {@code 0xff} (a byte UTF-8 never holds).
 * Two label sets are one series when both halves match, so a lookup compares two longs instead of every label
 * string, which would cost a cache miss per string. Different label sets of one tenant share a 128-bit identity
 * with probability about n²/2¹²⁹ for n series, about 10⁻²⁷ at a million; tenants never share a head.
 */
public final class SeriesIdentity {
  private static final Hasher64 LOW = Hashing.xxh3_64();
  private static final Hasher64 HIGH = Hashing.xxh3_64(0x6a09e667f3bcc908L);
  /** Follows each name and value in the canonical bytes. */
  public static final byte SEPARATOR = (byte) 0xff;

  private SeriesIdentity() {}

  public static long low(byte[] canonical, int offset, int length) {
    return LOW.hashBytesToLong(canonical, offset, length);
  }

  public static long high(byte[] canonical, int offset, int length) {
    return HIGH.hashBytesToLong(canonical, offset, length);
  }

  /** The canonical bytes of a label set. */
  public static byte[] canonical(Labels labels) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * labels.size());
    for (int i = 0; i < labels.size(); i++) {
      out.writeBytes(labels.name(i).getBytes(StandardCharsets.UTF_8));
      out.write(SEPARATOR);
      out.writeBytes(labels.value(i).getBytes(StandardCharsets.UTF_8));
      out.write(SEPARATOR);
    }
    return out.toByteArray();
  }
}
