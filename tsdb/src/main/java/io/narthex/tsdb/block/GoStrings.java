package io.narthex.tsdb.block;

import io.narthex.tsdb.labels.Labels;
import java.util.Comparator;

/**
 * Go's string order (bytewise over UTF-8), which Prometheus's index requires for symbols, postings and series.
 * Java's {@link String#compareTo} compares UTF-16 units and differs for supplementary characters; comparing code
 * points equals comparing UTF-8 bytes.
 */
final class GoStrings {
  static final Comparator<String> ORDER = GoStrings::compare;

  private GoStrings() {}

  static int compare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  /** Prometheus's {@code labels.Compare}: pair by pair, name then value, then the shorter set first. */
  static int compare(Labels a, Labels b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int cmp = compare(a.name(i), b.name(i));
      if (cmp != 0) {
        return cmp;
      }
      cmp = compare(a.value(i), b.value(i));
      if (cmp != 0) {
        return cmp;
      }
    }
    return Integer.compare(a.size(), b.size());
  }
}
