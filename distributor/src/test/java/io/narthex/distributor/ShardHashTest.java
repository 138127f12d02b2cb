package io.narthex.distributor;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.ingester.client.WireTimeSeries;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import org.junit.jupiter.api.Test;

/**
 * A series' shard is where a cluster already holds it: the function must not change. The expected shards were
 * computed by the distributor of af26d5c (before the tenant was hashed once per push and the canonical bytes came
 * from {@link WireTimeSeries}).
 */
class ShardHashTest {
  private static final String[][] LABEL_SETS = {
      {"__name__", "up"},
      {"__name__", "up", "job", "node"},
      {"__name__", "http_requests_total", "job", "api", "path", "/caf\u00e9/\ud83d\ude00"},
      {"__name__", "node_cpu_seconds_total", "cpu", "3", "instance", "host-17.eu-west-1.example.com:9100", "mode",
          "idle"},
      // Longer than the canonical-bytes buffer's first size.
      {"__name__", "m", "big", "v\u00e9".repeat(300), "z", "1"},
  };
  private static final int[] SHARD_COUNTS = {3, 7, 1000};

  private static WireTimeSeries wire(String[] labels) {
    TimeSeries.Builder series = TimeSeries.newBuilder();
    for (int i = 0; i < labels.length; i += 2) {
      series.addLabels(Label.newBuilder().setName(labels[i]).setValue(labels[i + 1]));
    }
    byte[] bytes = series.addSamples(Sample.newBuilder().setTimestamp(1).setValue(1)).build().toByteArray();
    return new WireTimeSeries().reset(bytes, 0, bytes.length);
  }

  private static void assertShards(String tenant, int... expected) {
    int k = 0;
    for (String[] labels : LABEL_SETS) {
      for (int shardCount : SHARD_COUNTS) {
        ShardHash hash = new ShardHash(tenant, shardCount);
        assertThat(hash.shardOf(wire(labels))).as("%s %s of %d", tenant, labels[1], shardCount)
            .isEqualTo(expected[k++]);
      }
    }
  }

  @Test
  void everySeriesKeepsTheShardItHadBefore() {
    assertShards("team-a", 2, 5, 222, 2, 6, 540, 2, 1, 80, 0, 6, 995, 2, 0, 302);
    assertShards("bench-0", 0, 2, 518, 2, 4, 750, 0, 5, 951, 1, 4, 718, 0, 0, 129);
    assertShards("\u00e9quipe", 0, 1, 67, 2, 2, 151, 1, 0, 972, 1, 3, 989, 2, 5, 108);
  }

  @Test
  void oneHashServesEverySeriesOfAPushAndOneShardTakesThemAll() {
    ShardHash hash = new ShardHash("team-a", 7);
    WireTimeSeries reused = new WireTimeSeries();
    for (String[] labels : LABEL_SETS) {
      WireTimeSeries fresh = wire(labels);
      reused.reset(fresh.buffer(), fresh.offset(), fresh.length());
      assertThat(hash.shardOf(reused)).isEqualTo(new ShardHash("team-a", 7).shardOf(fresh));
      assertThat(new ShardHash("team-a", 1).shardOf(fresh)).isZero();
    }
  }
}
