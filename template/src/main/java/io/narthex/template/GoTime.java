package io.narthex.template;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;

/**
 * A Go {@code time.Time} in UTC: a pointer ({@code *time.Time}) as {@code toTime} returns, or a value as the
 * Alertmanager's alerts hold. Printed as Go's {@code Time.String} writes it,
 * {@code 2006-01-02 15:04:05.999999999 +0000 UTC}; its methods {@code Format}, {@code Unix}, {@code UnixMilli},
 * {@code UTC} and {@code String} work as Go's, {@code Format} with Go's reference-time layouts.
 */
public record GoTime(Instant instant, boolean pointer) implements GoTyped, GoStringer, GoMethods {
  /** A {@code time.Time} value, as the Alertmanager's alerts hold. */
  public GoTime(Instant instant) {
    this(instant, false);
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

  /** Go's {@code Time.Format}: the layout names the reference time Mon Jan 2 15:04:05 MST 2006. */
  public String format(String layout) {
    ZonedDateTime t = instant.atZone(ZoneOffset.UTC);
    StringBuilder out = new StringBuilder(layout.length() + 10);
    int i = 0;
    while (i < layout.length()) {
      String rest = layout.substring(i);
      int used = appendChunk(out, t, rest);
      if (used == 0) {
        out.append(layout.charAt(i));
        used = 1;
      }
      i += used;
    }
    return out.toString();
  }

  /** Writes the layout element that {@code rest} starts with; returns its length, 0 if it starts with a literal. */
  private static int appendChunk(StringBuilder out, ZonedDateTime t, String rest) {
    String[][] names = {
      {"January", t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH)},
      {"Jan", t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH)},
      {"Monday", t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH)},
      {"Mon", t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH)},
      {"MST", "UTC"},
      {"2006", pad(t.getYear(), 4, '0')},
      {"-07:00:00", "+00:00:00"}, {"-0700", "+0000"}, {"-07:00", "+00:00"}, {"-07", "+00"},
      {"Z07:00:00", "Z"}, {"Z0700", "Z"}, {"Z07:00", "Z"}, {"Z07", "Z"},
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

  private static int hour12(ZonedDateTime t) {
    int h = t.getHour() % 12;
    return h == 0 ? 12 : h;
  }

  private static String pad(int v, int width, char fill) {
    String digits = Integer.toString(v);
    return digits.length() >= width ? digits : String.valueOf(fill).repeat(width - digits.length()) + digits;
  }
}
