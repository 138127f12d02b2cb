package io.narthex.promql.promqltest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Runs Prometheus's promqltest scripts from {@code <repo>/../shared/promqltest/main/*.test} when present, printing
 * {@code <file>: N passed, M failed} per file. Ratchet: every case listed in promqltest-baseline.txt must still
 * pass. Regenerate the baseline with {@code -Dpromqltest.updateBaseline=true}.
 */
class PromqlTestScriptsTest {
  private static final Path BASELINE = Paths.get("src/test/resources/promqltest-baseline.txt");

  static Path findScripts() {
    Path dir = Paths.get("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve("shared/promqltest/main");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
      dir = dir.getParent();
    }
    return null;
  }

  @Test
  void promqltestScriptsKeepPassingBaselineCases() throws IOException {
    Path scripts = findScripts();
    assumeTrue(scripts != null, "promqltest scripts not found (looked for shared/promqltest/main above "
        + Paths.get("").toAbsolutePath() + "); skipping");
    List<Path> files;
    try (Stream<Path> s = Files.list(scripts)) {
      files = s.filter(p -> p.toString().endsWith(".test")).sorted().toList();
    }
    ScriptRunner runner = new ScriptRunner();
    Set<String> passing = new TreeSet<>();
    List<String> report = new ArrayList<>();
    int totalPass = 0;
    int totalFail = 0;
    for (Path f : files) {
      String name = f.getFileName().toString();
      List<ScriptRunner.CaseResult> results = runner.run(name, Files.readString(f));
      int pass = 0;
      int fail = 0;
      int unsupported = 0;
      for (ScriptRunner.CaseResult r : results) {
        switch (r.outcome()) {
          case PASS -> {
            pass++;
            passing.add(r.id());
          }
          case FAIL -> {
            fail++;
            report.add(r.id() + " FAIL " + r.detail());
          }
          case UNSUPPORTED -> unsupported++;
        }
      }
      totalPass += pass;
      totalFail += fail;
      System.out.println(name + ": " + pass + " passed, " + fail + " failed, " + unsupported + " unsupported");
    }
    System.out.println("promqltest total: " + totalPass + " passed, " + totalFail + " failed");
    Files.createDirectories(Paths.get("target"));
    Files.write(Paths.get("target/promqltest-report.txt"), report);

    if (Boolean.getBoolean("promqltest.updateBaseline")) {
      Files.createDirectories(BASELINE.getParent());
      Files.write(BASELINE, passing);
      System.out.println("promqltest baseline updated: " + passing.size() + " cases");
      return;
    }
    Set<String> baseline = new TreeSet<>();
    if (Files.exists(BASELINE)) {
      for (String l : Files.readAllLines(BASELINE)) {
        if (!l.isBlank() && !l.startsWith("#")) {
          baseline.add(l.trim());
        }
      }
    }
    Set<String> newlyPassing = new TreeSet<>(passing);
    newlyPassing.removeAll(baseline);
    if (!newlyPassing.isEmpty()) {
      System.out.println("promqltest: " + newlyPassing.size()
          + " cases pass that are not in the baseline; regenerate with -Dpromqltest.updateBaseline=true: "
          + newlyPassing);
    }
    Set<String> regressed = new TreeSet<>(baseline);
    regressed.removeAll(passing);
    List<String> details = new ArrayList<>();
    for (String line : report) {
      String id = line.substring(0, line.indexOf(' '));
      if (regressed.contains(id)) {
        details.add(line);
      }
    }
    assertThat(details).as("baseline cases that no longer pass").isEmpty();
    assertThat(regressed).as("baseline cases that no longer pass").isEmpty();
  }
}
