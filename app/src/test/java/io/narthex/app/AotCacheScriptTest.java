package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/narthex and the JDK 25 AOT cache (issue 17, goal 3): a copy of the script in a scratch tree whose
 * {@code app/target/narthex.jar} is a tiny jar, so a training run takes a second instead of a Narthex workload.
 */
class AotCacheScriptTest {
  private static final Path BIN = Path.of("..", "bin").toAbsolutePath().normalize();
  private static final String FROM_CACHE = Hello.class.getName() + " source: shared objects file";

  @TempDir Path root;
  Path jar;

  @BeforeEach
  void scratchTree() throws IOException {
    Files.createDirectories(root.resolve("bin"));
    for (String script : new String[] {"narthex", "java-home"}) {
      Files.copy(BIN.resolve(script), root.resolve("bin").resolve(script), StandardCopyOption.COPY_ATTRIBUTES);
    }
    jar = root.resolve("app/target/narthex.jar");
    Files.createDirectories(jar.getParent());
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Hello.class.getName());
    String entry = Hello.class.getName().replace('.', '/') + ".class";
    try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest);
        InputStream in = Hello.class.getClassLoader().getResourceAsStream(entry)) {
      out.putNextEntry(new JarEntry(entry));
      in.transferTo(out);
    }
  }

  @Test
  void startsWithoutACacheAndSaysSoOnceOnStderr() throws Exception {
    Result result = narthex(Map.of());
    assertThat(result.stdout).endsWith("hello");
    assertThat(result.stderr.lines()).singleElement().asString().contains("no AOT cache");
  }

  @Test
  void startsFromTheTrainedCacheAndFallsBackWhenTheJarChanges() throws Exception {
    Path cache = jar.resolveSibling("narthex.aot");
    assertThat(narthex(Map.of("NARTHEX_AOT_TRAIN", "1")).stdout.lines()).contains("hello");
    assertThat(cache).isNotEmptyFile();
    assertThat(cache.resolveSibling("narthex.aot.stamp")).exists();

    Result cached = narthex(Map.of("NARTHEX_JAVA_OPTS", "-Xlog:class+load=info"));
    assertThat(cached.stdout).contains(FROM_CACHE);
    assertThat(cached.stdout.lines()).as("the class-loading log goes on after main").contains("hello");
    assertThat(cached.stderr).isEmpty();

    // A rebuilt jar: the JVM would refuse the cache with errors on stdout; the script says why on stderr instead.
    Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 10_000));
    Result stale = narthex(Map.of("NARTHEX_JAVA_OPTS", "-Xlog:class+load=info"));
    assertThat(stale.stdout).doesNotContain(FROM_CACHE);
    assertThat(stale.stdout.lines()).contains("hello");
    assertThat(stale.stderr.lines()).singleElement().asString().contains("built for another jar or JVM");

    assertThat(narthex(Map.of("NARTHEX_AOT_CACHE", "off")).stderr).as("off: no cache, no message").isEmpty();
  }

  private record Result(String stdout, String stderr) {}

  private Result narthex(Map<String, String> env) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder("bash", root.resolve("bin/narthex").toString());
    builder.environment().remove("NARTHEX_JAVA_OPTS");
    builder.environment().remove("NARTHEX_AOT_CACHE");
    builder.environment().putAll(env);
    Process process = builder.start();
    CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
    String stdout = read(process.getInputStream());
    assertThat(process.waitFor()).as(stdout + stderr.join()).isZero();
    return new Result(stdout.strip(), stderr.join().strip());
  }

  private static String read(InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The tiny application the scratch tree's jar runs. */
  static final class Hello {
    public static void main(String[] args) {
      System.out.println("hello");
    }
  }
}
