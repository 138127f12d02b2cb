package io.narthex.ruler.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's Prometheus 2.42 as the oracle of the evaluation instants: it loads a rule file of several groups, and the
 * wall-clock start of each group's evaluation ({@code lastEvaluation} in its {@code /api/v1/rules}) lies just after
 * the offset {@link GroupSchedule} computes for the same group name and file, modulo the interval.
 */
class PrometheusInstantsTest {
  private static final Duration INTERVAL = Duration.ofSeconds(5);
  /** How late after its instant Prometheus may start an evaluation: scheduling latency of a loaded machine. */
  private static final long LATENESS_NANOS = Duration.ofMillis(750).toNanos();
  private static final List<String> GROUPS = List.of("node.rules", "kube-apiserver.rules", "slo:availability",
      "groupe \u00e9t\u00e9");

  @TempDir Path directory;

  @Test
  void groupOffsetsMatchThoseOfPrometheus() throws Exception {
    String prometheus = which("prometheus");
    Assumptions.assumeTrue(prometheus != null, "prometheus is not installed (apt-get install prometheus)");
    Path rules = directory.resolve("rules.yml");
    StringBuilder yaml = new StringBuilder("groups:\n");
    for (String group : GROUPS) {
      yaml.append("- name: '").append(group).append("'\n  interval: 5s\n  rules:\n  - record: r\n    expr: vector(1)\n");
    }
    Files.writeString(rules, yaml);
    Path config = directory.resolve("prometheus.yml");
    Files.writeString(config, "global:\n  evaluation_interval: 5s\nrule_files:\n- " + rules + "\n");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Process process = new ProcessBuilder(prometheus, "--config.file=" + config,
        "--storage.tsdb.path=" + directory.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true).redirectOutput(directory.resolve("prometheus.log").toFile()).start();
    try {
      long interval = INTERVAL.toNanos();
      // The least lateness of up to 3 evaluations per group: the first ones run while the machine is busiest (this
      // Prometheus starting, other test forks), and one timer late by more than the bound says nothing of offsets.
      Map<String, Long> leastLateBy = new HashMap<>();
      Map<String, String> seen = new HashMap<>();
      for (int round = 0; round < 3; round++) {
        if (round > 0) {
          Thread.sleep(INTERVAL.toMillis());
        }
        Map<String, JsonNode> evaluated = awaitEvaluated(port);
        for (String group : GROUPS) {
          JsonNode node = evaluated.get(group);
          Instant last = Instant.parse(node.get("lastEvaluation").asText());
          long lastNanos = last.getEpochSecond() * 1_000_000_000L + last.getNano();
          long expected = GroupSchedule.offsetNanos(group, node.get("file").asText(), interval);
          long lateBy = Math.floorMod(lastNanos - expected, interval);
          if (lateBy < leastLateBy.getOrDefault(group, Long.MAX_VALUE)) {
            leastLateBy.put(group, lateBy);
            seen.put(group, "Prometheus started at " + last + ", Narthex's offset is " + expected + " ns");
          }
        }
        if (leastLateBy.values().stream().allMatch(lateBy -> lateBy < LATENESS_NANOS)) {
          break;
        }
      }
      for (String group : GROUPS) {
        assertThat(leastLateBy.get(group)).as("group %s: %s", group, seen.get(group)).isLessThan(LATENESS_NANOS);
      }
    } finally {
      process.destroy();
      process.waitFor(20, TimeUnit.SECONDS);
    }
  }

  /** Each group's JSON once all have been evaluated. */
  private static Map<String, JsonNode> awaitEvaluated(int port) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/rules")).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      Map<String, JsonNode> evaluated = new HashMap<>();
      try {
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200) {
          for (JsonNode group : new ObjectMapper().readTree(response.body()).path("data").path("groups")) {
            if (!group.path("lastEvaluation").asText().startsWith("0001-")) {
              evaluated.put(group.get("name").asText(), group);
            }
          }
        }
      } catch (java.io.IOException notUpYet) {
        // Retried below.
      }
      if (evaluated.keySet().containsAll(GROUPS)) {
        return evaluated;
      }
      assertThat(System.nanoTime()).as("Prometheus evaluated every group within 60s").isLessThan(deadline);
      Thread.sleep(250);
    }
  }

  private static String which(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File file = new File(dir, name);
      if (file.canExecute()) {
        return file.getPath();
      }
    }
    return null;
  }
}
