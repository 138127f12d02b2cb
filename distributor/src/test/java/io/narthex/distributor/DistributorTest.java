package io.narthex.distributor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.narthex.ingester.FreePorts;
import io.narthex.ingester.ShardHeads;
import io.narthex.ingester.client.ShardWriter;
import io.narthex.ingester.raft.IngesterNode;
import io.narthex.ingester.raft.RaftOptions;
import io.narthex.ingester.raft.RaftShardWriter;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.proto.prompb.WriteRequest;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The distributor over two shards, each a single-replica Raft group on its own real ingester node. */
class DistributorTest {
  private static final long NOW_MS = System.currentTimeMillis();
  private final List<IngesterNode> nodes = new ArrayList<>();
  private final List<ShardWriter> writers = new ArrayList<>();
  private Distributor distributor;

  @TempDir
  Path dataDir;

  @BeforeEach
  void startTwoShards() throws Exception {
    List<ShardMap.Node> ring = List.of(
        new ShardMap.Node("n0", "127.0.0.1:1", "127.0.0.1:" + FreePorts.next()),
        new ShardMap.Node("n1", "127.0.0.1:1", "127.0.0.1:" + FreePorts.next()));
    ShardMap shardMap = ShardMap.roundRobin(ring, 2, 1);
    RaftOptions options = new RaftOptions(Duration.ofMillis(300), 1_000, Duration.ofSeconds(3));
    for (ShardMap.Node node : ring) {
      nodes.add(IngesterNode.start(shardMap, node.id(), dataDir.resolve(node.id()), options));
    }
    for (int shard = 0; shard < 2; shard++) {
      writers.add(new RaftShardWriter(shardMap, shard, options));
    }
    distributor = new Distributor(writers, ValidationLimits.defaults());
  }

  @AfterEach
  void stop() {
    writers.forEach(ShardWriter::close);
    nodes.forEach(IngesterNode::close);
  }

  private static TimeSeries series(String id, long timestampMs, double value) {
    return TimeSeries.newBuilder()
        .addLabels(Label.newBuilder().setName("__name__").setValue("m"))
        .addLabels(Label.newBuilder().setName("id").setValue(id))
        .addSamples(Sample.newBuilder().setTimestamp(timestampMs).setValue(value))
        .build();
  }

  private List<String> idsOn(int shard, String tenant) {
    List<String> ids = new ArrayList<>();
    ShardHeads ingester = nodes.get(shard).heads(shard);
    for (EncodedSeries s : ingester.select(tenant, 0, Long.MAX_VALUE, List.of(Matcher.equal("__name__", "m")))) {
      ids.add(s.labels().get("id"));
    }
    return ids;
  }

  @Test
  void shardsSeriesByHashAndStoresEachOnExactlyOneShard() {
    WriteRequest.Builder request = WriteRequest.newBuilder();
    for (int i = 0; i < 200; i++) {
      request.addTimeseries(series(Integer.toString(i), NOW_MS, i));
    }
    Distributor.PushResult result = distributor.push("t", request.build());

    assertThat(result.errors()).isEmpty();
    assertThat(result.acceptedSamples()).isEqualTo(200);
    List<String> first = idsOn(0, "t");
    List<String> second = idsOn(1, "t");
    assertThat(first).isNotEmpty().doesNotContainAnyElementsOf(second);
    assertThat(second).isNotEmpty();
    assertThat(first.size() + second.size()).isEqualTo(200);
  }

  @Test
  void eachRejectionNamesItsSeriesAndItsIndexInTheRequestWhateverShardItLandedOn() {
    WriteRequest.Builder first = WriteRequest.newBuilder();
    for (int i = 0; i < 50; i++) {
      first.addTimeseries(series(Integer.toString(i), NOW_MS, i));
    }
    distributor.push("t", first.build());
    // Re-encoded by the distributor (an empty label is dropped), then out of order at its ingester.
    TimeSeries reencodedOutOfOrder = series("33", NOW_MS - 1000, 1).toBuilder()
        .addLabels(Label.newBuilder().setName("zempty").setValue("")).build();

    Distributor.PushResult result = distributor.push("t", WriteRequest.newBuilder()
        .addTimeseries(series("0", NOW_MS + 1000, 1))
        .addTimeseries(series("17", NOW_MS + 1000, 1).toBuilder()
            .addLabels(Label.newBuilder().setName("bad-name").setValue("x")).build())
        .addTimeseries(series("17", NOW_MS - 1000, 1))
        .addTimeseries(reencodedOutOfOrder)
        .addTimeseries(series("40", NOW_MS + 1000, 1))
        .build());

    assertThat(result.acceptedSamples()).isEqualTo(2);
    assertThat(result.errorSeries()).hasSameSizeAs(result.errors());
    List<String> named = new ArrayList<>();
    for (int i = 0; i < result.errors().size(); i++) {
      java.util.regex.Matcher id = java.util.regex.Pattern.compile("err-narthex-[a-z-]+")
          .matcher(result.errors().get(i));
      named.add(result.errorSeries().get(i) + " " + (id.find() ? id.group() : result.errors().get(i)));
    }
    assertThat(named).containsExactlyInAnyOrder("1 err-narthex-label-invalid", "2 err-narthex-sample-out-of-order",
        "3 err-narthex-sample-out-of-order");
    assertThat(result.errors().get(result.errorSeries().indexOf(2))).contains("m{id=\"17\"}");
    assertThat(result.errors().get(result.errorSeries().indexOf(3))).contains("m{id=\"33\"}");
  }

  @Test
  void sampleTooFarInTheFutureIsRejectedAndTheSeriesOtherSamplesKept() {
    TimeSeries mixed = series("f", NOW_MS, 1).toBuilder()
        .addSamples(Sample.newBuilder().setTimestamp(NOW_MS + Duration.ofHours(1).toMillis()).setValue(2))
        .build();
    Distributor.PushResult result = distributor.push("t", WriteRequest.newBuilder().addTimeseries(mixed).build());

    assertThat(result.acceptedSamples()).isEqualTo(1);
    assertThat(result.errors()).singleElement().asString().contains("err-narthex-too-far-in-future");
  }

  @Test
  void unavailableShardFailsThePushAsAServerFaultWhileTheOtherShardStores() {
    nodes.get(1).close();
    WriteRequest.Builder request = WriteRequest.newBuilder();
    for (int i = 0; i < 50; i++) {
      request.addTimeseries(series(Integer.toString(i), NOW_MS, i));
    }
    assertThatThrownBy(() -> distributor.push("t", request.build()))
        .isInstanceOf(Distributor.IngesterUnavailableException.class)
        .hasMessageContaining("shard 1");
    assertThat(idsOn(0, "t")).isNotEmpty();
  }

  @Test
  void seriesThatMustChangeAreStoredFixedNextToSeriesPassedOnAsSent() {
    TimeSeries withExtras = series("x", NOW_MS, 1).toBuilder()
        .addLabels(Label.newBuilder().setName("zempty").setValue(""))
        .addExemplars(io.narthex.proto.prompb.Exemplar.newBuilder().setValue(1).setTimestamp(NOW_MS))
        .build();
    Distributor.PushResult result = distributor.push("t", WriteRequest.newBuilder()
        .addTimeseries(withExtras).addTimeseries(series("clean", NOW_MS, 2)).build());

    assertThat(result.errors()).isEmpty();
    assertThat(result.acceptedSamples()).isEqualTo(2);
    List<String> all = new ArrayList<>(idsOn(0, "t"));
    all.addAll(idsOn(1, "t"));
    assertThat(all).containsExactlyInAnyOrder("x", "clean");
    for (int shard = 0; shard < 2; shard++) {
      for (EncodedSeries s : nodes.get(shard).heads(shard)
          .select("t", 0, Long.MAX_VALUE, List.of(Matcher.equal("__name__", "m")))) {
        assertThat(s.labels().names()).containsExactly("__name__", "id");
      }
    }
  }

  @Test
  void malformedBodiesAreRefusedWholeAndStoreNothing() {
    byte[] valid = WriteRequest.newBuilder().addTimeseries(series("a", NOW_MS, 1))
        .addTimeseries(series("b", NOW_MS, 1)).build().toByteArray();
    byte[] truncated = java.util.Arrays.copyOf(valid, valid.length - 2);
    assertThatThrownBy(() -> distributor.push("t", truncated))
        .isInstanceOf(Distributor.MalformedRequestException.class);

    assertThat(idsOn(0, "t")).isEmpty();
    assertThat(idsOn(1, "t")).isEmpty();
  }

  /** The encoded request with every two-byte UTF-8 "é" (c3 a9) turned into an invalid sequence (c3 41). */
  private static byte[] withInvalidUtf8(WriteRequest request) {
    byte[] bytes = request.toByteArray();
    for (int i = 1; i < bytes.length; i++) {
      if (bytes[i - 1] == (byte) 0xc3 && bytes[i] == (byte) 0xa9) {
        bytes[i] = 0x41;
      }
    }
    return bytes;
  }

  @Test
  void invalidUtf8InOneSeriesRejectsThatSeriesOnlyAndTheRestIsStored() {
    TimeSeries badName = series("n", NOW_MS, 1).toBuilder()
        .addLabels(Label.newBuilder().setName("z\u00e9").setValue("1")).build();
    byte[] body = withInvalidUtf8(WriteRequest.newBuilder()
        .addTimeseries(series("a", NOW_MS, 1))
        .addTimeseries(series("\u00e9", NOW_MS, 1))
        .addTimeseries(badName)
        .addTimeseries(series("b", NOW_MS, 1))
        .build());

    Distributor.PushResult result = distributor.push("t", body);

    assertThat(result.acceptedSamples()).isEqualTo(2);
    assertThat(result.errors()).hasSize(2);
    assertThat(result.errors().get(0)).contains("err-narthex-label-value-invalid")
        .contains("label 'id'").contains("metric: 'm'");
    assertThat(result.errors().get(1)).contains("err-narthex-label-invalid");
    List<String> all = new ArrayList<>(idsOn(0, "t"));
    all.addAll(idsOn(1, "t"));
    assertThat(all).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void anExemplarWithInvalidUtf8IsDroppedAndItsSeriesStored() {
    TimeSeries withExemplar = series("x", NOW_MS, 1).toBuilder()
        .addExemplars(io.narthex.proto.prompb.Exemplar.newBuilder().setValue(1).setTimestamp(NOW_MS)
            .addLabels(Label.newBuilder().setName("trace_id").setValue("\u00e9")))
        .build();
    byte[] body = withInvalidUtf8(WriteRequest.newBuilder()
        .addTimeseries(withExemplar).addTimeseries(series("y", NOW_MS, 2)).build());

    Distributor.PushResult result = distributor.push("t", body);

    assertThat(result.errors()).isEmpty();
    assertThat(result.acceptedSamples()).isEqualTo(2);
    List<String> all = new ArrayList<>(idsOn(0, "t"));
    all.addAll(idsOn(1, "t"));
    assertThat(all).containsExactlyInAnyOrder("x", "y");
  }

  @Test
  void aSeriesLargerThanALogEntryIsRefusedByNameAndTheRestStored() {
    TimeSeries.Builder huge = series("huge", NOW_MS - 300_000, 0).toBuilder();
    for (int i = 1; i < 300_000; i++) {
      huge.addSamples(Sample.newBuilder().setTimestamp(NOW_MS - 300_000 + i).setValue(i));
    }
    Distributor.PushResult result = distributor.push("t", WriteRequest.newBuilder()
        .addTimeseries(huge).addTimeseries(series("small", NOW_MS, 1)).build());

    assertThat(result.acceptedSamples()).isEqualTo(1);
    assertThat(result.errors()).singleElement().asString()
        .contains("err-narthex-series-too-large").contains("m{id=\"huge\"}");
    List<String> all = new ArrayList<>(idsOn(0, "t"));
    all.addAll(idsOn(1, "t"));
    assertThat(all).containsExactly("small");
  }

  @Test
  void theGlobalSeriesLimitHoldsOverRaftShards() {
    Distributor limited = new Distributor(writers, ValidationLimits.defaults(),
        tenant -> new TenantLimits(Double.POSITIVE_INFINITY, Integer.MAX_VALUE, 10, 0));
    WriteRequest.Builder first = WriteRequest.newBuilder();
    for (int i = 0; i < 8; i++) {
      first.addTimeseries(series("a" + i, NOW_MS, i));
    }
    assertThat(limited.push("t", first.build()).errors()).isEmpty();

    WriteRequest.Builder second = WriteRequest.newBuilder();
    for (int i = 0; i < 5; i++) {
      second.addTimeseries(series("b" + i, NOW_MS, i));
    }
    Distributor.PushResult result = limited.push("t", second.build());

    assertThat(result.acceptedSamples()).isEqualTo(2);
    assertThat(result.errors()).hasSize(3).allSatisfy(e -> assertThat(e).contains("err-narthex-max-series-per-user"));
    assertThat(idsOn(0, "t").size() + idsOn(1, "t").size()).isEqualTo(10);
  }
}
