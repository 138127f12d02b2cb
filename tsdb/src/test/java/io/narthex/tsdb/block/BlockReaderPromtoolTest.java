package io.narthex.tsdb.block;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.WindowedSeries;
import io.narthex.tsdb.storage.SampleIterator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads blocks made by the real {@code promtool tsdb create-blocks-from openmetrics} (Prometheus 2.42). */
class BlockReaderPromtoolTest {
  private static final long T0_SECONDS = 1_700_000_000L;
  private static final int SAMPLES = 300; // more than one 120-sample chunk per series

  @TempDir Path tmp;

  @Test
  void readsBackTheSamplesOfABlockBackfilledByPromtool() throws Exception {
    Promtool promtool = Promtool.installed();

    Map<Labels, List<double[]>> written = new LinkedHashMap<>();
    StringBuilder om = new StringBuilder();
    om.append("# HELP http_requests Requests served.\n# TYPE http_requests counter\n");
    for (String code : List.of("200", "500")) {
      Labels labels = Labels.of("__name__", "http_requests_total", "code", code, "method", "get");
      for (int i = 0; i < SAMPLES; i++) {
        sample(om, written, labels, "http_requests_total{code=\"" + code + "\",method=\"get\"}", T0_SECONDS * 1000
            + i * 15_000L, code.equals("200") ? i * 3.0 : i / 7);
      }
    }
    om.append("# HELP room_temperature_celsius Temperature.\n# TYPE room_temperature_celsius gauge\n");
    for (String room : List.of("kitchen", "cellar")) {
      Labels labels = Labels.of("__name__", "room_temperature_celsius", "room", room);
      for (int i = 0; i < SAMPLES; i++) {
        // Half-second timestamps: OpenMetrics timestamps are seconds, possibly fractional.
        sample(om, written, labels, "room_temperature_celsius{room=\"" + room + "\"}",
            T0_SECONDS * 1000 + 500 + i * 10_000L, 20 + (i % 13) * 0.25 - (room.equals("cellar") ? 30 : 0));
      }
    }
    om.append("# EOF\n");
    Path input = tmp.resolve("input.om");
    Files.writeString(input, om);
    Path out = tmp.resolve("blocks");
    promtool.run("tsdb", "create-blocks-from", "openmetrics", input.toString(), out.toString());

    List<Path> blocks;
    try (Stream<Path> dirs = Files.list(out)) {
      blocks = dirs.filter(Files::isDirectory).sorted().toList();
    }
    assertThat(blocks).isNotEmpty();
    Map<Labels, List<double[]>> read = new LinkedHashMap<>();
    long totalSamples = 0;
    for (Path dir : blocks) {
      String ulid = dir.getFileName().toString();
      BlockReader reader = BlockReader.open(ulid, BlockFiles.directory(dir));
      String meta = Files.readString(dir.resolve("meta.json"));
      long minTime = jsonLong(meta, "minTime");
      long maxTime = jsonLong(meta, "maxTime");
      BlockReader.BlockStats stats = reader.validate(minTime, maxTime);
      assertThat(stats.numSamples()).isEqualTo(jsonLong(meta, "numSamples"));
      totalSamples += stats.numSamples();

      assertThat(reader.labelNames(List.of())).containsExactly("__name__", "code", "method", "room");
      assertThat(reader.labelValues("room", List.of())).containsExactly("cellar", "kitchen");
      assertThat(reader.select(minTime, maxTime, List.of(Matcher.equal("code", "500"))))
          .extracting(EncodedSeries::labels)
          .containsExactly(Labels.of("__name__", "http_requests_total", "code", "500", "method", "get"));

      for (EncodedSeries series : reader.select(Long.MIN_VALUE, Long.MAX_VALUE, List.of())) {
        SampleIterator it = new WindowedSeries(series, Long.MIN_VALUE, Long.MAX_VALUE).iterator();
        List<double[]> samples = read.computeIfAbsent(series.labels(), k -> new ArrayList<>());
        while (it.next()) {
          samples.add(new double[] {it.timestampMs(), it.value()});
        }
      }
    }
    assertThat(totalSamples).isEqualTo(4L * SAMPLES);
    assertThat(read.keySet()).containsExactlyInAnyOrderElementsOf(written.keySet());
    for (Map.Entry<Labels, List<double[]>> e : written.entrySet()) {
      List<double[]> got = read.get(e.getKey());
      got.sort((a, b) -> Double.compare(a[0], b[0]));
      assertThat(got).as("%s", e.getKey()).hasSameSizeAs(e.getValue());
      for (int i = 0; i < got.size(); i++) {
        assertThat(got.get(i)).as("%s sample %d", e.getKey(), i).containsExactly(e.getValue().get(i));
      }
    }
  }

  private static void sample(StringBuilder om, Map<Labels, List<double[]>> written, Labels labels, String series,
      long timestampMs, double value) {
    om.append(series).append(' ').append(value).append(' ').append(timestampMs / 1000);
    if (timestampMs % 1000 != 0) {
      om.append('.').append(String.format("%03d", timestampMs % 1000));
    }
    om.append('\n');
    written.computeIfAbsent(labels, k -> new ArrayList<>()).add(new double[] {timestampMs, value});
  }

  private static long jsonLong(String json, String key) {
    var m = Pattern.compile("\"" + key + "\":\\s*(-?\\d+)").matcher(json);
    assertThat(m.find()).as("%s in %s", key, json).isTrue();
    return Long.parseLong(m.group(1));
  }
}
