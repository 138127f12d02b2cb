package io.narthex.e2e;

import static io.narthex.e2e.RemoteWriteClient.series;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.app.Narthex;
import io.narthex.app.NarthexOptions;
import io.narthex.proto.prompb.WriteRequest;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A single process's Raft log is its write-ahead log: after a restart every acknowledged sample is back, whether
 * it was in a snapshot or only in the log after it. Prints how fast the log and snapshot were replayed.
 */
class RestartRecoveryTest {
  private static final int SERIES = 2_000;
  private static final int ROUNDS = 60;
  private static final long T0 = System.currentTimeMillis() - 3_600_000L;

  @TempDir
  Path dataDir;

  private Narthex start(int raftPort) throws Exception {
    return Narthex.start(NarthexOptions.parse(
        "--server.http-listen-port=0", "--server.grpc-listen-port=0",
        "--ingester.raft-listen-port=" + raftPort,
        // A snapshot every 25 entries: recovery reads a snapshot, then replays the log after it.
        "--ingester.raft.snapshot-entries=25",
        "--blocks-storage.tsdb.dir=" + dataDir));
  }

  @Test
  void everyAcknowledgedSampleSurvivesARestartFromSnapshotAndLog() throws Exception {
    int raftPort = ExternalProcess.freePort();
    try (Narthex narthex = start(raftPort)) {
      RemoteWriteClient writer = new RemoteWriteClient(narthex.httpPort());
      for (int round = 0; round < ROUNDS; round++) {
        WriteRequest.Builder request = WriteRequest.newBuilder();
        for (int s = 0; s < SERIES; s++) {
          request.addTimeseries(series(new String[] {"__name__", "recovered", "s", Integer.toString(s)},
              new long[] {T0 + round * 15_000L}, new double[] {round}));
        }
        assertThat(writer.push("t", request.build()).statusCode()).isEqualTo(200);
      }
    }

    long startNanos = System.nanoTime();
    try (Narthex narthex = start(raftPort)) {
      // Polled every 10 ms from the first instant: the time to ready is the figure printed below.
      await("the restarted process ready").atMost(Duration.ofMinutes(2))
          .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10)).until(narthex::ready);
      double seconds = (System.nanoTime() - startNanos) / 1e9;
      System.out.printf("recovery: %d series, %d samples ready after %.2fs (%.0f series/s, %.0f samples/s)%n",
          SERIES, SERIES * ROUNDS, seconds, SERIES / seconds, SERIES * ROUNDS / seconds);

      PromApi api = new PromApi("http://127.0.0.1:" + narthex.httpPort() + "/prometheus", "t");
      String time = Double.toString((T0 + ROUNDS * 15_000L) / 1000.0);
      JsonNode counts = api.data("/api/v1/query", "query", "count_over_time(recovered[20m])", "time", time)
          .get("result");
      assertThat(counts).hasSize(SERIES);
      counts.forEach(series -> assertThat(series.get("value").get(1).asInt()).isEqualTo(ROUNDS));
      JsonNode sum = api.data("/api/v1/query", "query", "sum(recovered)", "time", time).get("result");
      assertThat(sum.get(0).get("value").get(1).asDouble()).isEqualTo((ROUNDS - 1) * (double) SERIES);
    }
  }
}
