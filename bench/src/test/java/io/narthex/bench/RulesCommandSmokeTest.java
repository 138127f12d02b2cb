package io.narthex.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.app.Narthex;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rules mode against a real all-in-one Narthex in this JVM, shrunk to seconds (1 s interval, 2 groups). */
class RulesCommandSmokeTest {
  @TempDir
  Path dataDir;

  @Test
  void evaluatesTheLoadedRulesWithoutFailuresAndRemovesThemAfterwards() throws Exception {
    try (Narthex narthex = InProcessNarthex.start(dataDir, "--ruler.evaluation-delay-duration=0s")) {
      String base = "http://127.0.0.1:" + narthex.httpPort();

      StringWriter output = new StringWriter();
      int exit = BenchMain.commandLine().setOut(new PrintWriter(output)).execute("rules", "--url=" + base,
          "--series=640", "--groups=2", "--interval=1s", "--warmup=2s", "--baseline=1s", "--duration=3s",
          "--poll=1s", "--json");
      System.out.print(output);

      assertThat(exit).as(output.toString()).isZero();
      JsonNode summary = WriteCommandTest.lastJsonLine(output.toString());
      assertThat(summary.get("rule_evaluations").asLong()).isPositive();
      assertThat(summary.get("rule_evaluation_failures").asLong()).isZero();
      assertThat(summary.get("unhealthy_rules_last_poll").asLong()).isZero();
      assertThat(summary.get("group_evaluations_observed").asLong()).isPositive();
      // Every kind of rule selects data: one series, one target, and the aggregations.
      assertThat(summary.get("output_samples_per_round").asLong()).isGreaterThanOrEqualTo(2 * 20);
      assertThat(summary.get("with_rules_samples_per_second").asLong()).isPositive();

      HttpResponse<String> rules = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
          HttpRequest.newBuilder(URI.create(base + "/prometheus/api/v1/rules"))
              .header("X-Scope-OrgID", "bench-0").build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(rules.body()).doesNotContain("bench-rules-");
    }
  }
}
