package io.narthex.ingester.shipper;

import io.narthex.ingester.ShardHeads;
import io.narthex.ingester.raft.RaftShardWriter;
import io.narthex.proto.ingester.PushRequest;
import io.narthex.proto.ingester.PushResponse;
import io.narthex.proto.ingester.ShardLogEntry;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.WindowedSeries;
import io.narthex.tsdb.storage.SampleIterator;
import java.util.List;

/** Pushes through a shard's Raft log and sample counts, for the shipper's tests. */
final class TestPushes {
  private TestPushes() {}

  /**
   * One sample every 15 s for each of {@code seriesCount} series over [fromMs, toMs), in pushes of 30 minutes as a
   * sender writes them (a head takes samples up to 1h behind its newest). The responses summed.
   */
  static PushResponse push(RaftShardWriter writer, String tenant, long fromMs, long toMs, int seriesCount)
      throws Exception {
    return push(writer, tenant, fromMs, toMs, seriesCount, null);
  }

  /** As {@link #push(RaftShardWriter, String, long, long, int)}, the series labelled {@code sender} unless null. */
  static PushResponse push(RaftShardWriter writer, String tenant, long fromMs, long toMs, int seriesCount,
      String sender) throws Exception {
    PushResponse.Builder total = PushResponse.newBuilder();
    for (long sliceMs = fromMs; sliceMs < toMs; sliceMs += 30 * 60_000) {
      PushRequest.Builder request = PushRequest.newBuilder().setTenant(tenant);
      for (int s = 0; s < seriesCount; s++) {
        TimeSeries.Builder series = TimeSeries.newBuilder()
            .addLabels(Label.newBuilder().setName("__name__").setValue("node_cpu_seconds_total"))
            .addLabels(Label.newBuilder().setName("cpu").setValue(Integer.toString(s)));
        if (sender != null) {
          series.addLabels(Label.newBuilder().setName("sender").setValue(sender));
        }
        for (long t = sliceMs; t < Math.min(toMs, sliceMs + 30 * 60_000); t += 15_000) {
          series.addSamples(Sample.newBuilder().setTimestamp(t).setValue(t / 1000.0 + s));
        }
        request.addTimeseries(series);
      }
      // An uncompressed push entry, as logs written before snappy_push hold: still applied.
      PushResponse response = writer.submit(ShardLogEntry.newBuilder().setPush(request).build()).get();
      total.setAcceptedSamples(total.getAcceptedSamples() + response.getAcceptedSamples())
          .addAllErrors(response.getErrorsList());
    }
    return total.build();
  }

  /** Samples of the tenant in [fromMs, toMs] that the shard serves, from its head and its local blocks. */
  static long samples(ShardHeads ingester, String tenant, long fromMs, long toMs) {
    long count = 0;
    for (EncodedSeries series : ingester.select(tenant, fromMs, toMs, List.of())) {
      SampleIterator it = new WindowedSeries(series, fromMs, toMs).iterator();
      while (it.next()) {
        count++;
      }
    }
    return count;
  }
}
