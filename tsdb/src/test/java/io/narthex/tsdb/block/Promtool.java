package io.narthex.tsdb.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** The real Prometheus {@code promtool} (2.42), for the block compatibility tests. */
final class Promtool {
  private final String binary;

  private Promtool(String binary) {
    this.binary = binary;
  }

  /** promtool from the PATH; skips the test when it is not installed, and fails it when {@code CI} is set. */
  static Promtool installed() {
    String binary = findOnPath("promtool");
    if (binary == null) {
      String msg = "promtool not on PATH: skipping Prometheus compatibility checks (install prometheus tools)";
      if (System.getenv("CI") != null) {
        fail(msg + "; CI is set, so this is a failure");
      }
      Assumptions.abort(msg);
    }
    return new Promtool(binary);
  }

  /** Runs promtool with {@code args}, asserting it exits with status 0 within two minutes; returns its stdout. */
  String run(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(binary);
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("promtool", ".out");
    Path err = Files.createTempFile("promtool", ".err");
    try {
      Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("promtool timed out: " + cmd);
      }
      String stdout = Files.readString(out);
      assertThat(p.exitValue()).as("%s failed: %s%s", cmd, stdout, Files.readString(err)).isZero();
      return stdout;
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static String findOnPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }
}
