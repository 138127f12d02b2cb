package io.narthex.template;

import io.narthex.common.PrometheusDurations;
import io.narthex.template.FunctionMap.Function;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prometheus's alert templates (template/template.go of Prometheus 3): the label and annotation texts of alerting
 * rules, expanded with Prometheus's functions ({@code query first label value strvalue sortByLabel args reReplaceAll
 * match safeHtml title toUpper toLower humanize humanize1024 humanizeDuration humanizePercentage humanizeTimestamp
 * toTime toDuration parseDuration now pathPrefix externalURL graphLink tableLink stripPort stripDomain}) and the
 * variables {@code $labels}, {@code $externalLabels}, {@code $externalURL} and {@code $value}, with
 * {@code missingkey=zero} as Prometheus runs them.
 */
public final class PrometheusTemplates {
  private PrometheusTemplates() {}

  /** What Prometheus's rules/alerting.go puts before every label and annotation text. */
  static final String DEFINITIONS = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}"
      + "{{$externalURL := .ExternalURL}}{{$value := .Value}}";

  private static final TemplateOptions OPTIONS =
      TemplateOptions.DEFAULTS.withMissingKey(TemplateOptions.MissingKey.ZERO);

  /** The functions that need no evaluation context; {@link #evaluationFunctions} adds the others. */
  private static final FunctionMap STATIC_FUNCTIONS = staticFunctions();
  /** Every function name, to check names while parsing. */
  private static final FunctionMap PARSE_FUNCTIONS =
      STATIC_FUNCTIONS.overlaidBy(evaluationFunctions(0, (expr, ts) -> List.of(), ""));

  /** The data of an alert template, Prometheus's AlertTemplateData (an anonymous struct). */
  record AlertData(Map<String, String> labels, Map<String, String> externalLabels, String externalURL,
      double value) implements GoTyped {
    @Override
    public String goTypeName() {
      return "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; "
          + "Value float64 }";
    }
  }

  /**
   * Checks that {@code text} parses as an alert label or annotation template, as Prometheus's rule validation
   * (rulefmt's testTemplateParsing) does.
   *
   * @param name the template name; Prometheus uses {@code __alert_<alert name>}
   * @throws TemplateException of kind PARSE with Go's message, for example
   *     {@code template: __alert_X:1: function "foo" not defined}: its line and offsets count the definitions
   *     Prometheus puts before the text, as promtool's do
   */
  public static void checkSyntax(String name, String text) throws TemplateException {
    Template.parse(name, DEFINITIONS + text, PARSE_FUNCTIONS, OPTIONS);
  }

  /**
   * Expands one alert label or annotation text, as Prometheus's Expander.Expand.
   *
   * @param name the template name; Prometheus uses {@code __alert_<alert name>}
   * @param text the label value or annotation text
   * @param labels the alert's labels ({@code $labels}, {@code .Labels})
   * @param value the alert's sample value ({@code $value}, {@code .Value})
   * @param externalLabels the ruler's external labels ({@code $externalLabels})
   * @param externalUrl the ruler's external URL ({@code $externalURL}, {@code externalURL}, {@code pathPrefix}); may
   *     be empty
   * @param evalTimestampMs the evaluation time, for {@code query} and {@code now}, milliseconds since the epoch
   * @param query runs the {@code query} function
   * @return the expanded text
   * @throws TemplateException with Prometheus's message, {@code error parsing template <name>: ...} or
   *     {@code error executing template <name>: ...}; Prometheus shows the text
   *     {@code <error expanding template: <message>>} in its place
   */
  public static String expand(String name, String text, Map<String, String> labels, double value,
      Map<String, String> externalLabels, String externalUrl, long evalTimestampMs, QueryFunction query)
      throws TemplateException {
    String url = externalUrl == null ? "" : externalUrl;
    Template template;
    try {
      template = parsed(name, text);
    } catch (TemplateException e) {
      throw new TemplateException(e.kind(), "error parsing template " + name + ": " + e.getMessage());
    }
    AlertData data = new AlertData(labels, externalLabels, url, value);
    try {
      return template.executeTemplate(name, data,
          STATIC_FUNCTIONS.overlaidBy(evaluationFunctions(evalTimestampMs, query, url)));
    } catch (TemplateException e) {
      throw new TemplateException(e.kind(), "error executing template " + name + ": " + e.getMessage());
    }
  }

  private record CacheKey(String name, String text) {}

  /** Parsed templates by name and text: a ruler expands the same few texts at every evaluation of every alert. */
  private static final ConcurrentHashMap<CacheKey, Template> PARSED = new ConcurrentHashMap<>();
  private static final AtomicLong PARSED_CHARS = new AtomicLong();
  /** Bounds the cache's text; past it the cache starts over (a ruler's templates fit many times over). */
  private static final long MAX_PARSED_CHARS = 8L << 20;

  private static Template parsed(String name, String text) throws TemplateException {
    CacheKey key = new CacheKey(name, text);
    Template template = PARSED.get(key);
    if (template == null) {
      template = Template.parse(name, DEFINITIONS + text, PARSE_FUNCTIONS, OPTIONS);
      long chars = name.length() + (long) text.length();
      if (PARSED_CHARS.addAndGet(chars) > MAX_PARSED_CHARS) {
        PARSED.clear();
        PARSED_CHARS.set(chars);
      }
      PARSED.put(key, template);
    }
    return template;
  }

  /** Prometheus's functions bound to one evaluation: its query function, clock and external URL. */
  private static FunctionMap evaluationFunctions(long evalTimestampMs, QueryFunction query, String externalUrl) {
    return FunctionMap.of(List.of(
        new Function("query", List.of(ArgType.STRING), null,
            args -> new QueryResult(new ArrayList<>(query.query((String) args.get(0), evalTimestampMs)))),
        new Function("now", List.of(), null, args -> evalTimestampMs / 1000.0),
        new Function("pathPrefix", List.of(), null, args -> urlPath(externalUrl)),
        new Function("externalURL", List.of(), null, args -> externalUrl)));
  }

  /** The rest of Prometheus's functions, which depend on their arguments only. */
  private static FunctionMap staticFunctions() {
    ArgType sampleType = new ArgType("*template.sample", Sample.class);
    ArgType resultType = new ArgType("template.queryResult", QueryResult.class);
    List<ArgType> oneString = List.of(ArgType.STRING);
    List<ArgType> oneAny = List.of(ArgType.ANY);
    List<Function> all = new ArrayList<>();
    all.add(new Function("first", List.of(resultType), null, args -> {
      QueryResult result = (QueryResult) args.get(0);
      if (result == null || result.isEmpty()) {
        throw new Exception("first() called on vector with no elements");
      }
      return result.get(0);
    }));
    all.add(new Function("label", List.of(ArgType.STRING, sampleType), null,
        args -> sample(args.get(1)).labels().getOrDefault((String) args.get(0), "")));
    all.add(new Function("value", List.of(sampleType), null, args -> sample(args.get(0)).value()));
    all.add(new Function("strvalue", List.of(sampleType), null,
        args -> sample(args.get(0)).labels().getOrDefault("__value__", "")));
    all.add(new Function("args", List.of(), ArgType.ANY, args -> {
      GoInterfaceMap result = new GoInterfaceMap();
      for (int i = 0; i < args.size(); i++) {
        result.put("arg" + i, args.get(i));
      }
      return result;
    }));
    all.add(new Function("reReplaceAll", List.of(ArgType.STRING, ArgType.STRING, ArgType.STRING), null,
        args -> GoRegexp.replaceAll((String) args.get(0), (String) args.get(1), (String) args.get(2))));
    all.add(new Function("match", List.of(ArgType.STRING, ArgType.STRING), null,
        args -> GoRegexp.matchString((String) args.get(0), (String) args.get(1))));
    all.add(new Function("safeHtml", oneString, null,
        args -> new GoNamedString(GoNamedString.HTML, (String) args.get(0))));
    all.add(new Function("title", oneString, null, args -> GoStrings.title((String) args.get(0))));
    all.add(new Function("toUpper", oneString, null, args -> GoStrings.mapRunes((String) args.get(0), true)));
    all.add(new Function("toLower", oneString, null, args -> GoStrings.mapRunes((String) args.get(0), false)));
    all.add(new Function("graphLink", oneString, null,
        args -> "/graph?g0.expr=" + GoUrl.queryEscape((String) args.get(0)) + "&g0.tab=0"));
    all.add(new Function("tableLink", oneString, null,
        args -> "/graph?g0.expr=" + GoUrl.queryEscape((String) args.get(0)) + "&g0.tab=1"));
    all.add(new Function("sortByLabel", List.of(ArgType.STRING, resultType), null, args -> {
      QueryResult result = (QueryResult) args.get(1);
      result.sortByLabel((String) args.get(0));
      return result;
    }));
    all.add(new Function("stripPort", oneString, null, args -> stripPort((String) args.get(0))));
    all.add(new Function("stripDomain", oneString, null, args -> stripDomain((String) args.get(0))));
    all.add(new Function("humanize", oneAny, null, args -> Humanize.humanize(toFloat(args.get(0)))));
    all.add(new Function("humanize1024", oneAny, null, args -> Humanize.humanize1024(toFloat(args.get(0)))));
    all.add(new Function("humanizeDuration", oneAny, null,
        args -> Humanize.duration(toFloat(args.get(0)))));
    all.add(new Function("humanizePercentage", oneAny, null,
        args -> GoFmt.sprintf("%.4g%%", List.of(toFloat(args.get(0)) * 100))));
    all.add(new Function("humanizeTimestamp", oneAny, null, args -> {
      double v = toFloat(args.get(0));
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        return GoFmt.sprintf("%.4g", List.of(v));
      }
      return toTime(v).toString();
    }));
    all.add(new Function("toTime", oneAny, null, args -> {
      double v = toFloat(args.get(0));
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        throw new Exception("value is NaN or Inf");
      }
      return toTime(v);
    }));
    all.add(new Function("toDuration", oneAny, null, args -> new GoDuration(goInt64(toFloat(args.get(0)) * 1e9))));
    all.add(new Function("parseDuration", oneString, null, args -> parseDuration((String) args.get(0))));
    return FunctionMap.of(all);
  }

  /** Prometheus's queryResult: samples that templates range over, index and pass to first and sortByLabel. */
  static final class QueryResult extends GoSlice<Sample> {
    QueryResult(List<Sample> samples) {
      super("template.queryResult", samples);
    }

    /** Go's sort.Stable by the label's value (List.sort is stable). */
    void sortByLabel(String label) {
      items().sort(Comparator.comparing((Sample s) -> s.labels().getOrDefault(label, "")));
    }
  }

  private static Sample sample(Object s) throws Exception {
    if (s == null) {
      throw new Exception("runtime error: invalid memory address or nil pointer dereference");
    }
    return (Sample) s;
  }

  /** Prometheus's convertToFloat: float64, the integer types, a string that strconv.ParseFloat reads, durations. */
  static double toFloat(Object v) throws Exception {
    return switch (v) {
      case Double d -> d;
      case Long l -> l.doubleValue();
      case Integer i -> i.doubleValue();
      case String s -> GoStrconv.parseFloat(s);
      case GoDuration d -> d.nanos() / 1e9;
      case null -> throw new Exception("can't convert <nil> to float");
      default -> throw new Exception("can't convert " + Values.typeName(v) + " to float");
    };
  }

  /** Go's int64(f) conversion, saturating where Go's is undefined. */
  private static long goInt64(double f) {
    return (long) f;
  }

  /** Prometheus's FloatToTime: seconds to a UTC time, through milliseconds as model.TimeFromUnixNano does. */
  private static GoTime toTime(double seconds) throws Exception {
    double nanos = seconds * 1e9;
    if (nanos > Long.MAX_VALUE || nanos < Long.MIN_VALUE) {
      throw new Exception(GoFmt.formatValue(seconds)
          + " cannot be represented as a nanoseconds timestamp since it overflows int64");
    }
    long ms = ((long) nanos) / 1_000_000L;
    return new GoTime(Instant.ofEpochMilli(ms), true);
  }

  /** Prometheus's model.ParseDuration, in seconds. */
  static double parseDuration(String s) throws Exception {
    try {
      return PrometheusDurations.parseMs(s) / 1000.0;
    } catch (IllegalArgumentException e) {
      // Go quotes the string with %q: escapes, not the raw characters.
      throw new Exception(e.getMessage().startsWith("not a valid duration string")
          ? "not a valid duration string: " + GoStrings.quote(s) : e.getMessage());
    }
  }

  private static String urlPath(String externalUrl) {
    try {
      String path = new URI(externalUrl).getPath();
      return path == null ? "" : path;
    } catch (URISyntaxException e) {
      return "";
    }
  }

  /** Go's net.SplitHostPort: {host, port}, or null where Go returns an error. */
  static String[] splitHostPort(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon < 0) {
      return null;
    }
    String host;
    if (hostPort.startsWith("[")) {
      int end = hostPort.indexOf(']');
      if (end < 0 || end + 1 != colon) {
        return null;
      }
      host = hostPort.substring(1, end);
      if (hostPort.indexOf('[', 1) >= 0 || hostPort.indexOf(']', end + 1) >= 0) {
        return null;
      }
    } else {
      host = hostPort.substring(0, colon);
      if (host.indexOf(':') >= 0 || host.indexOf('[') >= 0 || host.indexOf(']') >= 0) {
        return null;
      }
      if (hostPort.indexOf(']', colon) >= 0 || hostPort.indexOf('[', colon) >= 0) {
        return null;
      }
    }
    return new String[] {host, hostPort.substring(colon + 1)};
  }

  private static String stripPort(String hostPort) {
    String[] split = splitHostPort(hostPort);
    return split == null ? hostPort : split[0];
  }

  private static String stripDomain(String hostPort) {
    String[] split = splitHostPort(hostPort);
    String host = split == null ? hostPort : split[0];
    String port = split == null ? "" : split[1];
    if (isIp(host)) {
      return hostPort;
    }
    int dot = host.indexOf('.');
    host = dot < 0 ? host : host.substring(0, dot);
    if (!port.isEmpty()) {
      return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
    return host;
  }

  /** Go's net.ParseIP != nil: dotted IPv4 without leading zeros, or an IPv6 literal. */
  private static boolean isIp(String s) {
    if (s.matches("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}")) {
      return true;
    }
    if (s.indexOf(':') < 0 || !s.matches("[0-9a-fA-F:.]+")) {
      return false;
    }
    try {
      // A literal with a colon is parsed without a name lookup.
      java.net.InetAddress.getByName(s);
      return true;
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }
}
