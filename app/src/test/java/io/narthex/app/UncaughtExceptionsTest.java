package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.util.ExitUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The process-wide policy for uncaught exceptions: a process with Raft shards survives an exception that kills one
 * of its threads (Ratis's own handler would {@code System.exit}), and counts it; an out-of-memory error ends it with
 * status 3. The exits are checked in child JVMs, since they end the JVM they happen in.
 */
// Measures time: never beside the classes that run concurrently (their lock), and after the rest of the module.
@ResourceLock("timing-oracles")
@Order(Order.DEFAULT + 1)
class UncaughtExceptionsTest {
  @TempDir Path dir;
  private Thread.UncaughtExceptionHandler previous;

  @BeforeEach
  void savePrevious() {
    previous = Thread.getDefaultUncaughtExceptionHandler();
  }

  @AfterEach
  void restorePrevious() {
    Thread.setDefaultUncaughtExceptionHandler(previous);
  }

  @Test
  void aThreadDyingOfAnExceptionLeavesTheProcessServingAndIsCounted() throws Exception {
    UncaughtExceptions.install();
    assertThat(UncaughtExceptions.installed()).isTrue();
    try (Narthex narthex = SingleProcess.start(dir)) {
      assertThat(narthex.ready()).isTrue();
      double before = counted(narthex);
      Thread dying = new Thread(() -> {
        throw new IllegalStateException("a bug reached by some request");
      }, "test-dying-thread");
      dying.start();
      dying.join();
      assertThat(counted(narthex)).isEqualTo(before + 1);
      assertThat(narthex.ready()).as("every shard still has its leader").isTrue();
    }
  }

  @Test
  void ratisLoadedFirstDoesNotKeepItsExitingHandler() throws Exception {
    Result result = child("ratis-first");
    assertThat(result.status()).as(result.output()).isZero();
    assertThat(result.output()).contains("still running after the thread died");
  }

  @Test
  void outOfMemoryEndsTheProcessWithStatusThree() throws Exception {
    Result result = child("out-of-memory");
    assertThat(result.status()).as(result.output()).isEqualTo(UncaughtExceptions.OUT_OF_MEMORY_EXIT_STATUS);
    assertThat(result.output()).contains("java.lang.OutOfMemoryError: test").contains("in thread test-dying")
        .doesNotContain("still running");
  }

  private record Result(int status, String output) {}

  private static Result child(String mode) throws Exception {
    String java = ProcessHandle.current().info().command().orElseThrow();
    Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        Child.class.getName(), mode).redirectErrorStream(true).start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("child JVM ended").isTrue();
    return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  /** A child JVM: installs the policy, lets a thread die of the given error, and says whether it is still running. */
  static final class Child {
    public static void main(String[] args) throws Exception {
      Throwable error = new IllegalStateException("test");
      if (args[0].equals("ratis-first")) {
        // Ratis's ExitUtils installs its System.exit handler when it is first used.
        ExitUtils.isTerminated();
      } else {
        error = new OutOfMemoryError("test");
      }
      UncaughtExceptions.install();
      Throwable thrown = error;
      Thread dying = new Thread(() -> {
        if (thrown instanceof Error e) {
          throw e;
        }
        throw (RuntimeException) thrown;
      }, "test-dying");
      dying.start();
      dying.join();
      Thread.sleep(200);
      System.out.println("still running after the thread died");
      System.exit(0);
    }
  }

  private static double counted(Narthex narthex) throws Exception {
    String body = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + narthex.httpPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    List<String> lines = body.lines().filter(line -> line.startsWith("narthex_uncaught_exceptions_total ")).toList();
    assertThat(lines).hasSize(1);
    return Double.parseDouble(lines.getFirst().split(" ")[1]);
  }
}
