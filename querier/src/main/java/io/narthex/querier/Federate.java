package io.narthex.querier;

import io.narthex.common.ErrorId;
import io.narthex.common.GoFloat;
import io.narthex.promql.ErrorType;
import io.narthex.promql.PromQLException;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.Querier;
import io.narthex.tsdb.storage.SampleIterator;
import io.narthex.tsdb.storage.SelectHints;
import io.narthex.tsdb.storage.Series;
import io.narthex.tsdb.storage.StaleMarker;
import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_33_0.Metrics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prometheus's {@code /federate} ({@code web/federate.go}, docs/federation.md): the latest sample of every series
 * matching any {@code match[]} selector within the lookback delta, stale markers left out, written with explicit
 * timestamps as {@code untyped} metric families grouped by metric name, each series with {@code instance=""}
 * appended when it has no instance (Prometheus's rule for a server without an external {@code instance} label), so
 * that a scraper with {@code honor_labels: true} stores the series as they are here.
 */
final class Federate {
  /** The text exposition format, version 0.0.4: the default answer. */
  static final String TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  /** Length-delimited {@code io.prometheus.client.MetricFamily} messages, when {@code Accept} asks for them. */
  static final String PROTOBUF_CONTENT_TYPE =
      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";
  private static final String INSTANCE = "instance";

  private Federate() {}

  /** A series' latest sample: timestamp in milliseconds since the epoch. */
  record Sample(Labels labels, long timestampMs, double value) {}

  /**
   * The latest sample in {@code [minTimeMs, maxTimeMs]} of every series matching any of the matcher sets, sorted by
   * metric name, then labels; series whose latest sample is a stale marker, or that have no metric name, are left
   * out. Allocates nothing per sample read.
   *
   * @param maxSeries most distinct series the selectors may match, 0 = unlimited
   * @param checkDeadline called after each selector, throwing once the request's deadline has passed
   * @throws PromQLException BAD_DATA (400) with {@code err-narthex-max-federate-series} when more series match
   */
  static List<Sample> latest(Querier querier, List<List<Matcher>> matcherSets, long minTimeMs, long maxTimeMs,
      int maxSeries, Runnable checkDeadline) {
    Map<Labels, Series> selected = new TreeMap<>();
    SelectHints hints = SelectHints.of(minTimeMs, maxTimeMs);
    for (List<Matcher> matchers : matcherSets) {
      for (Series series : querier.select(false, hints, matchers)) {
        selected.putIfAbsent(series.labels(), series);
        if (maxSeries > 0 && selected.size() > maxSeries) {
          throw new PromQLException(ErrorType.BAD_DATA, ErrorId.MAX_FEDERATE_SERIES.withId(
              "the federation request matched more than the maximum number of series (limit: " + maxSeries
                  + " series)") + ". Narrow the match[] selectors, or raise -querier.max-federate-series.");
        }
      }
      checkDeadline.run();
    }
    List<Sample> out = new ArrayList<>(selected.size());
    for (Series series : selected.values()) {
      if (series.labels().metricName().isEmpty()) {
        continue; // Prometheus ignores nameless series here
      }
      SampleIterator it = series.iterator();
      if (!it.seek(minTimeMs) || it.timestampMs() > maxTimeMs) {
        continue;
      }
      long timestampMs = it.timestampMs();
      double value = it.value();
      while (it.next() && it.timestampMs() <= maxTimeMs) {
        timestampMs = it.timestampMs();
        value = it.value();
      }
      if (!StaleMarker.isStale(value)) {
        out.add(new Sample(series.labels(), timestampMs, value));
      }
    }
    out.sort(Comparator.comparing((Sample s) -> s.labels().metricName()).thenComparing(Sample::labels));
    return out;
  }

  /**
   * Whether the {@code Accept} header asks for delimited protobuf before the text format, as the Go client's
   * {@code expfmt.Negotiate} decides: media ranges by falling {@code q}; the first that is either the delimited
   * {@code io.prometheus.client.MetricFamily} protobuf or {@code text/plain} (version 0.0.4 or none) wins; text
   * otherwise.
   */
  static boolean wantsProtobuf(String accept) {
    if (accept == null || accept.isBlank()) {
      return false;
    }
    record Range(String type, Map<String, String> params, double q) {}
    List<Range> ranges = new ArrayList<>();
    for (String part : accept.split(",")) {
      String[] pieces = part.split(";");
      Map<String, String> params = new TreeMap<>();
      double q = 1;
      for (int i = 1; i < pieces.length; i++) {
        int eq = pieces[i].indexOf('=');
        if (eq < 0) {
          continue;
        }
        String name = pieces[i].substring(0, eq).trim().toLowerCase(Locale.ROOT);
        String value = pieces[i].substring(eq + 1).trim();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
          value = value.substring(1, value.length() - 1);
        }
        if (name.equals("q")) {
          try {
            q = Double.parseDouble(value);
          } catch (NumberFormatException e) {
            q = 0;
          }
        } else {
          params.put(name, value);
        }
      }
      ranges.add(new Range(pieces[0].trim().toLowerCase(Locale.ROOT), params, q));
    }
    ranges.sort(Comparator.comparingDouble(Range::q).reversed()); // stable: equal q keeps the client's order
    for (Range range : ranges) {
      if (range.type().equals("application/vnd.google.protobuf")
          && "io.prometheus.client.MetricFamily".equals(range.params().get("proto"))
          && "delimited".equals(range.params().get("encoding"))) {
        return true;
      }
      String version = range.params().getOrDefault("version", "");
      if (range.type().equals("text/plain") && (version.isEmpty() || version.equals("0.0.4"))) {
        return false;
      }
    }
    return false;
  }

  /** The samples in the text exposition format 0.0.4: a {@code # TYPE name untyped} line before each family. */
  static byte[] text(List<Sample> samples) {
    StringBuilder out = new StringBuilder(samples.size() * 64);
    String family = null;
    for (Sample sample : samples) {
      Labels labels = sample.labels();
      String name = labels.metricName();
      if (!name.equals(family)) {
        out.append("# TYPE ").append(name).append(" untyped\n");
        family = name;
      }
      out.append(name).append('{');
      boolean first = true;
      for (int i = 0; i < labels.size(); i++) {
        if (labels.name(i).equals(Labels.METRIC_NAME)) {
          continue;
        }
        first = appendLabel(out, first, labels.name(i), labels.value(i));
      }
      if (!labels.has(INSTANCE)) {
        appendLabel(out, first, INSTANCE, "");
      }
      out.append("} ").append(goFloat(sample.value())).append(' ').append(sample.timestampMs()).append('\n');
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static boolean appendLabel(StringBuilder out, boolean first, String name, String value) {
    if (!first) {
      out.append(',');
    }
    out.append(name).append("=\"");
    Labels.escape(value, out); // the text format escapes backslash, quote and newline, as PromQL strings do
    out.append('"');
    return false;
  }

  /** The samples as length-delimited {@code MetricFamily} messages, one untyped family per metric name. */
  static byte[] protobuf(List<Sample> samples) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(samples.size() * 64);
    try {
      Metrics.MetricFamily.Builder family = null;
      for (Sample sample : samples) {
        Labels labels = sample.labels();
        String name = labels.metricName();
        if (family == null || !family.getName().equals(name)) {
          if (family != null) {
            family.build().writeDelimitedTo(out);
          }
          family = Metrics.MetricFamily.newBuilder().setName(name).setType(Metrics.MetricType.UNTYPED);
        }
        Metrics.Metric.Builder metric = Metrics.Metric.newBuilder();
        for (int i = 0; i < labels.size(); i++) {
          if (!labels.name(i).equals(Labels.METRIC_NAME)) {
            metric.addLabel(Metrics.LabelPair.newBuilder().setName(labels.name(i)).setValue(labels.value(i)));
          }
        }
        if (!labels.has(INSTANCE)) {
          metric.addLabel(Metrics.LabelPair.newBuilder().setName(INSTANCE).setValue(""));
        }
        metric.setUntyped(Metrics.Untyped.newBuilder().setValue(sample.value())).setTimestampMs(sample.timestampMs());
        family.addMetric(metric);
      }
      if (family != null) {
        family.build().writeDelimitedTo(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return out.toByteArray();
  }

  /** {@code v} as the text format writes it: Go's {@code strconv.FormatFloat(v, 'g', -1, 64)} (expfmt's writeFloat). */
  static String goFloat(double v) {
    return GoFloat.formatG(v);
  }
}
