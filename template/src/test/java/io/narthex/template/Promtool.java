package io.narthex.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs Prometheus's promtool (Debian's, 2.42) for the oracle tests, and writes the YAML they feed it. */
final class Promtool {
  static final Path PATH = Path.of("/usr/bin/promtool");

  private Promtool() {}

  record Result(int exitCode, String output) {}

  /** Skips the calling test when promtool is not installed. */
  static void assumeInstalled() {
    Assumptions.assumeTrue(Files.isExecutable(PATH), "skipped: " + PATH + " (Prometheus's promtool) is absent");
  }

  /** promtool with {@code args}, in {@code dir}; its stdout and stderr together. */
  static Result run(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(PATH.toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
    return new Result(process.exitValue(), output);
  }

  /** A YAML double-quoted scalar (JSON's escapes, which YAML shares). */
  static String yaml(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\t' -> out.append("\\t");
        // YAML allows no C0 or C1 control characters unescaped.
        default -> out.append(c < 0x20 || (c >= 0x7f && c < 0xa0) ? String.format("\\u%04x", (int) c)
            : String.valueOf(c));
      }
    }
    return out.append('"').toString();
  }
}
