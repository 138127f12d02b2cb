package io.narthex.ingester.raft;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Whether this process's heap is too full to take more samples: the heap in use after the last collection (the
 * live set, not garbage) over {@code maxHeapUsedPercent} of the maximum heap. Leaders refuse pushes past it, so an
 * ingester that cannot ship or truncate (an object-storage outage) answers 5xx instead of running out of memory.
 * Read at most once a second; no allocation per call otherwise.
 */
public final class HeapWatermark {
  private static final long CHECK_INTERVAL_NANOS = 1_000_000_000L;

  private final int maxHeapUsedPercent;
  private final long maxHeapBytes;
  private final LongSupplier usedAfterGcBytes;
  private volatile long checkedAtNanos = System.nanoTime() - CHECK_INTERVAL_NANOS;
  private volatile long lastUsedBytes;

  /** No watermark: writes are never refused for memory. */
  public static final HeapWatermark NONE = new HeapWatermark(0, Long.MAX_VALUE, () -> 0);

  HeapWatermark(int maxHeapUsedPercent, long maxHeapBytes, LongSupplier usedAfterGcBytes) {
    if (maxHeapUsedPercent < 0 || maxHeapUsedPercent > 100) {
      throw new IllegalArgumentException("max heap used percent must be 0 (off) to 100: " + maxHeapUsedPercent);
    }
    this.maxHeapUsedPercent = maxHeapUsedPercent;
    this.maxHeapBytes = maxHeapBytes;
    this.usedAfterGcBytes = usedAfterGcBytes;
  }

  /**
   * The watermark of this JVM's heap ({@code -Xmx}).
   *
   * @param maxHeapUsedPercent 1 to 100; 0 turns the watermark off
   */
  public static HeapWatermark ofPercent(int maxHeapUsedPercent) {
    if (maxHeapUsedPercent == 0) {
      return NONE;
    }
    List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(pool -> pool.getType() == MemoryType.HEAP).toList();
    return new HeapWatermark(maxHeapUsedPercent, Runtime.getRuntime().maxMemory(), () -> {
      long afterCollection = 0;
      long now = 0;
      for (MemoryPoolMXBean pool : heapPools) {
        // After the pool's last collection where the JVM reports it (ZGC, G1), else its current use.
        MemoryUsage usage = pool.isCollectionUsageThresholdSupported() ? pool.getCollectionUsage() : null;
        afterCollection += (usage != null ? usage : pool.getUsage()).getUsed();
        now += pool.getUsage().getUsed();
      }
      // Current use counts garbage too, so it is never below the live set: when it is the smaller, an old
      // generation not collected for a while reports a stale figure, and the heap is fine.
      return Math.min(afterCollection, now);
    });
  }

  /** True when the heap in use after collection is over the watermark. */
  public boolean exceeded() {
    if (maxHeapUsedPercent == 0) {
      return false;
    }
    long now = System.nanoTime();
    if (now - checkedAtNanos >= CHECK_INTERVAL_NANOS) {
      lastUsedBytes = usedAfterGcBytes.getAsLong();
      checkedAtNanos = now;
    }
    return lastUsedBytes * 100 > maxHeapBytes * (long) maxHeapUsedPercent;
  }

  /** Why writes are refused, for the error the distributor passes on. */
  public String describe() {
    return "ingester heap in use after collection is " + lastUsedBytes / (1 << 20) + " MiB, over "
        + maxHeapUsedPercent + "% of the " + maxHeapBytes / (1 << 20) + " MiB maximum"
        + " (-ingester.instance-limits.max-heap-used-percent); samples are refused until shipping and truncation"
        + " free memory";
  }
}
