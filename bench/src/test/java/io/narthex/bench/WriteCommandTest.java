package io.narthex.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class WriteCommandTest {
  @Test
  void generatesSamplesAgainstTheNullSink() throws Exception {
    StringWriter output = new StringWriter();
    int exitCode = BenchMain.commandLine().setOut(new PrintWriter(output))
        .execute("write", "--null-sink", "--duration=2s", "--series=5000", "--concurrency=2",
            "--churn-per-minute=500", "--tenants=2", "--json");

    assertThat(exitCode).as(output.toString()).isZero();
    JsonNode summary = lastJsonLine(output.toString());
    assertThat(summary.get("accepted_samples").asLong()).isPositive();
    assertThat(summary.get("error_requests").asLong()).isZero();
    assertThat(summary.get("tenants").asInt()).isEqualTo(2);
    // Every series is sent once in the first round: its time gives the series-creation rate.
    assertThat(summary.get("first_round_seconds").asDouble()).isNotNegative()
        .isLessThanOrEqualTo(summary.get("elapsed_seconds").asDouble());
    assertThat(summary.get("second_round_seconds").isNumber()).isTrue();
    assertThat(summary.get("new_series_per_second").asLong()).isPositive();
  }

  @Test
  void severalUrlsTakeTheRequestsInTurn() throws Exception {
    try (NullSink first = new NullSink(); NullSink second = new NullSink(); NullSink third = new NullSink()) {
      StringWriter output = new StringWriter();
      // 9 batches of 2 senders: sender 0 sends batches 0, 2, .. 8 (5 a round), sender 1 batches 1, 3, .. 7 (4).
      int exitCode = BenchMain.commandLine().setOut(new PrintWriter(output))
          .execute("write", "--url=" + first.pushUrl() + "," + second.pushUrl() + "," + third.pushUrl(),
              "--duration=2s", "--interval=1s", "--series=900", "--samples-per-request=100", "--concurrency=2",
              "--json");

      assertThat(exitCode).as(output.toString()).isZero();
      JsonNode summary = lastJsonLine(output.toString());
      long requests = summary.get("requests").asLong();
      assertThat(summary.get("error_requests").asLong()).isZero();
      assertThat(first.requests() + second.requests() + third.requests()).isEqualTo(requests);
      // In turn, each sender from its own: no endpoint more than one request per sender apart from an even share.
      for (NullSink sink : List.of(first, second, third)) {
        assertThat(sink.requests()).as(output.toString()).isBetween(requests / 3 - 2, requests / 3 + 2);
      }
      assertThat(summary.get("url").asText()).isEqualTo(
          first.pushUrl() + "," + second.pushUrl() + "," + third.pushUrl());
    }
  }

  @Test
  void runIdOptionNamesTheRunSoTwoSystemsGetTheSameSeries() throws Exception {
    StringWriter output = new StringWriter();
    int exitCode = BenchMain.commandLine().setOut(new PrintWriter(output))
        .execute("write", "--null-sink", "--duration=1s", "--series=100", "--run-id=cafe01", "--json");

    assertThat(exitCode).as(output.toString()).isZero();
    assertThat(lastJsonLine(output.toString()).get("run_id").asText()).isEqualTo("cafe01");
  }

  @Test
  void encodedRequestsDecodeBackToSortedLabelSetsWithOneSampleEach() throws Exception {
    for (LabelShape shape : LabelShape.values()) {
      SeriesPlan plan = new SeriesPlan(shape, "abc123", 1000, 2, 300, 0);
      assertThat(plan.batches()).extracting(SeriesPlan.Batch::size).containsExactly(300, 200, 300, 200);
      WriteRequestEncoder encoder = new WriteRequestEncoder();
      plan.newLabelCache().encode(encoder, plan.batches().get(2), 7, 1_700_000_105_000L);

      WriteRequest request = decode(encoder.body());
      assertThat(request.getTimeseriesCount()).isEqualTo(300);
      for (TimeSeries series : request.getTimeseriesList()) {
        List<String> names = series.getLabelsList().stream().map(Label::getName).toList();
        assertThat(names).as(shape + " " + series.getLabelsList()).isSorted().doesNotHaveDuplicates()
            .contains("__name__", "bench_run", "instance", "job", "cluster");
        assertThat(names.size()).isBetween(8, 12);
        assertThat(series.getLabels(0).getValue()).startsWith("bench_");
        assertThat(series.getSamplesCount()).isEqualTo(1);
        assertThat(series.getSamples(0).getTimestamp()).isEqualTo(1_700_000_105_000L);
      }
    }
  }

  @Test
  void churnGivesReplacedTargetsANewInstance() throws Exception {
    // 64 series are two targets; 32 series per round replace one target per round.
    SeriesPlan plan = new SeriesPlan(LabelShape.kube, "abc123", 64, 1, 64, LabelShape.FAMILY_SERIES);
    SeriesPlan.LabelCache cache = plan.newLabelCache();
    WriteRequestEncoder encoder = new WriteRequestEncoder();

    cache.encode(encoder, plan.batches().get(0), 0, 0);
    WriteRequest first = decode(encoder.body());
    cache.encode(encoder, plan.batches().get(0), 1, 15_000);
    WriteRequest second = decode(encoder.body());

    assertThat(instance(second.getTimeseries(0))).isNotEqualTo(instance(first.getTimeseries(0)));
    assertThat(instance(second.getTimeseries(40))).isEqualTo(instance(first.getTimeseries(40)));
  }

  private static String instance(TimeSeries series) {
    return series.getLabelsList().stream().filter(l -> l.getName().equals("instance")).findFirst().orElseThrow()
        .getValue();
  }

  static WriteRequest decode(byte[] body) throws Exception {
    SnappyDecompressor decompressor = new SnappyDecompressor();
    byte[] raw = new byte[SnappyDecompressor.getUncompressedLength(body, 0)];
    decompressor.decompress(body, 0, body.length, raw, 0, raw.length);
    return WriteRequest.parseFrom(raw);
  }

  static JsonNode lastJsonLine(String output) throws Exception {
    String[] lines = output.strip().split("\n");
    return new ObjectMapper().readTree(lines[lines.length - 1]);
  }
}
