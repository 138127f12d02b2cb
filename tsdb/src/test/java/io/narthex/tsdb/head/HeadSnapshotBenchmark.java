package io.narthex.tsdb.head;

import io.narthex.tsdb.labels.Labels;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;

/**
 * Times {@link HeadSnapshot} write and read of a head of scrape-like series (default 100k series x 120 samples at
 * 15 s), in memory, and prints series/s and samples/s. Run: {@code java -cp ... HeadSnapshotBenchmark [series]
 * [samples] [rounds]}.
 */
public final class HeadSnapshotBenchmark {
  public static void main(String[] args) throws IOException {
    int seriesCount = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int samplesPerSeries = args.length > 1 ? Integer.parseInt(args[1]) : 120;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    Head head = new Head();
    Random random = new Random(1);
    long startMs = 1_700_000_000_000L;
    for (int i = 0; i < seriesCount; i++) {
      MemSeries s = head.getOrCreate(Labels.of("__name__", "metric_" + (i % 200), "instance", "10.0." + (i / 250)
          + "." + (i % 250) + ":9100", "job", "node", "mode", i % 3 == 0 ? "idle" : "user"));
      double counter = random.nextInt(1000);
      for (int j = 0; j < samplesPerSeries; j++) {
        counter += i % 2 == 0 ? random.nextInt(100) : 0.5;
        head.append(s, startMs + j * 15_000L + random.nextInt(20), i % 4 == 0 ? 1 : counter);
      }
    }
    long samples = (long) seriesCount * samplesPerSeries;
    long[] writeNs = new long[rounds];
    long[] readNs = new long[rounds];
    int sizeBytes = 0;
    for (int r = 0; r < rounds; r++) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(64 << 20);
      long t0 = System.nanoTime();
      HeadSnapshot.write(head, out);
      long t1 = System.nanoTime();
      byte[] bytes = out.toByteArray();
      sizeBytes = bytes.length;
      Head restored = HeadSnapshot.read(new ByteArrayInputStream(bytes), HeadOptions.DEFAULT);
      long t2 = System.nanoTime();
      if (restored.numSeries() != seriesCount) {
        throw new AssertionError("restored " + restored.numSeries() + " series");
      }
      writeNs[r] = t1 - t0;
      readNs[r] = t2 - t1;
    }
    Arrays.sort(writeNs);
    Arrays.sort(readNs);
    System.out.printf("head snapshot of %d series x %d samples = %d samples, %.1f MiB (%.2f bytes/sample)%n",
        seriesCount, samplesPerSeries, samples, sizeBytes / 1048576.0, (double) sizeBytes / samples);
    report("write", writeNs, seriesCount, samples);
    report("read ", readNs, seriesCount, samples);
  }

  private static void report(String what, long[] sortedNs, int seriesCount, long samples) {
    long medianNs = sortedNs[sortedNs.length / 2];
    double seconds = medianNs / 1e9;
    System.out.printf("%s median %.3f s (best %.3f s over %d rounds): %.0f series/s, %.2fM samples/s%n", what,
        seconds, sortedNs[0] / 1e9, sortedNs.length, seriesCount / seconds, samples / seconds / 1e6);
  }
}
