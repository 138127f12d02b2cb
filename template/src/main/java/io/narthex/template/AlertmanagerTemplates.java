package io.narthex.template;

import io.narthex.template.FunctionMap.Function;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The Alertmanager's notification templates (alertmanager's template/template.go, 0.25, the version Debian ships and
 * the tests compare with): its functions
 * ({@code toUpper toLower title join match safeHtml reReplaceAll stringSlice}) and the data notification templates
 * see ({@link Data}, with {@code .Alerts.Firing}, {@code .CommonLabels.SortedPairs} and the rest), run with
 * {@code missingkey=zero} as the Alertmanager runs them.
 */
public final class AlertmanagerTemplates {
  private AlertmanagerTemplates() {}

  /** {@code missingkey=zero}, as the Alertmanager parses its templates. */
  public static final TemplateOptions OPTIONS =
      TemplateOptions.DEFAULTS.withMissingKey(TemplateOptions.MissingKey.ZERO);

  private static final ArgType STRING_SLICE = new ArgType("[]string", List.class);
  private static final ArgType TIME = new ArgType("time.Time", GoTime.class);
  private static final FunctionMap FUNCTIONS = defaultFunctions();

  /** The Alertmanager's DefaultFuncs, to parse notification templates with. */
  public static FunctionMap functions() {
    return FUNCTIONS;
  }

  /**
   * The functions later Alertmanager releases added to DefaultFuncs (template/template.go; 0.25 has none of them):
   * {@code date LAYOUT TIME} formats with a Go reference-time layout in the time's zone; {@code tz NAME TIME} moves a
   * time to an IANA zone ({@code time.LoadLocation}: "" and {@code UTC} are UTC, {@code Local} the process's zone;
   * an unknown name fails with {@code unknown time zone NAME}); {@code since TIME} is the {@code time.Duration} from
   * then to {@code clock}'s now (saturating as Go's {@code Time.Sub}); {@code humanizeDuration SECONDS} is
   * prometheus/common's {@code HumanizeDuration}; {@code toJson VALUE} is Go's {@code json.Marshal}.
   *
   * @param clock where {@code since} reads now
   */
  public static FunctionMap laterFunctions(Clock clock) {
    return FunctionMap.of(List.of(
        new Function("date", List.of(ArgType.STRING, TIME), null,
            args -> ((GoTime) args.get(1)).format((String) args.get(0))),
        new Function("tz", List.of(ArgType.STRING, TIME), null,
            args -> ((GoTime) args.get(1)).in(GoZones.load((String) args.get(0)))),
        new Function("since", List.of(TIME), null,
            args -> new GoDuration(nanosBetween(((GoTime) args.get(0)).instant(), clock.instant()))),
        new Function("humanizeDuration", List.of(ArgType.ANY), null,
            args -> Humanize.duration(PrometheusTemplates.toFloat(args.get(0)))),
        new Function("toJson", List.of(ArgType.ANY), null, args -> GoJson.marshal(args.get(0)))));
  }

  /** Go's {@code to.Sub(from)}: nanoseconds, saturated to the int64 range. */
  private static long nanosBetween(Instant from, Instant to) {
    try {
      return Duration.between(from, to).toNanos();
    } catch (ArithmeticException e) {
      return to.isAfter(from) ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
  }

  private static FunctionMap defaultFunctions() {
    List<ArgType> oneString = List.of(ArgType.STRING);
    return FunctionMap.of(List.of(
        new Function("toUpper", oneString, null, args -> GoStrings.mapRunes((String) args.get(0), true)),
        new Function("toLower", oneString, null, args -> GoStrings.mapRunes((String) args.get(0), false)),
        new Function("title", oneString, null, args -> GoStrings.casesTitle((String) args.get(0))),
        new Function("join", List.of(ArgType.STRING, STRING_SLICE), null,
            args -> String.join((String) args.get(0), strings(args.get(1)))),
        new Function("match", List.of(ArgType.STRING, ArgType.STRING), null,
            args -> GoRegexp.matchString((String) args.get(0), (String) args.get(1))),
        new Function("safeHtml", oneString, null,
            args -> new GoNamedString(GoNamedString.HTML, (String) args.get(0))),
        new Function("reReplaceAll", List.of(ArgType.STRING, ArgType.STRING, ArgType.STRING), null,
            args -> GoRegexp.replaceAll((String) args.get(0), (String) args.get(1), (String) args.get(2))),
        new Function("stringSlice", List.of(), ArgType.STRING, args -> GoSlice.of("[]string", args))));
  }

  private static List<String> strings(Object slice) throws Exception {
    List<String> out = new ArrayList<>();
    if (slice == null) {
      return out;
    }
    for (Object o : (List<?>) slice) {
      if (!(o instanceof String s)) {
        throw new Exception("wrong type for value; expected string; got " + Values.typeName(o));
      }
      out.add(s);
    }
    return out;
  }

  /** The data of a notification: Alertmanager's {@code template.Data}. */
  public record Data(String receiver, String status, Alerts alerts, KV groupLabels, KV commonLabels,
      KV commonAnnotations, String externalURL) implements GoTyped {
    @Override
    public String goTypeName() {
      return "*template.Data";
    }
  }

  /** One alert of a notification: Alertmanager's {@code template.Alert}. */
  public record Alert(String status, KV labels, KV annotations, GoTime startsAt, GoTime endsAt, String generatorURL,
      String fingerprint) implements GoTyped {
    @Override
    public String goTypeName() {
      return "template.Alert";
    }
  }

  /** Alertmanager's {@code template.Alerts}: a list with {@code Firing} and {@code Resolved}. */
  public static final class Alerts extends GoSlice<Alert> implements GoMethods {
    public Alerts(List<Alert> alerts) {
      super("template.Alerts", List.copyOf(alerts));
    }

    @Override
    public GoMethod goMethod(String name) {
      return switch (name) {
        case "Firing" -> GoMethod.of(args -> withStatus("firing"));
        case "Resolved" -> GoMethod.of(args -> withStatus("resolved"));
        default -> null;
      };
    }

    private List<Alert> withStatus(String status) {
      return GoSlice.of("[]template.Alert", items().stream().filter(a -> a.status().equals(status)).toList());
    }
  }

  /** Alertmanager's {@code template.Pair}. */
  public record Pair(String name, String value) implements GoTyped {
    @Override
    public String goTypeName() {
      return "template.Pair";
    }
  }

  /** Alertmanager's {@code template.Pairs}: {@code Names} and {@code Values}. */
  public static final class Pairs extends GoSlice<Pair> implements GoMethods {
    public Pairs(List<Pair> pairs) {
      super("template.Pairs", List.copyOf(pairs));
    }

    @Override
    public GoMethod goMethod(String name) {
      return switch (name) {
        case "Names" -> GoMethod.of(args -> GoSlice.of("[]string", items().stream().map(Pair::name).toList()));
        case "Values" -> GoMethod.of(args -> GoSlice.of("[]string", items().stream().map(Pair::value).toList()));
        default -> null;
      };
    }
  }

  /**
   * Alertmanager's {@code template.KV}, a label or annotation set: {@code SortedPairs} (alertname first, then by
   * name), {@code Remove}, {@code Names} and {@code Values}. Printed as a Go map: 0.25's KV has no String method.
   */
  public static final class KV extends AbstractMap<String, String> implements GoMethods, GoTyped {
    private final TreeMap<String, String> entries;

    public KV(Map<String, String> entries) {
      this.entries = new TreeMap<>(entries);
    }

    @Override
    public Set<Entry<String, String>> entrySet() {
      return java.util.Collections.unmodifiableMap(entries).entrySet();
    }

    @Override
    public String goTypeName() {
      return "template.KV";
    }

    /** Alertmanager's SortedPairs: {@code alertname} first, the other names in order. */
    public Pairs sortedPairs() {
      List<Pair> pairs = new ArrayList<>(entries.size());
      String alertname = entries.get("alertname");
      if (alertname != null) {
        pairs.add(new Pair("alertname", alertname));
      }
      entries.forEach((k, v) -> {
        if (!k.equals("alertname")) {
          pairs.add(new Pair(k, v));
        }
      });
      return new Pairs(pairs);
    }

    @Override
    public GoMethod goMethod(String name) {
      return switch (name) {
        case "SortedPairs" -> GoMethod.of(args -> sortedPairs());
        case "Names" -> GoMethod.of(args -> sortedPairs().goMethod("Names").body().call(args));
        case "Values" -> GoMethod.of(args -> sortedPairs().goMethod("Values").body().call(args));
        case "Remove" -> new GoMethod(List.of(STRING_SLICE), null, args -> {
          Collection<String> keys = new HashSet<>(strings(args.get(0)));
          Map<String, String> kept = new TreeMap<>(entries);
          kept.keySet().removeAll(keys);
          return new KV(kept);
        });
        default -> null;
      };
    }
  }
}
