package io.narthex.e2e;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/** A child process for end-to-end tests, logging to {@code target/e2e-logs/<name>.log}, stopped with SIGTERM. */
final class ExternalProcess implements AutoCloseable {
  /**
   * The JVM flag of every Narthex process the e2e tests start: the client compiler only (C1). On two cores the
   * server compiler's start-up work delays each process start and the start of the others beside it (the 5-process
   * cluster of deploy/local/cluster.sh: 21.0 s and 34 CPU s to ready, 14.6 s and 22 CPU s with it, 2026-12-07); no
   * e2e test runs long enough or hard enough to need C2's code, and none measures speed.
   */
  static final String CLIENT_COMPILER_ONLY = "-XX:TieredStopAtLevel=1";

  private final String name;
  private final Process process;
  private final Path log;

  private ExternalProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  static ExternalProcess start(String name, List<String> command) throws IOException {
    Path logDir = Path.of("target", "e2e-logs");
    Files.createDirectories(logDir);
    Path log = logDir.resolve(name + ".log");
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    return new ExternalProcess(name, process, log);
  }

  /** The first executable named {@code name} on PATH, or null. */
  static String which(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File file = new File(dir, name);
      if (file.canExecute()) {
        return file.getAbsolutePath();
      }
    }
    return null;
  }

  /**
   * Skips the calling test with {@code message} when a required program is missing, except on CI
   * ({@code CI} set), where .ci/run installs it, so its absence is a failure.
   */
  static void assumeInstalled(boolean installed, String message) {
    if (!installed && System.getenv("CI") != null) {
      throw new AssertionError("on CI, " + message);
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(installed, message);
  }

  /** Ports handed out in this JVM: a caller may not have bound its port yet when the next one asks. */
  private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A port that binds now, below the kernel's ephemeral range (32768 and up on Linux), never handed out before in
   * this JVM. A port-0 pick is ephemeral: an outgoing connection (a Raft peer reconnecting, a client) could take it
   * before the child process bound it.
   *
   * @throws IOException when 200 random candidates are all taken
   */
  static int freePort() throws IOException {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = java.util.concurrent.ThreadLocalRandom.current().nextInt(20_000, 32_000);
      if (!HANDED_OUT.add(port)) {
        continue;
      }
      try (ServerSocket socket = new ServerSocket(port)) {
        return port;
      } catch (IOException taken) {
        // another one
      }
    }
    throw new IOException("no free port between 20000 and 32000");
  }

  /**
   * Waits until {@code url} answers 200, polling every 200 ms; fails at once with the process's log when it exits,
   * and with the log when {@code timeout} passes first.
   */
  void awaitHttpOk(String url, Duration timeout) {
    HttpClient http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2))
        .build();
    try {
      await(name + " answering 200 at " + url).atMost(timeout)
          .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200))
          .ignoreExceptionsInstanceOf(IOException.class) // not listening yet
          .until(() -> {
            if (!process.isAlive()) {
              throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + logTail());
            }
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode() == 200;
          });
    } catch (ConditionTimeoutException notReady) {
      throw new AssertionError(name + " did not answer " + url + " within " + timeout + ":\n" + logTail(), notReady);
    }
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** SIGTERM, then the exit code; SIGKILL after 20 seconds. */
  int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor();
    }
    return process.exitValue();
  }

  /** SIGKILL, as {@code kill -9}, and waits until the process is gone. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      stop();
    }
  }
}
