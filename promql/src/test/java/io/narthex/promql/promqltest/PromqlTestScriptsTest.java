package io.narthex.promql.promqltest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Runs Prometheus's promqltest scripts from {@code <repo>/../shared/promqltest/main/*.test} when present, printing
 * {@code <file>: N passed, M failed, S skipped} per file, and fails on any failing case that is not in the skip list
 * {@code promqltest-skip.txt}. That list names whole files or single cases ({@code <file>[:<line>]  <reason>}): only
 * native-histogram cases and features that sit behind a feature flag in Prometheus belong there. Failure details go
 * to {@code target/promqltest-report.txt}; failing cases that involve native histograms are suggested as skip
 * lines in {@code target/promqltest-skip-suggestions.txt}.
 */
class PromqlTestScriptsTest {
  private static final Path SKIP_LIST = Paths.get("src/test/resources/promqltest-skip.txt");

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

  /** Skip-list entries: {@code file} or {@code file:line} to reason. */
  static Map<String, String> readSkipList(Path path) throws IOException {
    Map<String, String> skips = new LinkedHashMap<>();
    for (String l : Files.readAllLines(path)) {
      String t = l.strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      String[] parts = t.split("\\s+", 2);
      if (parts.length < 2 || parts[1].isBlank()) {
        throw new IllegalStateException("skip-list entry without a reason: " + l);
      }
      if (skips.put(parts[0], parts[1].strip()) != null) {
        throw new IllegalStateException("duplicate skip-list entry: " + parts[0]);
      }
    }
    return skips;
  }

  @Test
  void promqltestScriptsPassExceptSkipList() throws IOException {
    Path scripts = findScripts();
    assumeTrue(scripts != null, "promqltest scripts not found (looked for shared/promqltest/main above "
        + Paths.get("").toAbsolutePath() + "); skipping");
    List<Path> files;
    try (Stream<Path> s = Files.list(scripts)) {
      files = s.filter(p -> p.toString().endsWith(".test")).sorted().toList();
    }
    Map<String, String> skips = readSkipList(SKIP_LIST);
    Set<String> unusedSkips = new TreeSet<>(skips.keySet());
    ScriptRunner runner = new ScriptRunner();
    List<String> report = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    List<String> suggestions = new ArrayList<>();
    List<String> skippedButPassing = new ArrayList<>();
    int totalPass = 0;
    int totalFail = 0;
    int totalSkip = 0;
    for (Path f : files) {
      String name = f.getFileName().toString();
      List<ScriptRunner.CaseResult> results = runner.run(name, Files.readString(f));
      boolean fileSkipped = skips.containsKey(name);
      if (fileSkipped) {
        unusedSkips.remove(name);
      }
      int pass = 0;
      int fail = 0;
      int skipped = 0;
      for (ScriptRunner.CaseResult r : results) {
        boolean caseSkipped = skips.containsKey(r.id());
        if (caseSkipped) {
          unusedSkips.remove(r.id());
        }
        if (fileSkipped || caseSkipped) {
          skipped++;
          if (r.outcome() == ScriptRunner.Outcome.FAIL) {
            report.add(r.id() + " SKIPPED-FAIL " + r.detail());
          } else if (caseSkipped) {
            skippedButPassing.add(r.id());
          }
          continue;
        }
        if (r.outcome() == ScriptRunner.Outcome.PASS) {
          pass++;
        } else {
          fail++;
          String line = r.id() + " FAIL " + r.detail();
          report.add(line);
          failures.add(line);
          if (r.nativeHistogram()) {
            suggestions.add(r.id() + "  native histogram");
          }
        }
      }
      totalPass += pass;
      totalFail += fail;
      totalSkip += skipped;
      System.out.println(name + ": " + pass + " passed, " + fail + " failed, " + skipped + " skipped");
    }
    System.out.println("promqltest total: " + totalPass + " passed, " + totalFail + " failed, " + totalSkip
        + " skipped");
    if (!skippedButPassing.isEmpty()) {
      System.out.println("promqltest: skipped cases that pass (prune them from the skip list): " + skippedButPassing);
    }
    Files.createDirectories(Paths.get("target"));
    Files.write(Paths.get("target/promqltest-report.txt"), report);
    Files.write(Paths.get("target/promqltest-skip-suggestions.txt"), suggestions);
    assertThat(unusedSkips).as("skip-list entries that match no file or case").isEmpty();
    assertThat(failures).as("failing promqltest cases outside the skip list").isEmpty();
  }
}
