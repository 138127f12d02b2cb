package io.narthex.template;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * A Go {@code *time.Time} in UTC, which {@code toTime} returns: printed as Go's {@code Time.String} writes it,
 * {@code 2006-01-02 15:04:05.999999999 +0000 UTC} with the fraction's trailing zeros dropped.
 */
record GoTime(Instant instant) implements GoTyped {
  private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss")
      .withZone(ZoneOffset.UTC);

  @Override
  public String goTypeName() {
    return "*time.Time";
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder(SECONDS.format(instant));
    int nanos = instant.getNano();
    if (nanos != 0) {
      String digits = String.format("%09d", nanos);
      int end = digits.length();
      while (digits.charAt(end - 1) == '0') {
        end--;
      }
      out.append('.').append(digits, 0, end);
    }
    return out.append(" +0000 UTC").toString();
  }
}
