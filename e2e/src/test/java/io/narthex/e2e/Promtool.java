package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.objstore.Bucket;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Debian's promtool, and the block files around it: download from a bucket, dump parsing, OpenMetrics input. */
final class Promtool {
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private final String binary;

  private Promtool(String binary) {
    this.binary = binary;
  }

  /** Debian's promtool; skips the test (fails on CI) when it is not installed. */
  static Promtool installed() {
    String binary = ExternalProcess.which("promtool");
    ExternalProcess.assumeInstalled(binary != null,
        "promtool is not installed (apt-get install prometheus; .ci/run does this)");
    return new Promtool(binary);
  }

  /** Runs promtool, asserting exit status 0; returns its standard output. */
  String run(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(binary);
    command.addAll(List.of(args));
    Path output = Files.createTempFile("promtool", ".out");
    Path errors = Files.createTempFile("promtool", ".err");
    try {
      Process process = new ProcessBuilder(command).redirectOutput(output.toFile()).redirectError(errors.toFile())
          .start();
      assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("promtool %s finished", List.of(args)).isTrue();
      String out = Files.readString(output);
      assertThat(process.exitValue()).as("promtool %s failed: %s%s", List.of(args), out, Files.readString(errors))
          .isZero();
      return out;
    } finally {
      Files.deleteIfExists(output);
      Files.deleteIfExists(errors);
    }
  }

  /** Copies every object under {@code <tenant>/<ulid>/} into {@code <dir>/<ulid>/}. */
  static void download(Bucket bucket, String tenant, String ulid, Path dir) throws IOException {
    String prefix = tenant + "/" + ulid + "/";
    for (String name : bucket.list(prefix, true)) {
      Path target = dir.resolve(ulid).resolve(name.substring(prefix.length()));
      Files.createDirectories(target.getParent());
      try (InputStream in = bucket.get(name)) {
        Files.copy(in, target);
      }
    }
  }

  /** Copies a directory tree. */
  static void copyTree(Path from, Path to) throws IOException {
    try (var files = Files.walk(from)) {
      for (Path file : files.toList()) {
        Path target = to.resolve(from.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    }
  }

  /** ULIDs of the tenant's complete blocks (those with a meta.json) in the bucket. */
  static List<String> blocks(Bucket bucket, String tenant) throws IOException {
    List<String> out = new ArrayList<>();
    for (String dir : bucket.list(tenant + "/")) {
      String ulid = dir.substring(tenant.length() + 1).replace("/", "");
      if (dir.endsWith("/") && ulid.length() == 26 && bucket.exists(tenant + "/" + ulid + "/meta.json")) {
        out.add(ulid);
      }
    }
    return out;
  }

  /**
   * Samples by label set (sorted map, as text) from {@code promtool tsdb dump} output, whose lines read
   * {@code {a="b", c="d"} <value> <timestampMs>}. Each sample is {timestampMs, value bits}; every NaN (staleness
   * markers included, which print as NaN) becomes the canonical NaN.
   */
  static Map<String, List<long[]>> parseDump(String dump) {
    Map<String, List<long[]>> out = new TreeMap<>();
    for (String line : dump.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      int close = line.lastIndexOf("} ");
      Map<String, String> labels = new TreeMap<>();
      Matcher m = LABEL.matcher(line.substring(0, close + 1));
      while (m.find()) {
        labels.put(m.group(1), m.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
      }
      String[] rest = line.substring(close + 2).trim().split(" ");
      double value = ResultComparison.parseValue(rest[0]);
      out.computeIfAbsent(labels.toString(), k -> new ArrayList<>())
          .add(new long[] {Long.parseLong(rest[1]), Double.doubleToLongBits(value)});
    }
    out.values().forEach(list -> list.sort((a, b) -> Long.compare(a[0], b[0])));
    return out;
  }

  /** The samples of remote-write requests in the shape of {@link #parseDump}. */
  static Map<String, List<long[]>> samplesOf(List<WriteRequest> requests) {
    Map<String, List<long[]>> out = new TreeMap<>();
    for (WriteRequest request : requests) {
      for (TimeSeries series : request.getTimeseriesList()) {
        Map<String, String> labels = new TreeMap<>();
        for (Label label : series.getLabelsList()) {
          labels.put(label.getName(), label.getValue());
        }
        List<long[]> samples = out.computeIfAbsent(labels.toString(), k -> new ArrayList<>());
        for (Sample sample : series.getSamplesList()) {
          samples.add(new long[] {sample.getTimestamp(), Double.doubleToLongBits(sample.getValue())});
        }
      }
    }
    out.values().forEach(list -> list.sort((a, b) -> Long.compare(a[0], b[0])));
    return out;
  }

  /**
   * The requests' samples as an OpenMetrics file for {@code promtool tsdb create-blocks-from openmetrics}: series
   * grouped and sorted by label set, timestamps in seconds with milliseconds, staleness markers left out (the
   * format cannot say them).
   */
  static String openMetrics(List<WriteRequest> requests) {
    Map<String, List<long[]>> samples = samplesOf(requests);
    Map<String, String> seriesText = new TreeMap<>();
    for (WriteRequest request : requests) {
      for (TimeSeries series : request.getTimeseriesList()) {
        Map<String, String> labels = new TreeMap<>();
        for (Label label : series.getLabelsList()) {
          labels.put(label.getName(), label.getValue());
        }
        StringBuilder text = new StringBuilder();
        labels.forEach((name, value) -> {
          if (!name.equals("__name__")) {
            text.append(text.isEmpty() ? "" : ",").append(name).append("=\"")
                .append(value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
          }
        });
        seriesText.put(labels.toString(),
            labels.get("__name__") + (text.isEmpty() ? "" : "{" + text + "}"));
      }
    }
    StringBuilder out = new StringBuilder();
    seriesText.forEach((key, text) -> {
      for (long[] sample : samples.get(key)) {
        double value = Double.longBitsToDouble(sample[1]);
        if (Double.isNaN(value)) {
          continue;
        }
        out.append(text).append(' ').append(value).append(' ')
            .append(java.math.BigDecimal.valueOf(sample[0], 3).toPlainString()).append('\n');
      }
    });
    return out.append("# EOF\n").toString();
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
