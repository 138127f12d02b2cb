package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Default heap sizing (issue 17, goal 2): bin/narthex derives {@code -Xmx} from {@code -server.memory-limit} or the
 * cgroup's limit and starts G1 sized to give back heap above twice the live heap; under ZGC, {@link HeapTarget}
 * keeps its soft bound near twice the live heap instead of 90% of a quarter of RAM.
 */
class HeapSizingTest {
  private static final long MIB = 1L << 20;
  private static final Path NARTHEX = Path.of("..", "bin", "narthex").toAbsolutePath().normalize();
  private static final String G1_FLAGS = "-XX:+UseG1GC -XX:MaxHeapFreeRatio=50 -XX:MinHeapFreeRatio=20"
      + " -XX:G1PeriodicGCInterval=30000 -XX:GCTimeRatio=1";

  @TempDir Path dir;

  @Test
  void parsesGoMemLimitSizes() {
    assertThat(ByteSizeConverter.parseBytes("0")).isZero();
    assertThat(ByteSizeConverter.parseBytes("1500")).isEqualTo(1500);
    assertThat(ByteSizeConverter.parseBytes("512B")).isEqualTo(512);
    assertThat(ByteSizeConverter.parseBytes("4KiB")).isEqualTo(4096);
    assertThat(ByteSizeConverter.parseBytes("768MiB")).isEqualTo(768 * MIB);
    assertThat(ByteSizeConverter.parseBytes("4GiB")).isEqualTo(4096 * MIB);
    assertThat(ByteSizeConverter.parseBytes("2TiB")).isEqualTo(2L << 40);
    for (String bad : List.of("4GB", "4gib", "-1", "1.5GiB", "", "GiB", "9999999999TiB")) {
      assertThatThrownBy(() -> ByteSizeConverter.parseBytes(bad)).as(bad)
          .isInstanceOf(CommandLine.TypeConversionException.class).hasMessageContaining("invalid byte size");
    }
  }

  @Test
  void memoryLimitFlagAndYamlKeyAreParsed() throws IOException {
    assertThat(parse("-server.memory-limit=3GiB").server.memoryLimitBytes).isEqualTo(3072 * MIB);
    Path config = Files.writeString(dir.resolve("narthex.yaml"), "server:\n  memory_limit: 2GiB\n");
    assertThat(parse("-config.file=" + config).server.memoryLimitBytes).isEqualTo(2048 * MIB);
    assertThat(parse().server.memoryLimitBytes).as("no limit by default").isZero();
    assertThatThrownBy(() -> parse("-server.memory-limit=2GB")).isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("invalid byte size '2GB'");
  }

  private static NarthexOptions parse(String... args) {
    NarthexOptions options = new NarthexOptions();
    NarthexOptions.commandLine(options, args).parseArgs(args);
    return options;
  }

  @Test
  void softBoundIsTwiceTheLiveHeapBetweenTheFloorAndTheLimitsShare() {
    long maxHeap = 6L << 30;
    assertThat(HeapTarget.softMaxBytes(0, maxHeap, 0)).isEqualTo(HeapTarget.MIN_SOFT_MAX_BYTES);
    assertThat(HeapTarget.softMaxBytes(250 * MIB, maxHeap, 0)).isEqualTo(500 * MIB);
    assertThat(HeapTarget.softMaxBytes(4L << 30, maxHeap, 0)).as("at most -Xmx").isEqualTo(maxHeap);
    assertThat(HeapTarget.softMaxBytes(1L << 30, maxHeap, 2L << 30)).as("at most 3/4 of the limit")
        .isEqualTo(1536 * MIB);
    assertThat(HeapTarget.softMaxBytes(Long.MAX_VALUE, maxHeap, 0)).isEqualTo(maxHeap);
  }

  @Test
  void liveHeapIsTheOldGenerationAfterAMajorCycleNotTheYoungAllocationsOfTheCycle() {
    // After-GC pool usages of one "ZGC Major Cycles" notification, recorded from a JDK 25 generational ZGC run
    // allocating 3 GB over ~180 MiB it keeps; the young generation is what the threads allocated during the cycle.
    Map<String, MemoryUsage> afterGc = Map.of(
        HeapTarget.OLD_GENERATION, used(184 * MIB),
        "ZGC Young Generation", used(28 * MIB),
        "Metaspace", used(10 * MIB),
        "Compressed Class Space", used(MIB),
        "CodeHeap 'profiled nmethods'", used(2 * MIB),
        "CodeHeap 'non-nmethods'", used(MIB));
    assertThat(HeapTarget.liveBytes(afterGc)).isEqualTo(184 * MIB);

    // The 2026-12-06 run at 100k series: the bound (2x the heap in use after a major cycle) read 0.84, 1.24 and
    // 2.9 GB, so the heap in use was ~400, ~590 and ~1380 MiB, while a full GC left ~330 MiB live. Whatever the
    // young generation held at the end of the cycle, the bound stays 2x the old generation.
    long oldGen = 330 * MIB;
    for (long youngMiB : List.of(70L, 260L, 1050L)) {
      Map<String, MemoryUsage> busy = Map.of(HeapTarget.OLD_GENERATION, used(oldGen),
          "ZGC Young Generation", used(youngMiB * MIB));
      assertThat(HeapTarget.softMaxBytes(HeapTarget.liveBytes(busy), 8L << 30, 0)).as("young %d MiB", youngMiB)
          .isEqualTo(2 * oldGen);
    }

    assertThat(HeapTarget.liveBytes(Map.of("ZGC Heap", used(300 * MIB), "Metaspace", used(10 * MIB))))
        .as("no old generation pool: the ZGC pools").isEqualTo(300 * MIB);
  }

  private static MemoryUsage used(long bytes) {
    return new MemoryUsage(0, bytes, bytes, -1);
  }

  @Test
  void scriptDerivesMaxHeapFromTheFlagElseTheCgroupLimit() throws Exception {
    Path cgroup = dir.resolve("cgroup");
    Files.createDirectories(cgroup.resolve("memory"));
    Files.writeString(cgroup.resolve("memory.max"), "2147483648\n");
    Path procV2 = Files.writeString(dir.resolve("v2"), "0::/\n");
    Files.writeString(cgroup.resolve("memory/memory.limit_in_bytes"), "9223372036854771712\n");
    Path procV1Unlimited = Files.writeString(dir.resolve("v1"), "4:memory:/elsewhere\n0::/\n");
    Path none = Files.writeString(dir.resolve("none"), "");

    assertThat(heapFlags(none, cgroup)).isEqualTo(G1_FLAGS);
    assertThat(heapFlags(none, cgroup, "-server.memory-limit=1GiB")).isEqualTo(G1_FLAGS + " -Xmx768m");
    assertThat(heapFlags(none, cgroup, "--server.memory-limit", "512MiB")).contains("-Xmx384m");
    assertThat(heapFlags(procV2, cgroup)).as("cgroup v2 memory.max").contains("-Xmx1536m");
    assertThat(heapFlags(procV2, cgroup, "-server.memory-limit=4GiB")).as("the flag wins").contains("-Xmx3072m");
    assertThat(heapFlags(procV2, cgroup, "-server.memory-limit=0")).as("0: no limit").doesNotContain("-Xmx");
    Files.writeString(cgroup.resolve("memory.max"), "max\n");
    assertThat(heapFlags(procV2, cgroup)).doesNotContain("-Xmx");
    assertThat(heapFlags(procV1Unlimited, cgroup)).as("v1's unlimited value").doesNotContain("-Xmx");
  }

  @Test
  void scriptChoosesG1UnlessTheJavaOptionsNameACollector() throws Exception {
    Path none = Files.writeString(dir.resolve("none"), "");
    assertThat(heapFlags(Map.of("NARTHEX_JAVA_OPTS", "-Xmx1g"), none, dir)).isEqualTo(G1_FLAGS);
    assertThat(heapFlags(Map.of("NARTHEX_JAVA_OPTS", "-Xmx1g -XX:+UseZGC"), none, dir, "-server.memory-limit=1GiB"))
        .as("ZGC keeps its own flags").isEqualTo("-XX:+UseZGC -XX:ZUncommitDelay=30 -Xmx768m");
    // One collector only: the JVM refuses to start with two.
    assertThat(heapFlags(Map.of("NARTHEX_JAVA_OPTS", "-Xmx1g -XX:-UseZGC -XX:+UseParallelGC"), none, dir,
        "-server.memory-limit=1GiB")).as("another collector: no flags of ours but -Xmx").isEqualTo("-Xmx768m");
  }

  @Test
  void g1AsTheScriptSizesItGivesBackTheHeapAboveTwiceTheLiveHeap() throws Exception {
    Path none = Files.writeString(dir.resolve("none"), "");
    List<String> flags = new ArrayList<>(List.of(heapFlags(Map.of(), none, dir).split(" ")));
    assertThat(flags).contains("-XX:+UseG1GC");
    flags.add("-Xmx1g"); // the same on any machine
    String[] usedAndCommitted = run(java(flags, ReturnsHeap.class)).split(" ");
    long usedBytes = Long.parseLong(usedAndCommitted[0]);
    long committedBytes = Long.parseLong(usedAndCommitted[1]);
    assertThat(usedBytes).as("the 100 MiB held").isGreaterThan(100 * MIB);
    // At most half free is 2x used, plus G1's rounding (216 MiB for 101 MiB used, 2026-12-07); G1's own default,
    // MaxHeapFreeRatio=70, allows 3.3x (364 MiB committed for the same 101 MiB).
    assertThat(committedBytes).as("committed after 500 MiB of garbage and a full GC, for %d MiB live",
        usedBytes >> 20).isLessThanOrEqualTo(usedBytes * 5 / 2);
  }

  @Test
  void zgcSoftBoundFollowsTheLiveHeapUnlessTheOperatorSetIt() throws Exception {
    String managed = probe();
    assertThat(managed).startsWith("true ");
    long softMax = Long.parseLong(managed.split(" ")[1]);
    assertThat(softMax).as("twice the 200 MiB held and the rest of the live heap; not 90% of -Xmx2g")
        .isBetween(400 * MIB, 1024 * MIB);

    assertThat(probe("-XX:SoftMaxHeapSize=1g")).isEqualTo("false " + (1L << 30));
  }

  private String heapFlags(Path procCgroup, Path cgroupRoot, String... args) throws Exception {
    return heapFlags(Map.of(), procCgroup, cgroupRoot, args);
  }

  private String heapFlags(Map<String, String> env, Path procCgroup, Path cgroupRoot, String... args)
      throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", NARTHEX.toString()));
    command.addAll(List.of(args));
    command.add("--help"); // were the hook gone, print the help rather than start a server
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("NARTHEX_JAVA_OPTS");
    builder.environment().putAll(Map.of("NARTHEX_PRINT_HEAP_FLAGS", "1", "NARTHEX_PROC_CGROUP",
        procCgroup.toString(), "NARTHEX_CGROUP_ROOT", cgroupRoot.toString()));
    builder.environment().putAll(env);
    return run(builder);
  }

  private static ProcessBuilder java(List<String> jvmFlags, Class<?> main) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString()));
    command.addAll(jvmFlags);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    return new ProcessBuilder(command).redirectErrorStream(true);
  }

  /** A ZGC JVM that holds 200 MiB through a major collection; prints whether the bound is managed, and the bound. */
  private static String probe(String... jvmFlags) throws Exception {
    List<String> flags = new ArrayList<>(List.of("-XX:+UseZGC", "-Xmx2g"));
    flags.addAll(List.of(jvmFlags));
    return run(java(flags, Probe.class));
  }

  private static String run(ProcessBuilder builder) throws IOException, InterruptedException {
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(process.waitFor()).as(output).isZero();
    List<String> lines = output.lines().filter(line -> !line.contains("SLF4J")).toList();
    return lines.isEmpty() ? "" : lines.getLast();
  }

  /** Holds 100 MiB, makes 500 MiB of garbage, runs a full GC; prints the heap's used and committed bytes. */
  static final class ReturnsHeap {
    public static void main(String[] args) {
      // 64 KiB arrays: G1 places an object of half a region or more (1 MiB regions at -Xmx1g) in humongous regions.
      int arrayBytes = 64 << 10;
      byte[][] held = new byte[(int) (100 * MIB / arrayBytes)][];
      for (int i = 0; i < held.length; i++) {
        held[i] = new byte[arrayBytes];
      }
      List<byte[]> garbage = new ArrayList<>();
      for (long i = 0; i < 500 * MIB / arrayBytes; i++) {
        garbage.add(new byte[arrayBytes]);
      }
      garbage.clear();
      System.gc();
      MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
      Reference.reachabilityFence(held);
      System.out.println(heap.getUsed() + " " + heap.getCommitted());
    }
  }

  static final class Probe {
    public static void main(String[] args) throws InterruptedException {
      boolean managed = HeapTarget.start(0);
      byte[][] held = new byte[200][];
      for (int i = 0; i < held.length; i++) {
        held[i] = new byte[(int) MIB];
      }
      System.gc(); // a major cycle under ZGC
      HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      long softMax = 0;
      // The listener runs on the JMX notification thread after the cycle: wait for it, up to 20 s.
      for (int i = 0; i < 2000; i++) {
        softMax = Long.parseLong(vm.getVMOption("SoftMaxHeapSize").getValue());
        if (!managed || softMax >= 400 * MIB) {
          break;
        }
        Thread.sleep(10);
      }
      Reference.reachabilityFence(held);
      System.out.println(managed + " " + softMax);
    }
  }
}
