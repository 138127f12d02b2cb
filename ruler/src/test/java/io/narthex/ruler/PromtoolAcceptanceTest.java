package io.narthex.ruler;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's {@code promtool check rules} as the oracle: it accepts every group Narthex accepts in these tests, and
 * rejects the invalid ones Narthex rejects. Promtool 2.42 knows neither Mimir's fields nor newer Prometheus's
 * ({@code query_offset}, group {@code labels}), so those are dropped from what it checks.
 */
class PromtoolAcceptanceTest {
  @TempDir Path directory;

  @Test
  void promtoolAcceptsEveryGroupNarthexAccepts() throws Exception {
    List<RuleGroup> groups = RuleGroupFixtures.allValid();
    for (RuleGroup group : groups) {
      assertThat(RuleValidator.validate(group)).as(group.name()).isEmpty();
    }
    Path file = directory.resolve("valid.yaml");
    Files.write(file, RuleYaml.writeFile(groups.stream().map(RuleGroupFixtures::withoutFieldsPromtool242Lacks)
        .toList()));
    Result result = checkRules(file);
    assertThat(result.exitCode()).as(result.output()).isZero();
    // And Narthex reads back what it wrote, as a rule file, to the same groups.
    assertThat(RuleYaml.file(RuleYaml.writeFile(groups))).isEqualTo(groups);
  }

  @Test
  void promtoolRejectsTheGroupsNarthexRejects() throws Exception {
    for (RuleGroupFixtures.Invalid invalid : RuleGroupFixtures.INVALID) {
      Path file = directory.resolve("invalid.yaml");
      Files.writeString(file, "groups:\n" + invalid.yaml().indent(2).replaceFirst("  name", "- name"));
      Result result = checkRules(file);
      assertThat(result.exitCode()).as(invalid.yaml() + result.output()).isEqualTo(1);
    }
  }

  private record Result(int exitCode, String output) {}

  private static Result checkRules(Path file) throws IOException, InterruptedException {
    String promtool = which("promtool");
    Assumptions.assumeTrue(promtool != null, "promtool is not installed (apt-get install prometheus)");
    Process process = new ProcessBuilder(promtool, "check", "rules", file.toString()).redirectErrorStream(true)
        .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(process.exitValue(), output);
  }

  private static String which(String binary) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, binary);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }
}
