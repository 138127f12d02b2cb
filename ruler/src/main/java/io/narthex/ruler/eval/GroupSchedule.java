package io.narthex.ruler.eval;

import io.narthex.common.XxHash64;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * When a rule group is evaluated, as Prometheus's {@code Group.EvalTimestamp} and run loop: at every
 * {@code base + offset} where {@code base} is a multiple of the interval since the epoch and
 * {@code offset = hash(name, file) mod interval}, all in nanoseconds, so groups spread over their interval. The
 * hash is Prometheus's {@code labels.Hash} of {@code {file=<file>, name=<group>}}: XXH64 of each label's name and
 * value, each followed by the byte {@code 0xff}, in label-name order. The file is the one Mimir's ruler gives the
 * group: {@code data-ruler/<tenant>/<url.PathEscape(namespace)>} (Mimir's {@code mapper} with the default
 * {@code -ruler.rule-path}). Mimir, built with {@code stringlabels}, hashes another encoding, so its offsets differ.
 */
public final class GroupSchedule {
  /** Mimir's default {@code -ruler.rule-path}, {@code ./data-ruler/}, as Go's {@code filepath.Join} cleans it. */
  static final String MIMIR_RULE_PATH = "data-ruler";

  private GroupSchedule() {}

  /** The file Mimir's ruler gives a tenant's namespace, which the group's offset hashes. */
  public static String file(String tenant, String namespace) {
    return MIMIR_RULE_PATH + "/" + tenant + "/" + pathEscape(namespace);
  }

  /** Prometheus's {@code Group.hash}: {@code labels.Hash} of {@code {file=<file>, name=<groupName>}}. */
  public static long hash(String groupName, String file) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    // Sorted by label name: file < name.
    for (String part : new String[] {"file", file, "name", groupName}) {
      bytes.writeBytes(part.getBytes(StandardCharsets.UTF_8));
      bytes.write(0xff);
    }
    return XxHash64.hash(bytes.toByteArray());
  }

  /** The group's offset within its interval, nanoseconds: the hash as an unsigned number modulo the interval. */
  public static long offsetNanos(String groupName, String file, long intervalNanos) {
    return Long.remainderUnsigned(hash(groupName, file), intervalNanos);
  }

  /**
   * A running group's offset: 0 with Mimir's experimental {@code align_evaluation_time_on_interval} (instants on
   * multiples of the interval), else {@link #offsetNanos(String, String, long)} of its name and Mimir's file.
   */
  public static long offsetNanos(GroupEvaluator group) {
    if (Boolean.TRUE.equals(group.group().alignEvaluationTimeOnInterval())) {
      return 0;
    }
    return offsetNanos(group.group().name(), file(group.tenant(), group.namespace()), group.intervalNanos());
  }

  /** The group's latest evaluation instant at or before {@code nowNanos} (nanoseconds since the epoch). */
  public static long previousInstantNanos(long nowNanos, long intervalNanos, long offsetNanos) {
    long adjusted = nowNanos - offsetNanos;
    return adjusted - Math.floorMod(adjusted, intervalNanos) + offsetNanos;
  }

  /**
   * After evaluating at {@code lastInstantNanos} and waking at {@code nowNanos}, how many instants were missed:
   * Prometheus's {@code (time.Since(evalTimestamp) / interval) - 1}, never negative. The next evaluation is at
   * {@code lastInstantNanos + (missed + 1) * interval}.
   */
  public static long missed(long lastInstantNanos, long nowNanos, long intervalNanos) {
    return Math.max(0, (nowNanos - lastInstantNanos) / intervalNanos - 1);
  }

  /** Go's {@code url.PathEscape}: everything but letters, digits, {@code -_.~$&+:=@} as {@code %XX} of UTF-8. */
  static String pathEscape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-_.~$&+:=@".indexOf(c) >= 0) {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
