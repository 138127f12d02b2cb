package io.narthex.template;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;

/**
 * A Go {@code time.Time}: a pointer ({@code *time.Time}) as {@code toTime} returns, or a value as the
 * Alertmanager's alerts hold; in UTC unless moved to another zone ({@code tz}). Printed as Go's {@code Time.String}
 * writes it, {@code 2006-01-02 15:04:05.999999999 +0000 UTC}; its methods {@code Format}, {@code Unix},
 * {@code UnixMilli}, {@code UTC} and {@code String} work as Go's, {@code Format} with Go's reference-time layouts.
 *
 * @param zone the location: {@link ZoneOffset#UTC}, or a region whose abbreviations {@link GoZones} reads
 */
public record GoTime(Instant instant, boolean pointer, ZoneId zone) implements GoTyped, GoStringer, GoMethods {
  /** A {@code time.Time} value in UTC, as the Alertmanager's alerts hold. */
  public GoTime(Instant instant) {
    this(instant, false, ZoneOffset.UTC);
  }

  /** A time in UTC. */
  public GoTime(Instant instant, boolean pointer) {
    this(instant, pointer, ZoneOffset.UTC);
  }

  /** Go's {@code Time.In}: the same instant in another zone, as a value. */
  public GoTime in(ZoneId other) {
    return new GoTime(instant, false, other);
  }

  @Override
  public String goTypeName() {
    return pointer ? "*time.Time" : "time.Time";
  }

  /** A value prints as Go's Time.String too, not as a struct. */
  @Override
  public boolean goPointer() {
    return pointer;
  }

  @Override
  public String goString() {
    return format("2006-01-02 15:04:05.999999999 -0700 MST");
  }

  @Override
  public String toString() {
    return goString();
  }

  @Override
  public GoMethod goMethod(String name) {
    return switch (name) {
      case "Format" -> new GoMethod(List.of(ArgType.STRING), null, args -> format((String) args.get(0)));
      case "Unix" -> GoMethod.of(args -> instant.getEpochSecond());
      case "UnixMilli" -> GoMethod.of(args -> instant.toEpochMilli());
      case "UTC" -> GoMethod.of(args -> new GoTime(instant, false));
      case "String" -> GoMethod.of(args -> goString());
      default -> null;
    };
  }

  /**
   * Go's {@code Time.Format} in this time's zone: the layout names the reference time Mon Jan 2 15:04:05 MST 2006
   * (-0700).
   */
  public String format(String layout) {
    ZonedDateTime t = instant.atZone(zone);
    String abbreviation = GoZones.abbreviation(zone, instant);
    StringBuilder out = new StringBuilder(layout.length() + 10);
    int i = 0;
    while (i < layout.length()) {
      String rest = layout.substring(i);
      int used = appendChunk(out, t, abbreviation, rest);
      if (used == 0) {
        out.append(layout.charAt(i));
        used = 1;
      }
      i += used;
    }
    return out.toString();
  }

  /** Writes the layout element that {@code rest} starts with; returns its length, 0 if it starts with a literal. */
  private static int appendChunk(StringBuilder out, ZonedDateTime t, String abbreviation, String rest) {
    int offset = t.getOffset().getTotalSeconds();
    String[][] names = {
      {"January", t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH)},
      {"Jan", t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH)},
      {"Monday", t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH)},
      {"Mon", t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH)},
      {"MST", abbreviation.isEmpty() ? zone(offset, false, true, false) : abbreviation},
      {"2006", pad(t.getYear(), 4, '0')},
      {"-07:00:00", zone(offset, true, true, true)}, {"-0700", zone(offset, false, true, false)},
      {"-07:00", zone(offset, true, true, false)}, {"-07", zone(offset, false, false, false)},
      {"Z07:00:00", offset == 0 ? "Z" : zone(offset, true, true, true)},
      {"Z0700", offset == 0 ? "Z" : zone(offset, false, true, false)},
      {"Z07:00", offset == 0 ? "Z" : zone(offset, true, true, false)},
      {"Z07", offset == 0 ? "Z" : zone(offset, false, false, false)},
      {"002", pad(t.getDayOfYear(), 3, '0')}, {"__2", pad(t.getDayOfYear(), 3, ' ')},
      {"01", pad(t.getMonthValue(), 2, '0')}, {"02", pad(t.getDayOfMonth(), 2, '0')},
      {"03", pad(hour12(t), 2, '0')}, {"04", pad(t.getMinute(), 2, '0')}, {"05", pad(t.getSecond(), 2, '0')},
      {"06", pad(t.getYear() % 100, 2, '0')}, {"_2", pad(t.getDayOfMonth(), 2, ' ')},
      {"15", pad(t.getHour(), 2, '0')}, {"1", Integer.toString(t.getMonthValue())},
      {"2", Integer.toString(t.getDayOfMonth())}, {"3", Integer.toString(hour12(t))},
      {"4", Integer.toString(t.getMinute())}, {"5", Integer.toString(t.getSecond())},
      {"PM", t.getHour() >= 12 ? "PM" : "AM"}, {"pm", t.getHour() >= 12 ? "pm" : "am"},
    };
    if ((rest.startsWith(".") || rest.startsWith(",")) && rest.length() > 1
        && (rest.charAt(1) == '0' || rest.charAt(1) == '9')) {
      char digit = rest.charAt(1);
      int end = 1;
      while (end < rest.length() && rest.charAt(end) == digit) {
        end++;
      }
      if (end == rest.length() || !Character.isDigit(rest.charAt(end))) {
        String nanos = pad(t.getNano(), 9, '0').substring(0, Math.min(9, end - 1));
        if (digit == '9') {
          nanos = nanos.replaceAll("0+$", "");
          if (!nanos.isEmpty()) {
            out.append(rest.charAt(0)).append(nanos);
          }
        } else {
          out.append(rest.charAt(0)).append(nanos);
        }
        return end;
      }
    }
    if (rest.startsWith("_2006")) {
      // Go reads a literal underscore, then the year.
      return 0;
    }
    for (String[] name : names) {
      if (rest.startsWith(name[0])) {
        out.append(name[1]);
        return name[0].length();
      }
    }
    return 0;
  }

  /** Go's numeric zone: sign and hours, then minutes and seconds as asked, with colons or without. */
  private static String zone(int offsetSeconds, boolean colons, boolean minutes, boolean seconds) {
    int abs = Math.abs(offsetSeconds);
    StringBuilder out = new StringBuilder(9).append(offsetSeconds < 0 ? '-' : '+').append(pad(abs / 3600, 2, '0'));
    if (minutes) {
      out.append(colons ? ":" : "").append(pad(abs / 60 % 60, 2, '0'));
    }
    if (seconds) {
      out.append(':').append(pad(abs % 60, 2, '0'));
    }
    return out.toString();
  }

  private static int hour12(ZonedDateTime t) {
    int h = t.getHour() % 12;
    return h == 0 ? 12 : h;
  }

  private static String pad(int v, int width, char fill) {
    String digits = Integer.toString(v);
    return digits.length() >= width ? digits : String.valueOf(fill).repeat(width - digits.length()) + digits;
  }
}
