package io.narthex.blocks;

/**
 * ULID strings as block ids, checked as github.com/oklog/ulid parses them: 26 characters of Crockford base32
 * (case-insensitive), the first at most {@code 7} so the value fits 128 bits.
 */
final class Ulids {
  private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

  private Ulids() {}

  /** Whether {@code s} parses as a ULID, in either case. */
  static boolean isValid(String s) {
    if (s == null || s.length() != 26 || s.charAt(0) > '7') {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (ALPHABET.indexOf(Character.toUpperCase(s.charAt(i))) < 0) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code s} is a ULID in its canonical (upper-case) spelling, as block directories are named. */
  static boolean isCanonical(String s) {
    return isValid(s) && s.equals(s.toUpperCase(java.util.Locale.ROOT));
  }
}
