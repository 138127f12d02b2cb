package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/local/cluster.sh} with {@code NARTHEX_LAYOUT=monolithic}: Mimir's monolithic mode at replication
 * factor 3, three processes that are each a distributor, ingester and querier. {@code bin/narthex-bench write} sends
 * its requests to the three in turn, and every acknowledged sample is then read back through one of them
 * ({@code --verify-url}); each process's distributor took a share of the writes.
 */
class MonolithicClusterTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final List<String> PROCESSES = List.of("ingester-1", "ingester-2", "ingester-3");

  @TempDir
  Path work;

  @Test
  void threeProcessesEachTakeWritesAndServeEveryAcknowledgedSample() throws Exception {
    LocalCluster.assumeRunnable();
    int base = freeBase();
    Path dir = work.resolve("cluster");
    try {
      run("cluster-up", base, List.of("bash", ROOT.resolve("deploy/local/cluster.sh").toString(), "up",
          dir.toString()), 240);
      try (Stream<Path> files = Files.list(dir)) {
        assertThat(files.map(path -> path.getFileName().toString()).filter(name -> name.endsWith(".pid")))
            .as("the monolithic layout runs no distributor or querier of its own")
            .containsExactlyInAnyOrder("ingester-1.pid", "ingester-2.pid", "ingester-3.pid");
      }
      String urls = String.join(",", PROCESSES.stream()
          .map(name -> "http://127.0.0.1:" + httpPort(base, name) + "/api/v1/push").toList());
      String output = run("bench-write", base, List.of(ROOT.resolve("bin/narthex-bench").toString(), "write",
          "--url=" + urls, "--series=3000", "--duration=4s", "--interval=1s", "--concurrency=3",
          "--header=X-Scope-OrgID:mono", "--verify-url=http://127.0.0.1:" + httpPort(base, "ingester-2")
              + "/prometheus", "--json"), 120);
      JsonNode summary = new ObjectMapper().readTree(output.strip().lines().reduce((a, b) -> b).orElseThrow());
      assertThat(summary.get("accepted_samples").asLong()).as(output).isPositive();
      assertThat(summary.get("error_requests").asLong()).as(output).isZero();
      assertThat(summary.at("/verification/result").asText()).as(output).isEqualTo("match");
      for (String name : PROCESSES) {
        assertThat(receivedSamples(httpPort(base, name), "mono")).as(name + "'s distributor").isPositive();
      }
    } finally {
      run("cluster-down", base, List.of("bash", ROOT.resolve("deploy/local/cluster.sh").toString(), "down",
          dir.toString()), 120);
      copyLogs(dir);
    }
  }

  private static int httpPort(int base, String process) {
    return base + 10 + PROCESSES.indexOf(process);
  }

  /** narthex_distributor_received_samples_total of the tenant, from the process's /metrics. */
  private static double receivedSamples(int port, String tenant) throws Exception {
    HttpResponse<String> metrics = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    return metrics.body().lines()
        .filter(line -> line.startsWith("narthex_distributor_received_samples_total{")
            && line.contains("user=\"" + tenant + "\""))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }

  private String run(String name, int base, List<String> command, int seconds)
      throws IOException, InterruptedException {
    Path log = work.resolve(name + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("NARTHEX_LAYOUT", "monolithic");
    builder.environment().put("NARTHEX_PORT_BASE", Integer.toString(base));
    builder.environment().put("NARTHEX_JAVA_OPTS", "-Xmx768m " + ExternalProcess.CLIENT_COMPILER_ONLY);
    builder.environment().put("NARTHEX_BENCH_JAVA_OPTS", ExternalProcess.CLIENT_COMPILER_ONLY);
    builder.environment().put("NARTHEX_ALERTMANAGERS", "0");
    // The writes run at saturation: past Mimir's default 10k samples/s per tenant.
    builder.environment().put("NARTHEX_EXTRA_FLAGS",
        "--distributor.ingestion-rate-limit=1e12 --distributor.ingestion-burst-size=2000000000");
    Process process = builder.start();
    boolean finished = process.waitFor(seconds, TimeUnit.SECONDS);
    if (!finished) {
      process.destroyForcibly();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(finished).as("%s finished:\n%s", command, output).isTrue();
    assertThat(process.exitValue()).as("%s failed:\n%s", command, output).isZero();
    return output;
  }

  private void copyLogs(Path dir) throws IOException {
    Path logs = dir.resolve("logs");
    if (!Files.isDirectory(logs)) {
      return;
    }
    Path target = Path.of("target", "e2e-logs", "monolithic-cluster");
    Files.createDirectories(target);
    try (Stream<Path> files = Files.list(logs)) {
      for (Path file : files.toList()) {
        Files.copy(file, target.resolve(file.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /** A base port whose HTTP, gRPC and Raft ports (+10..+12, +20..+22, +30..+32) are free, below the ephemeral range. */
  private static int freeBase() throws IOException {
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = 100 * ThreadLocalRandom.current().nextInt(150, 320);
      List<ServerSocket> sockets = new ArrayList<>();
      try {
        for (int offset : new int[] {10, 11, 12, 20, 21, 22, 30, 31, 32}) {
          sockets.add(new ServerSocket(base + offset, 1, InetAddress.getLoopbackAddress()));
        }
        return base;
      } catch (IOException taken) {
        // try another range
      } finally {
        for (ServerSocket socket : sockets) {
          socket.close();
        }
      }
    }
    throw new IOException("no free range of ports for a local cluster");
  }
}
