package io.narthex.template;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Go's time zones as the Alertmanager's {@code tz} function loads them ({@code time.LoadLocation}): zones by IANA
 * name, with the abbreviations Go prints for the {@code MST} layout element. Offsets come from the JDK's rules; the
 * abbreviations come, as in Go on Linux, from the system's TZif files ({@code /usr/share/zoneinfo}), which hold
 * tzdata's own ({@code CEST}, {@code +03}) where the JDK's display names differ.
 */
final class GoZones {
  private static final Path ZONEINFO = Path.of("/usr/share/zoneinfo");
  /** A zone's abbreviation table, or {@link #NONE} when its TZif file does not read. */
  private static final Map<ZoneId, Abbreviations> CACHE = new ConcurrentHashMap<>();
  private static final Abbreviations NONE = new Abbreviations(new long[0], new byte[0], new String[0], new boolean[0],
      null, null);

  private GoZones() {}

  /**
   * Go's {@code time.LoadLocation}: {@code ""} and {@code UTC} are UTC, {@code Local} the process's zone, any other
   * name an IANA zone.
   *
   * @throws Exception with Go's message, {@code unknown time zone <name>} or {@code time: invalid location name}
   */
  static ZoneId load(String name) throws Exception {
    if (name.isEmpty() || name.equals("UTC")) {
      return ZoneOffset.UTC;
    }
    if (name.equals("Local")) {
      return ZoneId.systemDefault();
    }
    if (name.contains("..") || name.startsWith("/") || name.startsWith("\\")) {
      throw new Exception("time: invalid location name");
    }
    // Only region names: the JDK would also take offsets such as "+02:00", which Go does not.
    if (!ZoneId.getAvailableZoneIds().contains(name)) {
      throw new Exception("unknown time zone " + name);
    }
    return ZoneId.of(name);
  }

  /** The abbreviation Go prints for {@code zone} at {@code at}; "" when there is none (Go then prints the offset). */
  static String abbreviation(ZoneId zone, Instant at) {
    if (zone.equals(ZoneOffset.UTC)) {
      return "UTC";
    }
    if (zone instanceof ZoneOffset) {
      return "";
    }
    String name = CACHE.computeIfAbsent(zone, GoZones::read).at(at.getEpochSecond(),
        zone.getRules().isDaylightSavings(at));
    // Without the TZif file, the JDK's short name is the best there is.
    return name != null ? name
        : zone.getDisplayName(java.time.format.TextStyle.SHORT, java.util.Locale.ENGLISH);
  }

  private static Abbreviations read(ZoneId zone) {
    try {
      return parse(ByteBuffer.wrap(Files.readAllBytes(ZONEINFO.resolve(zone.getId()))));
    } catch (IOException | RuntimeException e) {
      return NONE;
    }
  }

  /**
   * The transitions and abbreviations of a TZif file (RFC 8536): the 64-bit block of a version 2+ file, else the
   * 32-bit one, and the footer's standard and daylight names for times after the last transition.
   */
  static Abbreviations parse(ByteBuffer in) {
    Header v1 = Header.read(in);
    if (v1.version == 0) {
      return table(in, v1, 4);
    }
    in.position(in.position() + v1.dataLength(4));
    Header v2 = Header.read(in);
    Abbreviations block = table(in, v2, 8);
    // The footer: "\n<TZ string>\n".
    int start = in.position() + 1;
    int end = start;
    while (end < in.limit() && in.get(end) != '\n') {
      end++;
    }
    byte[] tz = new byte[Math.max(0, end - start)];
    in.get(start, tz);
    String[] names = footerNames(new String(tz, java.nio.charset.StandardCharsets.US_ASCII));
    return new Abbreviations(block.transitions, block.typeOf, block.names, block.dst, names[0], names[1]);
  }

  private static Abbreviations table(ByteBuffer in, Header h, int timeSize) {
    long[] transitions = new long[h.timeCount];
    for (int i = 0; i < h.timeCount; i++) {
      transitions[i] = timeSize == 8 ? in.getLong() : in.getInt();
    }
    byte[] typeOf = new byte[h.timeCount];
    in.get(typeOf);
    int[] abbreviationIndex = new int[h.typeCount];
    boolean[] dst = new boolean[h.typeCount];
    for (int i = 0; i < h.typeCount; i++) {
      in.getInt(); // the offset: the JDK's rules give it
      dst[i] = in.get() != 0;
      abbreviationIndex[i] = in.get() & 0xff;
    }
    byte[] chars = new byte[h.charCount];
    in.get(chars);
    String[] names = new String[h.typeCount];
    for (int i = 0; i < h.typeCount; i++) {
      int end = abbreviationIndex[i];
      while (end < chars.length && chars[end] != 0) {
        end++;
      }
      names[i] = new String(chars, abbreviationIndex[i], end - abbreviationIndex[i],
          java.nio.charset.StandardCharsets.US_ASCII);
    }
    in.position(in.position() + h.leapCount * (timeSize + 4) + h.isStdCount + h.isUtCount);
    return new Abbreviations(transitions, typeOf, names, dst, null, null);
  }

  /** The standard and daylight names of a POSIX TZ string such as {@code CET-1CEST,M3.5.0,M10.5.0/3}. */
  private static String[] footerNames(String tz) {
    String[] out = new String[2];
    int i = 0;
    for (int n = 0; n < 2 && i < tz.length(); n++) {
      int start = i;
      if (tz.charAt(i) == '<') {
        int close = tz.indexOf('>', i);
        if (close < 0) {
          break;
        }
        out[n] = tz.substring(i + 1, close);
        i = close + 1;
      } else {
        while (i < tz.length() && Character.isLetter(tz.charAt(i))) {
          i++;
        }
        if (i == start) {
          break;
        }
        out[n] = tz.substring(start, i);
      }
      while (i < tz.length() && "+-0123456789:".indexOf(tz.charAt(i)) >= 0) {
        i++;
      }
    }
    return out;
  }

  private record Header(int version, int isUtCount, int isStdCount, int leapCount, int timeCount, int typeCount,
      int charCount) {
    static Header read(ByteBuffer in) {
      if (in.getInt() != 0x545a6966) { // "TZif"
        throw new IllegalArgumentException("not a TZif file");
      }
      int version = in.get();
      in.position(in.position() + 15);
      return new Header(version == 0 ? 0 : version - '0', in.getInt(), in.getInt(), in.getInt(), in.getInt(),
          in.getInt(), in.getInt());
    }

    int dataLength(int timeSize) {
      return timeCount * timeSize + timeCount + typeCount * 6 + charCount + leapCount * (timeSize + 4) + isStdCount
          + isUtCount;
    }
  }

  /** Which abbreviation holds when, as Go's {@code Location.lookup} finds it. */
  record Abbreviations(long[] transitions, byte[] typeOf, String[] names, boolean[] dst, String footerStd,
      String footerDst) {
    /** The abbreviation at {@code epochSecond}; null when the table has none. */
    String at(long epochSecond, boolean daylight) {
      if (names.length == 0) {
        return null;
      }
      if (transitions.length > 0 && epochSecond >= transitions[transitions.length - 1] && footerStd != null) {
        return daylight && footerDst != null ? footerDst : footerStd;
      }
      if (transitions.length == 0 || epochSecond < transitions[0]) {
        return names[firstType()];
      }
      int i = Arrays.binarySearch(transitions, epochSecond);
      int index = i >= 0 ? i : -i - 2;
      return names[typeOf[index] & 0xff];
    }

    /** Go's {@code lookupFirstZone}: the type in force before the first transition. */
    private int firstType() {
      boolean firstUsed = false;
      for (byte t : typeOf) {
        firstUsed |= t == 0;
      }
      if (!firstUsed) {
        return 0;
      }
      if (transitions.length > 0 && dst[typeOf[0] & 0xff]) {
        for (int t = (typeOf[0] & 0xff) - 1; t >= 0; t--) {
          if (!dst[t]) {
            return t;
          }
        }
      }
      for (int t = 0; t < dst.length; t++) {
        if (!dst[t]) {
          return t;
        }
      }
      return 0;
    }
  }
}
