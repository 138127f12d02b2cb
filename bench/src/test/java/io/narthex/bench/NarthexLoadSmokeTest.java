package io.narthex.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.narthex.app.Narthex;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both generators against a real all-in-one Narthex in this JVM, a couple of seconds each. */
class NarthexLoadSmokeTest {
  @TempDir
  Path dataDir;

  @Test
  void everyAcknowledgedSampleIsQueryableAndQueriesAgreeWithThemselves() throws Exception {
    try (Narthex narthex = InProcessNarthex.start(dataDir)) {
      String base = "http://127.0.0.1:" + narthex.httpPort();

      StringWriter writeOutput = new StringWriter();
      int writeExit = BenchMain.commandLine().setOut(new PrintWriter(writeOutput)).execute("write",
          "--url=" + base + "/api/v1/push", "--verify-url=" + base + "/prometheus", "--series=2000",
          "--samples-per-request=500", "--concurrency=2", "--duration=2s", "--label-shape=kube", "--json");
      System.out.print(writeOutput);

      assertThat(writeExit).as(writeOutput.toString()).isZero();
      JsonNode write = WriteCommandTest.lastJsonLine(writeOutput.toString());
      assertThat(write.get("accepted_samples").asLong()).isPositive();
      assertThat(write.get("error_requests").asLong()).isZero();
      assertThat(write.at("/verification/result").asText()).isEqualTo("match");
      assertThat(write.at("/verification/tenants/bench-0/queried").asLong())
          .isEqualTo(write.get("accepted_samples").asLong());

      StringWriter queryOutput = new StringWriter();
      int queryExit = BenchMain.commandLine().setOut(new PrintWriter(queryOutput)).execute("query",
          "--url=" + base + "/prometheus", "--header=X-Scope-OrgID:bench-0",
          "--compare-url=" + base + "/prometheus", "--compare-header=X-Scope-OrgID:bench-0",
          "--concurrency=2", "--duration=2s", "--json");
      System.out.print(queryOutput);

      assertThat(queryExit).as(queryOutput.toString()).isZero();
      JsonNode query = WriteCommandTest.lastJsonLine(queryOutput.toString());
      assertThat(query.get("queries").asLong()).isPositive();
      assertThat(query.get("error_queries").asLong()).as(queryOutput.toString()).isZero();
      assertThat(query.get("compared").asLong()).isPositive();
      assertThat(query.get("mismatches").asLong()).as(queryOutput.toString()).isZero();
    }
  }
}
