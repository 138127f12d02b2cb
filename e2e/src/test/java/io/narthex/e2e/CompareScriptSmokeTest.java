package io.narthex.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench/compare.sh --smoke} runs end to end (Narthex all-in-one, the 3-ingester cluster, Prometheus; a few
 * seconds of load each) and prints its table, so that the script cannot rot; the table without the cluster's columns
 * ({@code --no-cluster}) is printed again from the same run's kept results rather than from a second run. Then
 * {@code --goals --smoke --only restart} runs the restart goal (bench/restart.sh), and the goals table is printed
 * from it together with the first run's results as the RF=1 and RF=3 runs, so that every goal row is checked
 * without the goal mode's other runs (minutes at any size). It asserts no timing.
 */
class CompareScriptSmokeTest {
  @TempDir
  Path work;

  @Test
  void compareScriptRunsAllThreeSystemsAndPrintsTheRatioTableAlsoWithoutTheClusterAndTheGoalsTable()
      throws Exception {
    LocalCluster.assumeRunnable();
    ExternalProcess.assumeInstalled(ExternalProcess.which("prometheus") != null
            && ExternalProcess.which("jq") != null && ExternalProcess.which("bc") != null,
        "bench/compare.sh needs prometheus, jq and bc (apt-get install prometheus jq bc; .ci/run does this)");
    // Half of --smoke's 4 write seconds, here and in the goals run: each system only has to produce its row.
    Path results = work.resolve("results");
    Path page = work.resolve("perf.md");
    String output = run("compare-smoke", "--smoke", "--write-seconds", "2", "--out", page.toString(), "--keep-results",
        results.toString());
    assertThat(output).contains("| ingest samples/s (higher is better) |", "| query p99 ms |", "Narthex RF=3");
    assertThat(page).as("--smoke writes no performance page").doesNotExist();

    // --no-cluster used to stop under set -e while building the table's header, after its runs, printing nothing.
    String table = run("compare-print-table", "--print-table", results.toString(), "--no-cluster");
    assertThat(table).contains("| measure | Prometheus | Narthex RF=1 | ratio RF=1 |\n|---|---|---|---|\n",
        "| ingest samples/s (higher is better) |", "| query p99 ms |").doesNotContain("RF=3");

    Path goals = work.resolve("goals");
    String goalsRun = run("compare-goals-smoke", "--goals", "--smoke", "--write-seconds", "2", "--only", "restart",
        "--out", page.toString(), "--keep-results", goals.toString());
    assertThat(goalsRun).contains("| 1 | RF=3 cluster, ingest samples/s").contains("| not run |");
    assertThat(goalRow(goalsRun, "| 5 | seconds from restart after kill -9 to every acknowledged sample served"))
        .matches("\\| 5 \\| [^|]+\\| — \\| [0-9.]+ \\| — \\| < 60 s \\| (\\*\\*met\\*\\*|not met) \\|");
    assertThat(page).as("--goals --only writes no performance page").doesNotExist();

    // The first run's kept results have the RF=1 and RF=3 runs' files: the table reads them as --goals's own.
    Files.createSymbolicLink(goals.resolve("rf1"), results);
    Files.createSymbolicLink(goals.resolve("rf3"), results);
    String goalsTable = run("compare-print-goals", "--print-goals", goals.toString());
    List<String> rows = goalsTable.lines().filter(line -> line.matches("\\| [1-6] \\|.*")).toList();
    assertThat(rows).extracting(row -> row.substring(2, 3))
        .containsExactly("1", "2", "2", "2", "2", "3", "3", "3", "4", "4", "5", "5", "6", "6", "6", "6", "6");
    for (String measured : List.of("| 1 | RF=3 cluster, ingest samples/s",
        "| 2 | resident bytes per active series, 2000", "| 5 | seconds from restart after kill -9 to ready",
        "| 6 | 1h dashboard over the head")) {
      // goal, measure, Prometheus (none for the restart), Narthex, ratio, target, met
      assertThat(goalRow(goalsTable, measured)).as(measured).matches("\\| [1-6] \\| [^|]+\\|( [0-9.]+ \\|| — \\|)"
          + " [0-9.]+ \\| [^|]+ \\| [^|]+ \\| (\\*\\*met\\*\\*|not met) \\|");
    }
    assertThat(goalRow(goalsTable, "| 4 | ingest samples/s")).endsWith("| not run |");
    // --smoke's dashboard spans 6 hours
    assertThat(goalRow(goalsTable, "| 6 | 6h dashboard over store-gateway blocks")).endsWith("| not run |");
  }

  private String run(String name, String... args) throws IOException, InterruptedException {
    Path script = Path.of("..", "bench", "compare.sh").toAbsolutePath().normalize();
    Path log = work.resolve(name + ".log");
    List<String> command = new ArrayList<>(List.of("bash", script.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    // Every Narthex and generator JVM of the runs with the client compiler only: it asserts no figure, and on two
    // cores the server compiler's start-up work is most of the time of each run's few seconds. The heap as the
    // script gives the cluster's processes (its all-in-one gets 2 GB; 1 GB holds --smoke's 4,000 series).
    builder.environment().put("NARTHEX_JAVA_OPTS", "-Xmx1g " + ExternalProcess.CLIENT_COMPILER_ONLY);
    builder.environment().put("NARTHEX_BENCH_JAVA_OPTS", ExternalProcess.CLIENT_COMPILER_ONLY);
    Process process = builder.start();
    boolean finished = process.waitFor(6, TimeUnit.MINUTES);
    if (!finished) {
      process.destroyForcibly();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    Files.createDirectories(Path.of("target", "e2e-logs"));
    Files.writeString(Path.of("target", "e2e-logs", name + ".log"), output);
    assertThat(finished).as("compare.sh %s finished:\n%s", String.join(" ", args), output).isTrue();
    assertThat(process.exitValue()).as("compare.sh %s failed:\n%s", String.join(" ", args), output).isZero();
    return output;
  }

  private static String goalRow(String table, String prefix) {
    return table.lines().filter(line -> line.startsWith(prefix)).findFirst()
        .orElseThrow(() -> new AssertionError("no row " + prefix + " in:\n" + table));
  }
}
