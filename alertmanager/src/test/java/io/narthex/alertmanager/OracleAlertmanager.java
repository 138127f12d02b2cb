package io.narthex.alertmanager;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's Alertmanager 0.25 ({@code /usr/bin/prometheus-alertmanager}) and {@code amtool} as the oracle tests run
 * them: one process on a loopback port, without clustering, its config in {@code <directory>/am.yml}, its state in
 * {@code <directory>/data} and its output in {@code <directory>/am.log}.
 */
public final class OracleAlertmanager implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/prometheus-alertmanager");
  public static final Path AMTOOL = Path.of("/usr/bin/amtool");
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

  private final Process process;
  private final int port;
  private final Path directory;

  private OracleAlertmanager(Process process, int port, Path directory) {
    this.process = process;
    this.port = port;
    this.directory = directory;
  }

  /** Skips the calling test (or class, from a {@code @BeforeAll}) when Debian's Alertmanager is not installed. */
  public static void assumeInstalled() {
    Assumptions.assumeTrue(Files.isExecutable(BINARY),
        "prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)");
  }

  /** Skips the calling test when Debian's amtool is not installed. */
  public static void assumeAmtoolInstalled() {
    Assumptions.assumeTrue(Files.isExecutable(AMTOOL),
        "amtool is not installed (apt-get install prometheus-alertmanager)");
  }

  /**
   * Writes {@code config} and starts Alertmanager on a free loopback port with {@code flags} added, then waits until
   * {@code /-/ready} answers 200.
   *
   * @throws IllegalStateException when it is not ready within 20 s (its output is in {@code am.log})
   */
  public static OracleAlertmanager start(Path directory, String config, String... flags)
      throws IOException, InterruptedException {
    Files.writeString(directory.resolve("am.yml"), config);
    int port = TestPorts.freePort();
    List<String> command = new ArrayList<>(List.of(BINARY.toString(),
        "--config.file=" + directory.resolve("am.yml"), "--storage.path=" + directory.resolve("data"),
        "--cluster.listen-address=", "--web.listen-address=127.0.0.1:" + port));
    command.addAll(List.of(flags));
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(directory.resolve("am.log").toFile()).start();
    OracleAlertmanager am = new OracleAlertmanager(process, port, directory);
    try {
      am.awaitReady();
    } catch (IOException | InterruptedException | RuntimeException e) {
      am.close();
      throw e;
    }
    return am;
  }

  private void awaitReady() throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest ready = HttpRequest.newBuilder(URI.create(url() + "/-/ready")).build();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Alertmanager exited with " + process.exitValue() + "; see "
            + directory.resolve("am.log"));
      }
      try {
        if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("Alertmanager did not become ready in " + READY_TIMEOUT + "; see "
        + directory.resolve("am.log"));
  }

  /** Its base URL, {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** Stops it with SIGTERM, on which Alertmanager writes its snapshots, and waits for it (killed after 10 s). */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }

  /**
   * Runs amtool with {@code args} and returns what it printed (stdout and stderr); fails when it runs longer than
   * 60 s. The exit status is not checked: a refused config is an answer.
   */
  public static String amtool(List<String> args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(AMTOOL.toString()));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("amtool " + args + " ran longer than 60 s");
    }
    return output;
  }
}
