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

      // verify reads the write run's summary afterwards (bench/restart.sh runs it after a kill -9): the same counts
      // match, and one acknowledged sample more than the target holds is a mismatch with exit code 1.
      Path summary = dataDir.resolve("write.log");
      java.nio.file.Files.writeString(summary, writeOutput.toString());
      StringWriter verifyOutput = new StringWriter();
      int verifyExit = BenchMain.commandLine().setOut(new PrintWriter(verifyOutput)).execute("verify",
          "--url=" + base + "/prometheus", "--summary=" + summary, "--json");
      assertThat(verifyExit).as(verifyOutput.toString()).isZero();
      assertThat(WriteCommandTest.lastJsonLine(verifyOutput.toString()).at("/tenants/bench-0/queried").asLong())
          .isEqualTo(write.get("accepted_samples").asLong());
      long accepted = write.get("accepted_samples").asLong();
      java.nio.file.Files.writeString(summary, writeOutput.toString().replace(
          "\"accepted_per_tenant\":{\"bench-0\":" + accepted + "}",
          "\"accepted_per_tenant\":{\"bench-0\":" + (accepted + 1) + "}"));
      StringWriter mismatchOutput = new StringWriter();
      int mismatchExit = BenchMain.commandLine().setOut(new PrintWriter(mismatchOutput)).execute("verify",
          "--url=" + base + "/prometheus", "--summary=" + summary, "--json");
      assertThat(mismatchExit).as(mismatchOutput.toString()).isOne();
      assertThat(mismatchOutput.toString()).contains("\"result\":\"mismatch\"");

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
