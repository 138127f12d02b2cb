package io.narthex.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A 3-ingester Narthex cluster of real processes, driven through {@code deploy/local/cluster.sh} in its own
 * directory and on its own port range. Every pid it ever saw is killed by {@link #close()}, whatever state the
 * test left the cluster in.
 */
final class LocalCluster implements AutoCloseable {
  static final List<String> INGESTERS = List.of("ingester-1", "ingester-2", "ingester-3");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SCRIPT = Path.of("..", "deploy", "local", "cluster.sh").toAbsolutePath().normalize();
  /** Offsets from the base port that cluster.sh binds, ingester-4 to -6 (its join step) included. */
  private static final int[] PORT_OFFSETS = {0, 1, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 25, 30, 31, 32, 33,
      34, 35};

  private final Path dir;
  private final int base;
  private final Set<Long> pidsSeen = new LinkedHashSet<>();
  private String extraFlags = "";
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  private LocalCluster(Path dir, int base) {
    this.dir = dir;
    this.base = base;
  }

  /** Skips (fails on CI) when cluster.sh cannot run here. */
  static void assumeRunnable() {
    ExternalProcess.assumeInstalled(ExternalProcess.which("curl") != null && ExternalProcess.which("bash") != null,
        "curl (and bash) are needed by deploy/local/cluster.sh: apt-get install curl");
  }

  /** A cluster in {@code dir} on a free port range below the ephemeral ports, so no client socket takes one. */
  static LocalCluster in(Path dir) throws IOException {
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = 100 * ThreadLocalRandom.current().nextInt(150, 320); // 15000..31900
      if (allFree(base)) {
        return new LocalCluster(dir, base);
      }
    }
    throw new IOException("no free range of ports for a local cluster");
  }

  private static boolean allFree(int base) {
    for (int offset : PORT_OFFSETS) {
      try (ServerSocket socket = new ServerSocket(base + offset, 1, InetAddress.getLoopbackAddress())) {
        socket.setReuseAddress(false);
      } catch (IOException taken) {
        return false;
      }
    }
    return true;
  }

  Path dir() {
    return dir;
  }

  /** Flags added to every process this cluster starts ({@code $NARTHEX_EXTRA_FLAGS} of cluster.sh). */
  LocalCluster withExtraFlags(String... flags) {
    this.extraFlags = String.join(" ", flags);
    return this;
  }

  int distributorPort() {
    return base;
  }

  int querierPort() {
    return base + 1;
  }

  /** The HTTP port of {@code ingester-N}: the 3 that {@link #up} starts, and those {@link #join} adds. */
  int ingesterHttpPort(String name) {
    return base + 9 + Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
  }

  /** {@code cluster.sh up}: starts whatever is not running and waits until all of it is ready. */
  Duration up() throws Exception {
    Duration took = script("up");
    for (String name : INGESTERS) {
      pidsSeen.add(pid(name));
    }
    pidsSeen.add(pid("distributor"));
    pidsSeen.add(pid("querier"));
    return took;
  }

  /** {@code cluster.sh down}: SIGTERM to everything, SIGKILL after 30s. */
  Duration down() throws Exception {
    return script("down");
  }

  /**
   * {@code cluster.sh join DIR n}: starts {@code ingester-n} and has it join the ring; returns once its join (the
   * replica moves onto it) is done.
   */
  Duration join(int n) throws Exception {
    Duration took = script("join", Integer.toString(n));
    pidsSeen.add(pid("ingester-" + n));
    return took;
  }

  /**
   * {@code NARTHEX_RING_AUTO_JOIN=1 cluster.sh join DIR n}: starts {@code ingester-n} with
   * {@code -ingester.ring.auto-join}, which joins by itself, and waits until its ring page says it is done.
   */
  Duration autoJoin(int n) throws Exception {
    Duration took = script(Map.of("NARTHEX_RING_AUTO_JOIN", "1"), "join", Integer.toString(n));
    pidsSeen.add(pid("ingester-" + n));
    return took;
  }

  /** {@code cluster.sh leave DIR n}: moves {@code ingester-n}'s replicas off it, then stops it. */
  Duration leave(int n) throws Exception {
    return script("leave", Integer.toString(n));
  }

  private Duration script(String command, String... args) throws Exception {
    return script(Map.of(), command, args);
  }

  private Duration script(Map<String, String> env, String command, String... args) throws Exception {
    Path output = dir.resolve("cluster-sh.log");
    Files.createDirectories(dir);
    List<String> line = new java.util.ArrayList<>(List.of("bash", SCRIPT.toString(), command, dir.toString()));
    line.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(line)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()));
    builder.environment().put("NARTHEX_PORT_BASE", Integer.toString(base));
    builder.environment().put("NARTHEX_JAVA_OPTS", "-Xmx768m " + ExternalProcess.CLIENT_COMPILER_ONLY);
    builder.environment().put("NARTHEX_EXTRA_FLAGS", extraFlags);
    // The ingest-path tests need no alertmanagers or ruler: three more JVMs would only slow them on two cores.
    builder.environment().put("NARTHEX_ALERTMANAGERS", "0");
    builder.environment().putAll(env);
    long start = System.nanoTime();
    Process process = builder.start();
    if (!process.waitFor(240, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("cluster.sh " + line.subList(2, line.size()) + " did not finish within 240s:\n" + diagnostics());
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    if (process.exitValue() != 0) {
      throw new AssertionError("cluster.sh " + line.subList(2, line.size()) + " exited with " + process.exitValue() + ":\n" + diagnostics());
    }
    return took;
  }

  long pid(String name) throws IOException {
    return Long.parseLong(Files.readString(dir.resolve(name + ".pid")).trim());
  }

  /** SIGTERM, as a rolling restart sends, and waits until the process has stopped. */
  void terminate(String name) throws Exception {
    long pid = pid(name);
    ProcessHandle handle = ProcessHandle.of(pid)
        .orElseThrow(() -> new AssertionError(name + " (pid " + pid + ") is not running"));
    handle.destroy();
    handle.onExit().get(60, TimeUnit.SECONDS);
  }

  /** SIGKILL, as {@code kill -9}, and waits until the process is gone. */
  void kill9(String name) throws Exception {
    long pid = pid(name);
    ProcessHandle handle = ProcessHandle.of(pid)
        .orElseThrow(() -> new AssertionError(name + " (pid " + pid + ") is not running"));
    handle.destroyForcibly();
    handle.onExit().get(20, TimeUnit.SECONDS);
  }

  /** An ingester's {@code /ingester/shards} answer, or null when it does not answer. */
  JsonNode shards(String ingester) {
    return shards(ingester, null);
  }

  /**
   * An ingester's {@code /ingester/shards} answer with the series counts of {@code tenant} (none when null), or
   * null when it does not answer.
   */
  JsonNode shards(String ingester, String tenant) {
    return getJson(ingester, "/ingester/shards", tenant);
  }

  /** An ingester's {@code GET /ingester/ring} answer, or null when it does not answer. */
  JsonNode ring(String ingester) {
    return getJson(ingester, "/ingester/ring", null);
  }

  /** GET {@code path} on an ingester process: its JSON when it answers 200, else null. */
  JsonNode get(String ingester, String path) {
    return getJson(ingester, path, null);
  }

  /** GET {@code path} on an ingester as {@code tenant} (none when null): its JSON when it answers 200, else null. */
  private JsonNode getJson(String ingester, String path, String tenant) {
    try {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingesterHttpPort(ingester) + path))
              .timeout(Duration.ofSeconds(5));
      if (tenant != null) {
        request.header("X-Scope-OrgID", tenant);
      }
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code POST /ingester/ring/<change>} on an ingester ({@code forget?id=...}, {@code join}, {@code leave}).
   *
   * @return the status and body of the answer
   */
  HttpResponse<String> ringChange(String ingester, String change) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + ingesterHttpPort(ingester) + "/ingester/ring/" + change))
        .timeout(Duration.ofMinutes(3)).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The ingester that leads the most shards, as {@code asSeenBy} knows them. */
  String busiestLeader(String asSeenBy) {
    JsonNode status = shards(asSeenBy);
    if (status == null) {
      throw new AssertionError(asSeenBy + " does not answer /ingester/shards:\n" + logTail(asSeenBy));
    }
    java.util.Map<String, Integer> led = new java.util.TreeMap<>();
    for (JsonNode replica : status.get("replicas")) {
      String leader = replica.path("leaderId").asText();
      if (!leader.isEmpty()) {
        led.merge(leader, 1, Integer::sum);
      }
    }
    return led.entrySet().stream().max(java.util.Map.Entry.comparingByValue())
        .map(java.util.Map.Entry::getKey).orElse(INGESTERS.getFirst());
  }

  /** Copies the processes' logs to {@code target/e2e-logs/cluster-<dir name>/}, since the test's directory goes. */
  private void keepLogs() {
    Path target = Path.of("target", "e2e-logs", "cluster-" + dir.getFileName());
    try (var logs = Files.list(dir.resolve("logs"))) {
      Files.createDirectories(target);
      for (Path log : logs.toList()) {
        Files.copy(log, target.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      Path script = dir.resolve("cluster-sh.log");
      if (Files.exists(script)) {
        Files.copy(script, target.resolve("cluster-sh.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // Only diagnostics.
    }
  }

  String logTail(String name) {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("logs").resolve(name + ".log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  String diagnostics() {
    StringBuilder out = new StringBuilder();
    try {
      out.append("--- cluster.sh\n").append(Files.readString(dir.resolve("cluster-sh.log")));
    } catch (IOException e) {
      out.append("(no cluster.sh output)\n");
    }
    for (String name : processNames()) {
      out.append("--- ").append(name).append('\n').append(logTail(name)).append('\n');
    }
    return out.toString();
  }

  /** The processes this cluster has started: the 5 of {@link #up}, and every ingester that joined. */
  private List<String> processNames() {
    Set<String> names = new java.util.TreeSet<>(List.of("ingester-1", "ingester-2", "ingester-3", "distributor",
        "querier"));
    try (var logs = Files.list(dir.resolve("logs"))) {
      logs.map(log -> log.getFileName().toString()).filter(name -> name.endsWith(".log"))
          .forEach(name -> names.add(name.substring(0, name.length() - 4)));
    } catch (IOException e) {
      // Nothing started yet.
    }
    return List.copyOf(names);
  }

  /** {@code cluster.sh down}, then SIGKILL to any process of this cluster that is somehow still alive. */
  @Override
  public void close() throws Exception {
    for (String name : processNames()) {
      try {
        pidsSeen.add(pid(name));
      } catch (IOException | NumberFormatException noPidFile) {
        // Never started, or already stopped.
      }
    }
    try {
      down();
    } finally {
      keepLogs();
      for (long pid : pidsSeen) {
        ProcessHandle.of(pid)
            .filter(handle -> handle.info().commandLine().map(line -> line.contains("narthex")).orElse(true))
            .ifPresent(handle -> {
              handle.destroyForcibly();
              try {
                handle.onExit().get(20, TimeUnit.SECONDS);
              } catch (Exception e) {
                // Reported by the process list, not here.
              }
            });
      }
    }
  }
}
