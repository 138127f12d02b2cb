package io.narthex.common;

import java.security.SecureRandom;
import java.util.Locale;
import java.util.Random;

/**
 * ULIDs as Prometheus names blocks (github.com/oklog/ulid): 48-bit millisecond timestamp then 80 random bits,
 * written as 26 characters of Crockford base32, so the string order is the time order. Generated here, and checked
 * as oklog/ulid parses them.
 */
public final class Ulid {
  private static final String ALPHABET_STRING = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  private static final char[] ALPHABET = ALPHABET_STRING.toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ulid() {}

  /** A new ULID for the current time. */
  public static String generate() {
    return generate(System.currentTimeMillis(), RANDOM);
  }

  /**
   * A ULID for {@code timestampMs} with entropy from {@code random} (a seeded one makes tests repeatable).
   *
   * @throws IllegalArgumentException when the timestamp is negative or does not fit 48 bits
   */
  public static String generate(long timestampMs, Random random) {
    if (timestampMs < 0 || timestampMs >= (1L << 48)) {
      throw new IllegalArgumentException("timestamp out of ULID range: " + timestampMs);
    }
    byte[] entropy = new byte[10];
    random.nextBytes(entropy);
    // 128 bits: hi = timestamp (48) + first 16 random bits, lo = remaining 64 random bits.
    long hi = (timestampMs << 16) | ((entropy[0] & 0xffL) << 8) | (entropy[1] & 0xffL);
    long lo = 0;
    for (int i = 2; i < 10; i++) {
      lo = (lo << 8) | (entropy[i] & 0xffL);
    }
    char[] out = new char[26];
    // Character k encodes bits [128 - 5 * (26 - k), ...): the first character holds only the top 3 bits.
    for (int k = 25; k >= 0; k--) {
      out[k] = ALPHABET[(int) (lo & 31)];
      lo = (lo >>> 5) | (hi << 59);
      hi >>>= 5;
    }
    return new String(out);
  }

  /** The millisecond timestamp of a ULID string. */
  public static long timestampMs(String ulid) {
    if (ulid.length() != 26) {
      throw new IllegalArgumentException("not a ULID: " + ulid);
    }
    long t = 0;
    for (int k = 0; k < 10; k++) {
      int v = ALPHABET_STRING.indexOf(Character.toUpperCase(ulid.charAt(k)));
      if (v < 0) {
        throw new IllegalArgumentException("not a ULID: " + ulid);
      }
      t = (t << 5) | v;
    }
    // 26 characters carry 130 bits, the top 2 always zero: the first 10 characters are exactly the timestamp.
    return t;
  }

  /**
   * Whether {@code s} parses as a ULID, in either case: 26 characters of Crockford base32, the first at most
   * {@code 7} so that the value fits 128 bits.
   */
  public static boolean isValid(String s) {
    if (s == null || s.length() != 26 || s.charAt(0) > '7') {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (ALPHABET_STRING.indexOf(Character.toUpperCase(s.charAt(i))) < 0) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code s} is a ULID in its canonical (upper-case) spelling, as block directories are named. */
  public static boolean isCanonical(String s) {
    return isValid(s) && s.equals(s.toUpperCase(Locale.ROOT));
  }
}
