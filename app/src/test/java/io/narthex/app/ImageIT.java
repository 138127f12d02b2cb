package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.narthex.ingester.FreePorts;
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
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image that {@code ./mvnw -Pimage package} writes (target/narthex-image.tar, an OCI image layout that
 * Jib builds; docs/operations.md#container-image): its config runs {@code bin/narthex}'s JVM flags as a non-root
 * user, its layers hold the Java runtime and every jar of the classpath, and the image, unpacked into a root
 * filesystem and started there with {@code unshare --root} as its config says, answers {@code /ready}.
 */
class ImageIT {
  private static final Path TARBALL = Path.of("target/narthex-image.tar");
  private static final Path BIN_NARTHEX = Path.of("../bin/narthex");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path work;
  private static JsonNode config;
  private static Path rootfs;
  /** {@code tar -tv} of every layer, owners as numbers. */
  private static final List<String> listing = new ArrayList<>();

  @BeforeAll
  static void unpack() throws Exception {
    assertThat(TARBALL).as("the image tarball; build it with ./mvnw -Pimage -pl app -am verify").isRegularFile();
    Path layout = Files.createDirectory(work.resolve("layout"));
    run(List.of("tar", "-xf", TARBALL.toAbsolutePath().toString(), "-C", layout.toString()));
    JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
    JsonNode manifest = JSON.readTree(blob(layout, index.path("manifests").path(0).path("digest")).toFile());
    assertThat(manifest.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
    config = JSON.readTree(blob(layout, manifest.path("config").path("digest")).toFile());
    // Layers in order, as a runtime stacks them; tar as root keeps each file's owner and mode.
    rootfs = Files.createDirectory(work.resolve("rootfs"));
    for (JsonNode layer : manifest.path("layers")) {
      assertThat(layer.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
      String blob = blob(layout, layer.path("digest")).toString();
      run(List.of("tar", "-xzf", blob, "-C", rootfs.toString()));
      listing.addAll(run(List.of("tar", "--numeric-owner", "-tvzf", blob)).lines().toList());
    }
  }

  @Test
  void entryPointRunsTheMainClassWithBinNarthexsJvmFlags() throws Exception {
    List<String> expected = new ArrayList<>();
    expected.add("java");
    expected.addAll(binNarthexJvmFlags());
    // bin/narthex's G1 flags as it prints them without a memory limit; in the image the JVM sizes the heap from
    // the container's limit, 3/4 of it as bin/narthex does.
    expected.addAll(Arrays.asList(run(List.of("bash", BIN_NARTHEX.toString()), "NARTHEX_PRINT_HEAP_FLAGS", "1",
        "NARTHEX_PROC_CGROUP", "/dev/null").strip().split(" ")));
    expected.addAll(List.of("-XX:MaxRAMPercentage=75", "-cp", "@/app/jib-classpath-file", "io.narthex.app.Main"));

    assertThat(strings(config.path("config").path("Entrypoint"))).containsExactlyElementsOf(expected);
    assertThat(config.path("config").path("Cmd").isMissingNode() || config.path("config").path("Cmd").isNull())
        .as("no default arguments: the process runs --target=all").isTrue();
    assertThat(strings(config.path("config").path("Env"))).contains("JAVA_HOME=/opt/java/openjdk")
        .anySatisfy(env -> assertThat(env).startsWith("PATH=/opt/java/openjdk/bin:"));
    assertThat(rootfs.resolve("opt/java/openjdk/bin/java")).isExecutable();
  }

  @Test
  void runsAsTheNonRootUserThatOwnsTheWorkingDirectory() throws Exception {
    assertThat(config.path("config").path("User").asText()).isEqualTo("65532:65532");
    assertThat(config.path("config").path("WorkingDir").asText()).isEqualTo("/var/lib/narthex");
    assertThat(Files.readAllLines(rootfs.resolve("etc/passwd")))
        .contains("narthex:x:65532:65532:narthex:/var/lib/narthex:/sbin/nologin");
    assertThat(listing).as("the working directory, owned by the user")
        .anySatisfy(entry -> assertThat(entry).matches("drwx\\S* 65532/65532 .* \\./var/lib/narthex/?"));
  }

  @Test
  void layersHoldEveryJarOfTheClasspath() throws Exception {
    String classpath = Files.readString(rootfs.resolve("app/jib-classpath-file")).strip();
    List<String> entries = Arrays.asList(classpath.split(":"));
    assertThat(entries).contains("/app/classes", "/app/resources")
        .anySatisfy(entry -> assertThat(entry).matches("/app/libs/narthex-tsdb-.+\\.jar"))
        .anySatisfy(entry -> assertThat(entry).matches("/app/libs/ratis-server-.+\\.jar"))
        .anySatisfy(entry -> assertThat(entry).matches("/app/libs/grpc-netty-.+\\.jar"));
    for (String entry : entries) {
      assertThat(rootfs.resolve(entry.substring(1))).as("classpath entry %s in the layers", entry).exists();
    }
    assertThat(rootfs.resolve("app/classes/io/narthex/app/Main.class")).isRegularFile();
    assertThat(Files.readString(rootfs.resolve("app/jib-main-class-file")).strip()).isEqualTo("io.narthex.app.Main");
  }

  @Test
  void startsFromItsLayersAsItsConfigSaysAndAnswersReady() throws Exception {
    Assumptions.assumeTrue(isRoot() && Files.isExecutable(Path.of("/usr/bin/unshare")),
        "skipped: starting the image needs root and util-linux's unshare (to chroot into its layers as its user)");
    Files.createDirectories(rootfs.resolve("proc"));
    String[] user = config.path("config").path("User").asText().split(":");
    int httpPort = FreePorts.next();
    // No --fork: unshare becomes the image's java, so this Process is the JVM. (With --fork and --pid, the child
    // outlived a killed unshare: --setuid clears the parent-death signal that --kill-child sets.)
    List<String> command = new ArrayList<>(List.of("/usr/bin/unshare", "--mount", "--mount-proc=/proc",
        "--root=" + rootfs, "--wd=" + config.path("config").path("WorkingDir").asText(), "--setgid=" + user[1],
        "--setuid=" + user[0], "--"));
    command.addAll(strings(config.path("config").path("Entrypoint")));
    command.addAll(List.of("--server.http-listen-port=" + httpPort,
        "--server.grpc-listen-port=" + FreePorts.next(), "--ingester.raft-listen-port=" + FreePorts.next()));
    Path log = work.resolve("narthex.log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    // The image's environment only: PATH finds the image's java, not this machine's.
    builder.environment().clear();
    for (String env : strings(config.path("config").path("Env"))) {
      builder.environment().put(env.substring(0, env.indexOf('=')), env.substring(env.indexOf('=') + 1));
    }
    Process process = builder.start();
    try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/ready"))
          .timeout(Duration.ofSeconds(2)).build();
      long deadlineNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (true) {
        if (!process.isAlive()) {
          fail("the image's process exited with %d; its log:%n%s", process.exitValue(), Files.readString(log));
        }
        try {
          if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            break;
          }
        } catch (IOException notYet) {
          // not listening yet
        }
        if (System.nanoTime() > deadlineNanos) {
          fail("no 200 from /ready within 120 s; the log:%n%s", Files.readString(log));
        }
        Thread.sleep(200);
      }
      // It wrote its data where the working directory is, as the user the config names.
      assertThat(Files.getAttribute(rootfs.resolve("var/lib/narthex/data"), "unix:uid")).isEqualTo(65532);
    } finally {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  /** The {@code jvm_flags=(...)} array of bin/narthex, the flags every Narthex JVM starts with. */
  private static List<String> binNarthexJvmFlags() throws IOException {
    Matcher matcher = Pattern.compile("(?m)^jvm_flags=\\(([^)]*)\\)$").matcher(Files.readString(BIN_NARTHEX));
    assertThat(matcher.find()).as("bin/narthex's jvm_flags line").isTrue();
    return Arrays.asList(matcher.group(1).strip().split("\\s+"));
  }

  private static Path blob(Path layout, JsonNode digest) {
    String[] algorithmAndHex = digest.asText().split(":");
    return layout.resolve("blobs").resolve(algorithmAndHex[0]).resolve(algorithmAndHex[1]);
  }

  private static List<String> strings(JsonNode array) {
    List<String> strings = new ArrayList<>();
    array.forEach(node -> strings.add(node.asText()));
    return strings;
  }

  private static boolean isRoot() throws IOException {
    return uid() == 0;
  }

  private static int uid() throws IOException {
    return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
  }

  /** Runs a command with extra environment pairs; returns its output, or fails with it. */
  private static String run(List<String> command, String... environment) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("NARTHEX_JAVA_OPTS");
    for (int i = 0; i < environment.length; i += 2) {
      builder.environment().put(environment[i], environment[i + 1]);
    }
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.waitFor() != 0) {
      fail("%s exited with %d:%n%s", command, process.exitValue(), output);
    }
    return output;
  }
}
