package io.narthex.tsdb.head;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import io.narthex.tsdb.chunk.XorIterator;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.storage.EncodedChunk;
import io.narthex.tsdb.storage.EncodedSeries;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The head keeps closed chunks in a {@link HeadChunkSpace}, off the Java heap. */
class HeadOffHeapChunksTest {
  private static final int SAMPLES_PER_CHUNK = 8;
  private static final long STEP_MS = 1000;

  private static double expected(int id, long timestampMs) {
    return id * 1e6 + timestampMs / 1000.0 + (timestampMs % 7) * 0.125;
  }

  private static MemSeries[] createSeries(Head head, int count) {
    MemSeries[] series = new MemSeries[count];
    for (int i = 0; i < count; i++) {
      series[i] = head.getOrCreate(Labels.of("__name__", "up", "id", Integer.toString(i)));
    }
    return series;
  }

  /** Appends one chunk's worth of samples to every series: steps {@code [round * 8, round * 8 + 8)}. */
  private static void appendRound(Head head, MemSeries[] series, int round) {
    for (int j = 0; j < SAMPLES_PER_CHUNK; j++) {
      long timestampMs = (round * (long) SAMPLES_PER_CHUNK + j) * STEP_MS;
      for (int i = 0; i < series.length; i++) {
        head.append(series[i], timestampMs, expected(i, timestampMs));
      }
    }
  }

  /** Decodes every chunk and checks each sample against {@link #expected}; returns the samples read. */
  private static long checkSamples(List<EncodedSeries> selected, XorIterator iterator) {
    long samples = 0;
    for (EncodedSeries series : selected) {
      int id = Integer.parseInt(series.labels().get("id"));
      for (EncodedChunk chunk : series.chunks()) {
        iterator.reset(chunk.data());
        int inChunk = 0;
        while (iterator.next()) {
          if (iterator.value() != expected(id, iterator.timestampMs())) {
            throw new AssertionError("series " + id + " at " + iterator.timestampMs() + " reads " + iterator.value());
          }
          inChunk++;
        }
        if (inChunk != chunk.numSamples() || iterator.timestampMs() != chunk.maxTimeMs()) {
          throw new AssertionError("series " + id + " chunk [" + chunk.minTimeMs() + ", " + chunk.maxTimeMs()
              + "] decoded " + inChunk + " of " + chunk.numSamples() + " samples");
        }
        samples += inChunk;
      }
    }
    return samples;
  }

  @Test
  void closedChunksLiveOffTheHeapAndSurviveQueriesSnapshotsAndTruncation() throws Exception {
    Head head = new Head(new HeadOptions(SAMPLES_PER_CHUNK));
    MemSeries[] series = createSeries(head, 50);
    for (int round = 0; round < 10; round++) {
      appendRound(head, series, round);
    }
    head.append(series[0], 80 * STEP_MS, expected(0, 80 * STEP_MS)); // closes series 0's tenth chunk

    // Nine closed chunks a series (ten for series 0), the open ones stay on the heap.
    assertThat(head.chunkSpace.liveChunks()).isEqualTo(50 * 9 + 1);
    assertThat(head.offHeapChunkBytes()).isGreaterThanOrEqualTo(head.chunkSpace.liveBytes()).isPositive();
    List<EncodedSeries> all = head.selectChunks(Long.MIN_VALUE, Long.MAX_VALUE, List.of());
    assertThat(checkSamples(all, new XorIterator())).isEqualTo(50 * 80 + 1);

    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    HeadSnapshot.write(head, snapshot);
    Head restored = HeadSnapshot.read(new ByteArrayInputStream(snapshot.toByteArray()), head.options());
    assertThat(restored.chunkSpace.liveChunks()).isEqualTo(head.chunkSpace.liveChunks());
    assertThat(restored.selectChunks(Long.MIN_VALUE, Long.MAX_VALUE, List.of()))
        .usingRecursiveFieldByFieldElementComparator().isEqualTo(all);

    head.truncateBefore(40 * STEP_MS);

    assertThat(head.chunkSpace.liveChunks()).isEqualTo(50 * 4 + 1);
    // A query's chunks are copies: reading them after the truncation still gives the old samples.
    assertThat(checkSamples(all, new XorIterator())).isEqualTo(50 * 80 + 1);
    assertThat(head.firstTimeAtOrAfterMs(0)).isEqualTo(40 * STEP_MS);
    assertThat(head.firstTimeAtOrAfterMs(43 * STEP_MS)).isEqualTo(43 * STEP_MS);
    head.truncateBefore(Long.MAX_VALUE);
    assertThat(head.numSeries()).isZero();
    assertThat(head.chunkSpace.liveChunks()).isZero();
    assertThat(head.chunkSpace.liveBytes()).isZero();
  }

  @Test
  void aQueryRacingTruncationsReadsOnlyWholeChunksWhilePagesAreFreedAndReused() throws Exception {
    Head head = new Head(new HeadOptions(SAMPLES_PER_CHUNK));
    MemSeries[] series = createSeries(head, 500);
    int rounds = 600;
    int keptRounds = 100; // enough live chunks for full-size pages, which are reused rather than freed
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong queries = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread reader = Thread.ofPlatform().name("racing-query").start(() -> {
      XorIterator iterator = new XorIterator();
      try {
        while (!done.get()) {
          checkSamples(head.selectChunks(Long.MIN_VALUE, Long.MAX_VALUE, List.of()), iterator);
          queries.incrementAndGet();
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    long writtenBytes = 0;
    try {
      for (int round = 0; round < rounds && failure.get() == null; round++) {
        long before = head.chunkSpace.liveBytes();
        appendRound(head, series, round);
        writtenBytes += head.chunkSpace.liveBytes() - before;
        if (round >= keptRounds) {
          // Truncation runs on the writer's thread, as in a shard.
          head.truncateBefore((round - keptRounds) * (long) SAMPLES_PER_CHUNK * STEP_MS);
        }
        if (round % 20 == 0) {
          // Not timing: wait for the reader to finish one more query, so queries span many truncations.
          long seen = queries.get();
          while (queries.get() == seen && failure.get() == null) {
            Thread.onSpinWait();
          }
        }
      }
    } finally {
      done.set(true);
      reader.join();
    }

    assertThat(failure.get()).as("the racing query").isNull();
    assertThat(queries.get()).isGreaterThanOrEqualTo(rounds / 20);
    // Pages emptied by truncation were freed or reused: the space holds a fraction of what went through it.
    assertThat(head.chunkSpace.liveChunks()).isEqualTo(500 * (keptRounds + 1) - 500); // open chunks on the heap
    long boundBytes =
        head.chunkSpace.liveBytes() + (2L + HeadChunkSpace.MAX_EMPTY_PAGES) * HeadChunkSpace.MAX_PAGE_BYTES;
    assertThat(head.offHeapChunkBytes()).isLessThan(writtenBytes / 2).isLessThan(boundBytes);
    checkSamples(head.selectChunks(Long.MIN_VALUE, Long.MAX_VALUE, List.of()), new XorIterator());
  }

  @Test
  void closingAChunkAllocatesNothingOnTheHeap() {
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    threads.setThreadAllocatedMemoryEnabled(true);
    Head head = new Head(new HeadOptions(SAMPLES_PER_CHUNK));
    MemSeries[] series = createSeries(head, 1_000);
    // 18 closed chunks a series: the ref arrays have room for 26, so the next cuts do not grow them. Long enough for
    // the JIT.
    int round = 0;
    for (; round < 19; round++) {
      appendRound(head, series, round);
    }
    int cuts = 0;
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int end = round + 6; round < end; round++) {
      appendRound(head, series, round);
      cuts += series.length;
    }
    long allocatedBytes = threads.getCurrentThreadAllocatedBytes() - before;

    // Before chunks moved off the heap, a cut allocated the closed chunk's copy, its EncodedChunk and a new appender
    // with its buffer: some 500 bytes. Now only a new page now and then, a few hundred bytes per thousands of cuts.
    System.out.printf("head chunk cuts: %,d bytes allocated for %,d cuts and %,d samples%n", allocatedBytes, cuts,
        (long) cuts * SAMPLES_PER_CHUNK);
    assertThat((double) allocatedBytes / cuts).as("bytes allocated per chunk cut").isLessThan(8);
  }
}
