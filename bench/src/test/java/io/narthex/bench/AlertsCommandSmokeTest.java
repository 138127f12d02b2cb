package io.narthex.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.app.Narthex;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alerts mode shrunk to seconds (5 tenants, 1 s group_wait, one warm-up round): against a real all-in-one
 * Narthex in this JVM, and against Debian's Alertmanager (0.25) as {@code --compare-alertmanager} runs it.
 */
class AlertsCommandSmokeTest {
  @TempDir
  Path dataDir;

  @Test
  void everyPostedAlertIsNotifiedOnceInOneNotificationPerGroup() throws Exception {
    try (Narthex narthex = InProcessNarthex.start(dataDir)) {
      JsonNode summary = run("--url=http://127.0.0.1:" + narthex.httpPort());

      assertThat(summary.get("target").asText()).isEqualTo("narthex");
      assertMeasuredRoundOnly(summary);
    }
  }

  @Test
  void plainAlertmanagerGetsTheTenantsAsALabelAndNotifiesTheSameGroups() throws Exception {
    String binary = "/usr/bin/prometheus-alertmanager";
    Assumptions.assumeTrue(Files.isExecutable(Path.of(binary)),
        "prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager; .ci/run does)");
    Path config = dataDir.resolve("alertmanager.yml");
    Files.writeString(config, "route:\n  receiver: none\nreceivers:\n  - name: none\n");
    int port = freePort();
    Process alertmanager = new ProcessBuilder(binary, "--config.file=" + config,
        "--storage.path=" + dataDir.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
        "--cluster.listen-address=").redirectErrorStream(true)
        .redirectOutput(dataDir.resolve("alertmanager.log").toFile()).start();
    try {
      awaitReady(alertmanager, port);
      JsonNode summary = run("--alertmanager-url=http://127.0.0.1:" + port, "--alertmanager-config-file=" + config);

      assertThat(summary.get("target").asText()).isEqualTo("alertmanager");
      assertMeasuredRoundOnly(summary);
      assertThat(Files.readString(config)).contains("group_by: [tenant, alertname]");
      assertThat(summary.get("live_heap_bytes_per_alert").isNumber()).isTrue();
    } finally {
      alertmanager.destroy();
      alertmanager.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static JsonNode run(String... target) throws Exception {
    StringWriter output = new StringWriter();
    String[] args = new String[target.length + 8];
    args[0] = "alerts";
    System.arraycopy(target, 0, args, 1, target.length);
    System.arraycopy(new String[] {"--tenants=5", "--alerts=200", "--alerts-per-group=10", "--group-wait=1s",
        "--warmup-rounds=1", "--timeout=30s", "--json"}, 0, args, target.length + 1, 7);
    int exit = BenchMain.commandLine().setOut(new PrintWriter(output)).execute(args);
    System.out.print(output);
    assertThat(exit).as(output.toString()).isZero();
    return WriteCommandTest.lastJsonLine(output.toString());
  }

  /** The warm-up round's 20 notifications were received too, but only the measured round's are counted. */
  private static void assertMeasuredRoundOnly(JsonNode summary) {
    assertThat(summary.get("alerts_notified").asLong()).isEqualTo(200);
    assertThat(summary.get("notifications").asLong()).isEqualTo(20);
    assertThat(summary.get("dispatch_delay_p50_ms").asDouble()).isNotNegative();
    assertThat(summary.get("cold_dispatch_delay_p50_ms").asDouble()).isNotNegative();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void awaitReady(Process alertmanager, int port) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && alertmanager.isAlive()) {
      try {
        if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // Not listening yet.
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("Alertmanager did not get ready on port " + port);
  }
}
