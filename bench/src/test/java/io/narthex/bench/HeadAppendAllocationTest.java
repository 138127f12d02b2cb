package io.narthex.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.head.HeadOptions;
import io.narthex.tsdb.labels.Matcher;
import io.narthex.tsdb.storage.EncodedSeries;
import io.narthex.tsdb.storage.EncodedChunk;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The steady state that {@link HeadAppendBenchmark} measures allocates nothing per sample; only chunk cuts allocate.
 *
 * <p>All series are created together and scraped together, so they cut their chunks on the same scrape: every
 * {@code samplesPerChunk} scrapes, on the one that appends the first sample of a new chunk.
 */
class HeadAppendAllocationTest {
  private static final int SERIES = 1_000;
  private static final int SAMPLES_PER_CHUNK = HeadOptions.DEFAULT.samplesPerChunk();
  /** Long enough for the JIT to compile the append path; ends on a scrape that cuts a chunk in every series. */
  private static final int WARM_UP_SCRAPES = 17 * SAMPLES_PER_CHUNK + 1;
  /**
   * Fixed part of one cut: the closed chunk's {@code EncodedChunk}, a new appender and bit stream, and now and then
   * a larger closed-chunk list.
   */
  private static final long CUT_OBJECTS_BUDGET_BYTES = 256;

  private final ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
  private final Head head = new Head();
  private HeadAppendBenchmark.Scrape scrape;

  @BeforeEach
  void warmUp() {
    assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
    threads.setThreadAllocatedMemoryEnabled(true);
    scrape = new HeadAppendBenchmark.Scrape(head, SERIES, 42);
    for (int i = 0; i < WARM_UP_SCRAPES; i++) {
      scrape.appendNext();
    }
  }

  @Test
  void appendsBetweenChunkCutsAllocateNothing() {
    // The first half of a chunk: no cut, and the buffer, sized like the last chunk, does not grow.
    int scrapes = SAMPLES_PER_CHUNK / 2;
    long before = threads.getCurrentThreadAllocatedBytes();
    long stored = appendScrapes(scrapes);
    long allocatedBytes = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(stored).isEqualTo((long) SERIES * scrapes);
    report("between cuts", allocatedBytes, stored);
    assertThat((double) allocatedBytes / stored).as("bytes allocated per appended sample").isLessThan(1);
  }

  @Test
  void chunkCutsAreTheOnlyAllocationOverAWholeChunk() {
    // One whole chunk: each series cuts exactly once.
    int scrapes = SAMPLES_PER_CHUNK;
    long before = threads.getCurrentThreadAllocatedBytes();
    long stored = appendScrapes(scrapes);
    long allocatedBytes = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(stored).isEqualTo((long) SERIES * scrapes);
    report("over a whole chunk", allocatedBytes, stored);
    // A cut copies the closed chunk's bytes out of its buffer and gives the next chunk a buffer of about the same
    // size, which may double once if that chunk turns out larger: at most 4 chunk sizes.
    long chunkBytes = averageClosedChunkBytes();
    System.out.printf("head append: closed chunks average %d bytes%n", chunkBytes);
    long cutBudgetBytes = SERIES * (4 * chunkBytes + CUT_OBJECTS_BUDGET_BYTES);
    double perSampleBeyondCuts = (double) (allocatedBytes - cutBudgetBytes) / stored;
    assertThat(perSampleBeyondCuts).as("bytes allocated per appended sample beyond the chunk cuts' budget of %d",
        cutBudgetBytes).isLessThan(1);
  }

  private long appendScrapes(int scrapes) {
    long stored = 0;
    for (int i = 0; i < scrapes; i++) {
      stored += scrape.appendNext();
    }
    return stored;
  }

  private long averageClosedChunkBytes() {
    List<EncodedSeries> all = head.selectChunks(Long.MIN_VALUE, Long.MAX_VALUE,
        List.of(Matcher.equal("__name__", "node_cpu_seconds_total")));
    long bytes = 0;
    long chunks = 0;
    for (EncodedSeries series : all) {
      List<EncodedChunk> closed = series.chunks().subList(0, series.chunks().size() - 1);
      for (EncodedChunk chunk : closed) {
        bytes += chunk.data().length;
        chunks++;
      }
    }
    assertThat(chunks).isPositive();
    return bytes / chunks;
  }

  private static void report(String window, long allocatedBytes, long samples) {
    System.out.printf("head append %s: %,d bytes allocated for %,d samples, %.2f bytes/sample%n",
        window, allocatedBytes, samples, (double) allocatedBytes / samples);
  }
}
