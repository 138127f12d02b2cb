package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench/compare.sh --smoke} runs end to end (Narthex all-in-one, the 3-ingester cluster, Prometheus; a few
 * seconds of load each) and prints its table, so that the script cannot rot; the table without the cluster's columns
 * ({@code --no-cluster}) is printed again from the same run's kept results rather than from a second run. It asserts
 * no timing.
 */
class CompareScriptSmokeTest {
  @TempDir
  Path work;

  @Test
  void compareScriptRunsAllThreeSystemsAndPrintsTheRatioTableAlsoWithoutTheCluster() throws Exception {
    LocalCluster.assumeRunnable();
    ExternalProcess.assumeInstalled(ExternalProcess.which("prometheus") != null
            && ExternalProcess.which("jq") != null && ExternalProcess.which("bc") != null,
        "bench/compare.sh needs prometheus, jq and bc (apt-get install prometheus jq bc; .ci/run does this)");
    Path script = Path.of("..", "bench", "compare.sh").toAbsolutePath().normalize();
    Path log = work.resolve("compare.log");
    // Half of --smoke's 4 write seconds: each system only has to produce its row.
    Path results = work.resolve("results");
    Process process = new ProcessBuilder("bash", script.toString(), "--smoke", "--write-seconds", "2",
        "--out", work.resolve("perf.md").toString(), "--keep-results", results.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean finished = process.waitFor(6, TimeUnit.MINUTES);
    if (!finished) {
      process.destroyForcibly();
    }
    String output = Files.readString(log);
    Files.createDirectories(Path.of("target", "e2e-logs"));
    Files.writeString(Path.of("target", "e2e-logs", "compare-smoke.log"), output);
    assertThat(finished).as("compare.sh --smoke finished:\n%s", output).isTrue();
    assertThat(process.exitValue()).as("compare.sh --smoke failed:\n%s", output).isZero();
    assertThat(output).contains("| ingest samples/s (higher is better) |", "| query p99 ms |", "Narthex RF=3");
    assertThat(work.resolve("perf.md")).as("--smoke writes no performance page").doesNotExist();

    // --no-cluster used to stop under set -e while building the table's header, after its runs, printing nothing.
    Process noCluster = new ProcessBuilder("bash", script.toString(), "--print-table", results.toString(),
        "--no-cluster").redirectErrorStream(true).start();
    String table = new String(noCluster.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(noCluster.waitFor()).as("compare.sh --print-table --no-cluster failed:\n%s", table).isZero();
    assertThat(table).contains("| measure | Prometheus | Narthex RF=1 | ratio RF=1 |\n|---|---|---|---|\n",
        "| ingest samples/s (higher is better) |", "| query p99 ms |").doesNotContain("RF=3");
  }
}
