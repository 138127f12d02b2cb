package io.narthex.app;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Byte sizes in the syntax of Go's {@code GOMEMLIMIT}: a non-negative integer with an optional suffix {@code B},
 * {@code KiB}, {@code MiB}, {@code GiB} or {@code TiB} (powers of 1024, case-sensitive), e.g. {@code 4GiB}. bin/narthex
 * parses {@code -server.memory-limit} with the same rule before the JVM starts, so the two must stay in step.
 */
final class ByteSizeConverter implements CommandLine.ITypeConverter<Long> {
  private static final Pattern SIZE = Pattern.compile("([0-9]+)(B|KiB|MiB|GiB|TiB)?");

  @Override
  public Long convert(String value) {
    return parseBytes(value);
  }

  /**
   * The size in bytes.
   *
   * @throws CommandLine.TypeConversionException when {@code value} is not in the syntax above or overflows a long
   */
  static long parseBytes(String value) {
    Matcher m = SIZE.matcher(value.strip());
    if (!m.matches()) {
      throw invalid(value);
    }
    int shift = switch (m.group(2) == null ? "B" : m.group(2)) {
      case "KiB" -> 10;
      case "MiB" -> 20;
      case "GiB" -> 30;
      case "TiB" -> 40;
      default -> 0;
    };
    try {
      long number = Long.parseLong(m.group(1));
      if (number > Long.MAX_VALUE >> shift) {
        throw invalid(value);
      }
      return number << shift;
    } catch (NumberFormatException e) {
      throw invalid(value);
    }
  }

  private static CommandLine.TypeConversionException invalid(String value) {
    return new CommandLine.TypeConversionException("invalid byte size '" + value
        + "': expected bytes with an optional suffix B, KiB, MiB, GiB or TiB, such as 4GiB (GOMEMLIMIT's syntax)");
  }
}
