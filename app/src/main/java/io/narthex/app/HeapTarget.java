package io.narthex.app;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.Map;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Under ZGC ({@code NARTHEX_JAVA_OPTS=-XX:+UseZGC}), keeps its soft heap bound ({@code -XX:SoftMaxHeapSize}) at twice
 * the live heap, as Go's collector paces its heap at {@code GOGC=100}, capped by the memory limit (the Go runtime's
 * {@code GOMEMLIMIT}). Without it ZGC lets the heap grow to {@code -Xmx}, a quarter of RAM by default, whatever the
 * data needs. The live heap is the old generation's occupancy right after each major collection (see
 * {@link #liveBytes}); ZGC returns heap it no longer uses to the OS after {@code -XX:ZUncommitDelay}, which
 * bin/narthex shortens. G1, bin/narthex's default, has no soft bound to steer in JDK 25: bin/narthex sizes it with
 * its free ratios and GC time goal, and this only logs them. One per JVM (bin/narthex's process), not per
 * {@link Narthex}.
 */
final class HeapTarget {
  private static final Logger log = LoggerFactory.getLogger(HeapTarget.class);
  /** Heap bound per live byte: Go's GOGC=100. */
  static final long GROWTH = 2;
  /** Lowest bound, so that a nearly empty process does not collect on every few megabytes. */
  static final long MIN_SOFT_MAX_BYTES = 128L << 20;
  /** The share of the memory limit the heap may take; the rest is metaspace, code, thread stacks, direct buffers. */
  static final long HEAP_SHARE_NUMERATOR = 3;
  static final long HEAP_SHARE_DENOMINATOR = 4;
  private static final String MAJOR_CYCLES = "ZGC Major Cycles";
  /** Generational ZGC's old generation pool (JDK 21+; the only ZGC from JDK 24). */
  static final String OLD_GENERATION = "ZGC Old Generation";
  private static final String ZGC_POOL_PREFIX = "ZGC ";

  private HeapTarget() {}

  /**
   * The soft heap bound in bytes for {@code liveBytes} of live heap: {@link #GROWTH} times it, at least
   * {@link #MIN_SOFT_MAX_BYTES}, at most {@code maxHeapBytes} and, when {@code memoryLimitBytes > 0}, at most 3/4 of
   * it (the share bin/narthex gives {@code -Xmx}).
   */
  static long softMaxBytes(long liveBytes, long maxHeapBytes, long memoryLimitBytes) {
    long ceiling = maxHeapBytes;
    if (memoryLimitBytes > 0) {
      ceiling = Math.min(ceiling, memoryLimitBytes / HEAP_SHARE_DENOMINATOR * HEAP_SHARE_NUMERATOR);
    }
    long target = Math.max(MIN_SOFT_MAX_BYTES, liveBytes > Long.MAX_VALUE / GROWTH ? Long.MAX_VALUE
        : liveBytes * GROWTH);
    return Math.min(target, ceiling);
  }

  /**
   * The live heap in bytes after a major cycle: the old generation's occupancy in the cycle's after-GC pool usages
   * ({@code GcInfo.getMemoryUsageAfterGc()}). Not the whole heap in use: that adds the young generation, which at the
   * end of a concurrent cycle holds what the process allocated while the cycle ran; at a high write rate that is
   * several times the live heap, and a bound set from it ratchets up (0.84 GB to 2.9 GB over a 100k-series run whose
   * live heap was 331 MB). Without an old generation pool (a non-generational collector), the sum of the ZGC pools.
   *
   * @param afterGc pool name to its usage after the cycle; non-heap pools (metaspace, code heap) are ignored
   */
  static long liveBytes(Map<String, MemoryUsage> afterGc) {
    MemoryUsage old = afterGc.get(OLD_GENERATION);
    if (old != null) {
      return old.getUsed();
    }
    long sum = 0;
    for (Map.Entry<String, MemoryUsage> pool : afterGc.entrySet()) {
      if (pool.getKey().startsWith(ZGC_POOL_PREFIX)) {
        sum += pool.getValue().getUsed();
      }
    }
    return sum;
  }

  /**
   * Sets the bound now and after every major ZGC cycle. Does nothing without ZGC (under G1 it logs G1's sizing), or
   * when {@code SoftMaxHeapSize} was set on the command line (an operator's choice wins).
   *
   * @param memoryLimitBytes {@code -server.memory-limit}; 0 = none
   * @return whether the bound is managed
   */
  static boolean start(long memoryLimitBytes) {
    HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    if ("true".equals(vm.getVMOption("UseG1GC").getValue())) {
      log.info("heap: G1 up to {} MiB, at most {}% free after a cycle, GC time goal 1/{}, idle collection every {} ms;"
          + " memory limit {}", Long.parseLong(vm.getVMOption("MaxHeapSize").getValue()) >> 20,
          vm.getVMOption("MaxHeapFreeRatio").getValue(), 1 + Long.parseLong(vm.getVMOption("GCTimeRatio").getValue()),
          vm.getVMOption("G1PeriodicGCInterval").getValue(),
          memoryLimitBytes > 0 ? memoryLimitBytes + " bytes" : "none");
      return false;
    }
    if (!"true".equals(vm.getVMOption("UseZGC").getValue())
        || !isDefault(vm.getVMOption("SoftMaxHeapSize").getOrigin())) {
      return false;
    }
    long maxHeapBytes = Long.parseLong(vm.getVMOption("MaxHeapSize").getValue());
    if (memoryLimitBytes > 0 && maxHeapBytes > memoryLimitBytes) {
      log.warn("-Xmx ({} bytes) is above -server.memory-limit ({} bytes): bin/narthex derives -Xmx from the flag, "
          + "but not from the config file; the soft heap bound follows the limit", maxHeapBytes, memoryLimitBytes);
    }
    set(vm, softMaxBytes(0, maxHeapBytes, memoryLimitBytes));
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc.getName().equals(MAJOR_CYCLES) && gc instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener((notification, handback) -> {
          if (!notification.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
            return;
          }
          GarbageCollectionNotificationInfo info =
              GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
          long liveBytes = liveBytes(info.getGcInfo().getMemoryUsageAfterGc());
          long softMaxBytes = softMaxBytes(liveBytes, maxHeapBytes, memoryLimitBytes);
          log.debug("heap: major cycle left {} MiB in the old generation; soft bound {} MiB", liveBytes >> 20,
              softMaxBytes >> 20);
          set(vm, softMaxBytes);
        }, null, null);
      }
    }
    log.info("heap: soft bound follows the live heap (x{}, {} MiB to {} MiB); memory limit {}", GROWTH,
        MIN_SOFT_MAX_BYTES >> 20, softMaxBytes(Long.MAX_VALUE, maxHeapBytes, memoryLimitBytes) >> 20,
        memoryLimitBytes > 0 ? memoryLimitBytes + " bytes" : "none");
    return true;
  }

  /** JDK 25 derives SoftMaxHeapSize ergonomically (90% of -Xmx): that is not an operator's choice. */
  private static boolean isDefault(VMOption.Origin origin) {
    return origin == VMOption.Origin.DEFAULT || origin == VMOption.Origin.ERGONOMIC;
  }

  private static void set(HotSpotDiagnosticMXBean vm, long bytes) {
    vm.setVMOption("SoftMaxHeapSize", Long.toString(bytes));
  }
}
