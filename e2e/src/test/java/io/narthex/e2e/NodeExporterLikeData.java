package io.narthex.e2e;

import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Samples shaped like a node-exporter's: the series (names, labels, starting values) of one real scrape of
 * node-exporter's text exposition, continued every 15 s. Counters grow by a per-series rate with noise; most
 * gauges stay constant, as most node gauges do (sizes, info metrics), and a quarter wander around their value.
 */
final class NodeExporterLikeData {
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private NodeExporterLikeData() {}

  private record Scraped(Map<String, String> labels, double value, boolean counter) {}

  /** Series of a text exposition (version 0.0.4), with counters told by their {@code # TYPE} lines. */
  private static List<Scraped> parse(String exposition) {
    Map<String, String> types = new TreeMap<>();
    List<Scraped> out = new ArrayList<>();
    for (String line : exposition.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String[] parts = line.split(" ");
        types.put(parts[2], parts[3]);
        continue;
      }
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String name = brace >= 0 ? line.substring(0, brace) : line.substring(0, space);
      Map<String, String> labels = new TreeMap<>();
      labels.put("__name__", name);
      if (brace >= 0) {
        Matcher m = LABEL.matcher(line.substring(brace, line.lastIndexOf('}') + 1));
        while (m.find()) {
          labels.put(m.group(1), m.group(2).replace("\\\"", "\"").replace("\\n", "\n").replace("\\\\", "\\"));
        }
      }
      double value = ResultComparison.parseValue(line.substring(space + 1));
      String family = name.replaceAll("_(bucket|sum|count)$", "");
      String type = types.getOrDefault(name, types.getOrDefault(family, "untyped"));
      boolean counter = type.equals("counter") || type.equals("histogram") || type.equals("summary")
          && !labels.containsKey("quantile");
      out.add(new Scraped(labels, value, counter));
    }
    return out;
  }

  /**
   * Remote-write requests of every scraped series, one sample every 15 s over {@code [startMs, endMs)}, each
   * request holding {@code stepsPerRequest} scrapes; deterministic for a given exposition.
   */
  static List<WriteRequest> requests(String exposition, long startMs, long endMs, int stepsPerRequest) {
    List<Scraped> series = parse(exposition);
    Random random = new Random(7);
    double[] values = new double[series.size()];
    double[] ratesPerStep = new double[series.size()];
    boolean[] wanders = new boolean[series.size()];
    for (int s = 0; s < series.size(); s++) {
      Scraped scraped = series.get(s);
      values[s] = Double.isFinite(scraped.value()) ? scraped.value() : 0;
      // Counters of integers (bytes, packets) grow by whole numbers; seconds counters by fractions.
      ratesPerStep[s] = Math.floor(values[s]) == values[s] ? Math.floor(Math.pow(10, 4 * random.nextDouble()))
          : 15 * random.nextDouble();
      wanders[s] = !scraped.counter() && random.nextInt(4) == 0;
    }
    List<WriteRequest> out = new ArrayList<>();
    int steps = (int) ((endMs - startMs) / 15_000);
    for (int from = 0; from < steps; from += stepsPerRequest) {
      WriteRequest.Builder request = WriteRequest.newBuilder();
      for (int s = 0; s < series.size(); s++) {
        TimeSeries.Builder wire = TimeSeries.newBuilder();
        series.get(s).labels().forEach((n, v) -> wire.addLabels(Label.newBuilder().setName(n).setValue(v)));
        for (int step = from; step < Math.min(steps, from + stepsPerRequest); step++) {
          Scraped scraped = series.get(s);
          if (scraped.counter()) {
            double increment = ratesPerStep[s] * (0.8 + 0.4 * random.nextDouble());
            values[s] += Math.floor(values[s]) == values[s] ? Math.floor(increment) : increment;
          } else if (wanders[s]) {
            values[s] = Math.round((values[s] + (random.nextDouble() - 0.5) * 0.01 * Math.abs(values[s])) * 1e3) / 1e3;
          }
          wire.addSamples(Sample.newBuilder().setTimestamp(startMs + step * 15_000L).setValue(values[s]));
        }
        request.addTimeseries(wire);
      }
      out.add(request.build());
    }
    return out;
  }
}
