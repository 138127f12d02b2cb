package io.narthex.ingester.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.narthex.ingester.FreePorts;
import io.narthex.ingester.client.LogFormat;
import io.narthex.ingester.client.PushEntryBuilder;
import io.narthex.ingester.client.WireFields;
import io.narthex.ingester.client.ShardWriter.ShardUnavailableException;
import io.narthex.ingester.ring.ShardMap;
import io.narthex.proto.ingester.PushRequest;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.SampleError;
import io.narthex.proto.ingester.ShardLogEntry;
import io.narthex.proto.ingester.TruncateHead;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.EncodedSeries;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real one-replica shard fed every kind of bad log entry: each is refused with an answer, the shard keeps
 * applying the entries after it, and a restart replays the same log to the same heads.
 */
class ShardStateMachineTest {
  private static final String TENANT = "team-a";
  private static final long T0_MS = 1_700_000_000_000L;

  @TempDir
  Path dataDir;

  private final RaftOptions raftOptions = new RaftOptions(Duration.ofMillis(300), 10_000, Duration.ofSeconds(5));
  private ShardMap shardMap;
  private IngesterNode node;
  private RaftShardWriter writer;

  @BeforeEach
  void startShard() throws Exception {
    int port = FreePorts.next();
    shardMap = ShardMap.roundRobin(List.of(new ShardMap.Node("n0", "127.0.0.1:1", "127.0.0.1:" + port)), 1, 1);
    start();
  }

  private void start() throws Exception {
    start(ApplyOptions.DEFAULT);
  }

  private void start(ApplyOptions apply) throws Exception {
    node = IngesterNode.start(shardMap, "n0", dataDir.resolve("n0"), raftOptions, apply);
    writer = new RaftShardWriter(shardMap, 0, raftOptions);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(node::ready);
  }

  @AfterEach
  void stop() {
    writer.close();
    node.close();
  }

  private static TimeSeries series(long timestampMs, String... namesAndValues) {
    TimeSeries.Builder series = TimeSeries.newBuilder();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      series.addLabels(Label.newBuilder().setName(namesAndValues[i]).setValue(namesAndValues[i + 1]));
    }
    return series.addSamples(Sample.newBuilder().setTimestamp(timestampMs).setValue(1)).build();
  }

  /** The snappy_push entry the distributor sends for these series. */
  private static byte[] snappyPush(TimeSeries... series) {
    PushEntryBuilder builder = new PushEntryBuilder(TENANT);
    for (TimeSeries s : series) {
      byte[] bytes = s.toByteArray();
      builder.add(bytes, 0, bytes.length);
    }
    return builder.build();
  }

  /** A series at every label limit: 30 labels, names of 1,024 bytes, values of 2,048 (multi-byte runes too). */
  private static TimeSeries seriesAtEveryLimit(long timestampMs) {
    List<String> pairs = new ArrayList<>(List.of("__name__", "at_the_limits"));
    for (int i = 1; i < 30; i++) {
      String name = String.format("l%02d", i) + "_".repeat(1024 - 3);
      String value = i % 2 == 0 ? "v".repeat(2048) : "é".repeat(1024); // 2 bytes each in UTF-8
      pairs.add(name);
      pairs.add(value);
    }
    return series(timestampMs, pairs.toArray(String[]::new));
  }

  private Map<String, byte[]> badEntries() {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("not protobuf", new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
    entries.put("truncated field", new byte[] {0x0a, 0x40, 0x01});
    entries.put("empty entry", new byte[0]);
    entries.put("push without tenant", ShardLogEntry.newBuilder()
        .setPush(PushRequest.newBuilder().addTimeseries(series(T0_MS, "__name__", "up"))).build().toByteArray());
    entries.put("snappy_push that is not snappy", ShardLogEntry.newBuilder()
        .setSnappyPush(ByteString.copyFrom(new byte[] {0x10, (byte) 0xff, 0x00, 0x7f})).build().toByteArray());
    entries.put("snappy_push claiming 2 GiB", ShardLogEntry.newBuilder()
        .setSnappyPush(ByteString.copyFrom(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08}))
        .build().toByteArray());
    byte[] series = series(T0_MS, "__name__", "up", "job", "é").toByteArray();
    for (int i = 0; i < series.length - 1; i++) {
      if (series[i] == (byte) 0xc3 && series[i + 1] == (byte) 0xa9) {
        series[i + 1] = (byte) 0xff; // 'é' becomes an invalid UTF-8 sequence
      }
    }
    PushEntryBuilder invalidUtf8 = new PushEntryBuilder(TENANT);
    invalidUtf8.add(series, 0, series.length);
    entries.put("series with invalid UTF-8", invalidUtf8.build());
    byte[] truncatedSeries = series(T0_MS, "__name__", "up", "job", "node").toByteArray();
    PushEntryBuilder truncated = new PushEntryBuilder(TENANT);
    truncated.add(truncatedSeries, 0, truncatedSeries.length - 3);
    entries.put("truncated series", truncated.build());
    return entries;
  }

  private List<String> names(List<EncodedSeries> series) {
    return series.stream().map(s -> s.labels().get(Labels.METRIC_NAME)).sorted().toList();
  }

  @Test
  void refusesEveryBadEntryAndKeepsApplyingTheNextOnesThroughReplay() throws Exception {
    List<String> refused = new ArrayList<>();
    long timestampMs = T0_MS;
    for (Map.Entry<String, byte[]> bad : badEntries().entrySet()) {
      PushResponse answer = writer.pushEntry(bad.getValue()).get();
      assertThat(answer.getInvalidRequest()).as(bad.getKey()).startsWith("shard 0 rejected log entry");
      refused.add(bad.getKey());
      // The shard still applies the next entry.
      PushResponse good = writer.pushEntry(snappyPush(series(timestampMs, "__name__", "after_bad_entry"))).get();
      assertThat(good.getInvalidRequest()).as("after " + bad.getKey()).isEmpty();
      assertThat(good.getAcceptedSamples()).as("after " + bad.getKey()).isEqualTo(1);
      timestampMs += 15_000;
    }
    assertThat(refused).hasSize(badEntries().size());
    long expectedSamples = badEntries().size();

    writer.close();
    node.close();
    start(); // replays the whole log, bad entries included

    List<EncodedSeries> stored = node.heads(0).select(TENANT, T0_MS, timestampMs, List.of());
    assertThat(names(stored)).containsExactly("after_bad_entry");
    assertThat(stored.getFirst().chunks().stream().mapToLong(c -> c.numSamples()).sum()).isEqualTo(expectedSamples);
    PushResponse afterRestart = writer.pushEntry(snappyPush(series(timestampMs, "__name__", "after_restart"))).get();
    assertThat(afterRestart.getAcceptedSamples()).isEqualTo(1);
  }

  @Test
  void entriesCarryTheFormatVersionAndAReplicaStopsAtANewerOneInsteadOfRefusingIt() throws Exception {
    byte[] current = snappyPush(series(T0_MS, "__name__", "current_format"));
    WireFields fields = new WireFields(current, 0, current.length, LogFormat.FIELD + 1);
    assertThat(fields.varint(LogFormat.FIELD, 0)).isEqualTo(LogFormat.SINGLE);
    assertThat(writer.pushEntry(current).get().getAcceptedSamples()).isEqualTo(1);
    // Entries written before the field existed read as version 1.
    byte[] unversioned = ShardLogEntry.newBuilder().setPush(PushRequest.newBuilder().setTenant(TENANT)
        .addTimeseries(series(T0_MS, "__name__", "unversioned"))).build().toByteArray();
    assertThat(writer.pushEntry(unversioned).get().getAcceptedSamples()).isEqualTo(1);

    byte[] newer = ShardLogEntry.newBuilder().setPush(PushRequest.newBuilder().setTenant(TENANT)
        .addTimeseries(series(T0_MS, "__name__", "from_the_future"))).setFormatVersion(LogFormat.VERSION + 1)
        .build().toByteArray();
    java.util.concurrent.CompletableFuture<PushResponse> answer = writer.pushEntry(newer);

    // Not refused (a refusal would make this replica disagree with upgraded ones): the shard stops applying here.
    assertThatThrownBy(() -> answer.get(30, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();
    assertThat(names(node.heads(0).select(TENANT, T0_MS, T0_MS, List.of())))
        .containsExactly("current_format", "unversioned");
  }

  @Test
  void storesAndReadsBackLabelSetsAtEveryLimitThroughRestart() throws Exception {
    // One 600-character value: over the 512-byte hash scratch that used to throw in the apply thread.
    TimeSeries longValue = series(T0_MS, "__name__", "long_value", "path", "p".repeat(600));
    TimeSeries atLimits = seriesAtEveryLimit(T0_MS);

    PushResponse answer = writer.pushEntry(snappyPush(longValue, atLimits)).get();
    assertThat(answer.getInvalidRequest()).isEmpty();
    assertThat(answer.getAcceptedSamples()).isEqualTo(2);
    // A second sample finds the same series by its identity, in place.
    assertThat(writer.pushEntry(snappyPush(series(T0_MS + 15_000, "__name__", "long_value", "path",
        "p".repeat(600)), seriesAtEveryLimit(T0_MS + 15_000))).get().getAcceptedSamples()).isEqualTo(2);

    writer.close();
    node.close();
    start();

    List<EncodedSeries> stored = node.heads(0).select(TENANT, T0_MS, T0_MS + 15_000, List.of());
    assertThat(names(stored)).containsExactly("at_the_limits", "long_value");
    EncodedSeries limits = stored.stream().filter(s -> s.labels().get("__name__").equals("at_the_limits")).findFirst()
        .orElseThrow();
    assertThat(limits.labels().size()).isEqualTo(30);
    for (Label label : atLimits.getLabelsList()) {
      assertThat(limits.labels().get(label.getName())).isEqualTo(label.getValue());
    }
    for (EncodedSeries series : stored) {
      assertThat(series.chunks().stream().mapToLong(c -> c.numSamples()).sum()).isEqualTo(2);
    }
  }

  @Test
  void overTheHeapWatermarkLeadersRefusePushesButNotTheEntriesThatFreeMemory() throws Exception {
    AtomicLong usedBytes = new AtomicLong(95);
    writer.close();
    node.close();
    start(new ApplyOptions(new HeapWatermark(90, 100, usedBytes::get), Duration.ZERO));

    assertThatThrownBy(() -> writer.pushEntry(snappyPush(series(T0_MS, "__name__", "up"))).get())
        .hasCauseInstanceOf(ShardUnavailableException.class)
        .hasMessageContaining("-ingester.instance-limits.max-heap-used-percent");
    PushResponse truncate = writer.submit(ShardLogEntry.newBuilder()
        .setTruncateHead(TruncateHead.newBuilder().setTenant(TENANT).setBeforeMs(T0_MS)).build()).get();
    assertThat(truncate.getInvalidRequest()).isEmpty();

    usedBytes.set(50);
    Thread.sleep(1_100); // the watermark is read at most once a second
    assertThat(writer.pushEntry(snappyPush(series(T0_MS, "__name__", "up"))).get().getAcceptedSamples())
        .isEqualTo(1);
  }

  @Test
  void withoutASnapshotTheStorageIsReadAgainOnlyOnceAnInstallIsAnnounced() throws Exception {
    ShardStateMachine stateMachine = node.stateMachine(0);
    assertThat(stateMachine.getLatestSnapshot()).isNull();
    // A snapshot file appearing behind Ratis's back, as only an install (after pause) or takeSnapshot makes one:
    // not looked for on every append, which listed the directory each time (6.6 % of an ingester's CPU).
    Path smDir;
    try (var dirs = java.nio.file.Files.walk(dataDir)) {
      smDir = dirs.filter(dir -> dir.getFileName().toString().equals("sm") && java.nio.file.Files.isDirectory(dir))
          .findFirst().orElseThrow();
    }
    java.nio.file.Files.createFile(smDir.resolve("snapshot.1_5"));
    assertThat(stateMachine.getLatestSnapshot()).isNull();

    stateMachine.pause();
    assertThat(stateMachine.getLatestSnapshot()).isNotNull()
        .satisfies(snapshot -> assertThat(snapshot.getIndex()).isEqualTo(5));
    java.nio.file.Files.delete(smDir.resolve("snapshot.1_5"));
  }

  @Test
  void heapWatermarkComparesTheLiveHeapWithThePercentOfTheMaximum() {
    assertThat(new HeapWatermark(90, 1000, () -> 900).exceeded()).isFalse();
    assertThat(new HeapWatermark(90, 1000, () -> 901).exceeded()).isTrue();
    assertThat(new HeapWatermark(0, 1000, () -> 1000).exceeded()).isFalse();
    assertThat(HeapWatermark.ofPercent(100).exceeded()).isFalse();
  }

  @Test
  void outOfOrderSamplesWithinTheWindowAreStoredOnReplayAndReadInOrder() throws Exception {
    writer.close();
    node.close();
    ApplyOptions window = new ApplyOptions(HeapWatermark.NONE, Duration.ofMinutes(30));
    start(window);
    for (int i = 0; i < 10; i++) {
      assertThat(writer.pushEntry(snappyPush(series(T0_MS + i * 60_000L, "__name__", "late"))).get()
          .getAcceptedSamples()).isEqualTo(1);
    }
    // Behind the series' newest sample, within 30 minutes of it: stored.
    assertThat(writer.pushEntry(snappyPush(series(T0_MS + 30_000, "__name__", "late"))).get().getAcceptedSamples())
        .isEqualTo(1);
    PushResponse tooLate = writer.pushEntry(snappyPush(series(T0_MS + 9 * 60_000L - 31 * 60_000L, "__name__",
        "late"))).get();
    assertThat(tooLate.getErrorsList()).extracting(SampleError::getReason)
        .containsExactly(SampleError.Reason.OUT_OF_ORDER);

    writer.close();
    node.close();
    start(window); // replays the log with the same window

    List<EncodedSeries> stored = node.heads(0).select(TENANT, T0_MS, T0_MS + 10 * 60_000L, List.of());
    List<Long> timestamps = new ArrayList<>();
    for (var chunk : stored.getFirst().chunks()) {
      var iterator = new io.narthex.tsdb.chunk.XorIterator(chunk.data());
      while (iterator.next()) {
        timestamps.add(iterator.timestampMs());
      }
    }
    assertThat(timestamps).hasSize(11).isSorted().contains(T0_MS + 30_000);
  }
}
