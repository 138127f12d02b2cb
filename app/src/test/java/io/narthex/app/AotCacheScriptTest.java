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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/narthex, bin/narthex-bench and the JDK 25 AOT cache (issue 17, goal 3): copies of the scripts in a scratch tree
 * whose {@code app/target/narthex.jar} and {@code bench/target/narthex-bench.jar} are tiny jars, so a training run
 * takes a second instead of a Narthex workload.
 */
class AotCacheScriptTest {
  private static final Path BIN = Path.of("..", "bin").toAbsolutePath().normalize();
  private static final String FROM_CACHE = Hello.class.getName() + " source: shared objects file";

  @TempDir Path root;
  Path jar;

  @BeforeEach
  void scratchTree() throws IOException {
    Files.createDirectories(root.resolve("bin"));
    for (String script : new String[] {"narthex", "narthex-bench", "java-home"}) {
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
    // G1's compressed pointers differ between heap sizes (-Xmx768m here, the machine's default in training).
    Result limited = run("bin/narthex", Map.of("NARTHEX_JAVA_OPTS", "-Xlog:class+load=info"),
        "-server.memory-limit=1GiB");
    assertThat(limited.stdout).as("another heap size, the same cache").contains(FROM_CACHE);
    assertThat(limited.stderr).isEmpty();
    Result zgc = run("bin/narthex", Map.of("NARTHEX_JAVA_OPTS", "-XX:+UseZGC -Xlog:class+load=info"));
    assertThat(zgc.stdout).as("another collector: not this cache").doesNotContain(FROM_CACHE);
    assertThat(zgc.stdout.lines()).contains("hello");
    assertThat(zgc.stderr.lines()).singleElement().asString().contains("built for another jar, JVM or collector");

    // A rebuilt jar: the JVM would refuse the cache with errors on stdout; the script says why on stderr instead.
    Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() + 10_000));
    Result stale = narthex(Map.of("NARTHEX_JAVA_OPTS", "-Xlog:class+load=info"));
    assertThat(stale.stdout).doesNotContain(FROM_CACHE);
    assertThat(stale.stdout.lines()).contains("hello");
    assertThat(stale.stderr.lines()).singleElement().asString().contains("built for another jar, JVM or collector");

    assertThat(narthex(Map.of("NARTHEX_AOT_CACHE", "off")).stderr).as("off: no cache, no message").isEmpty();
  }

  @Test
  void generatorStartsFromItsOwnTrainedCacheAndSilentlyWithoutOne() throws Exception {
    // Compile a tiny class of the name bin/narthex-bench runs into the scratch tree's bench jar (named as the script
    // names it: this test uses nothing of the bench module).
    String mainClass = benchMainClass();
    String packageName = mainClass.substring(0, mainClass.lastIndexOf('.'));
    String simpleName = mainClass.substring(mainClass.lastIndexOf('.') + 1);
    Path source = Files.createDirectories(root.resolve("src").resolve(packageName.replace('.', '/')))
        .resolve(simpleName + ".java");
    Files.writeString(source, "package " + packageName + "; public class " + simpleName
        + " { public static void main(String[] a) { System.out.println(\"bench \" + String.join(\" \", a)); } }");
    Path classes = Files.createDirectories(root.resolve("classes"));
    assertThat(ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(),
        source.toString())).isZero();
    Path benchJar = root.resolve("bench/target/narthex-bench.jar");
    Files.createDirectories(benchJar.getParent());
    String entry = mainClass.replace('.', '/') + ".class";
    try (OutputStream file = Files.newOutputStream(benchJar); JarOutputStream out = new JarOutputStream(file)) {
      out.putNextEntry(new JarEntry(entry));
      Files.copy(classes.resolve(entry), out);
    }
    String fromCache = mainClass + " source: shared objects file";

    Result plain = run("bin/narthex-bench", Map.of(), "write", "--x=1");
    assertThat(plain.stdout).isEqualTo("bench write --x=1");
    assertThat(plain.stderr).as("no cache: nothing said").isEmpty();

    assertThat(run("bin/narthex-bench", Map.of("NARTHEX_BENCH_AOT_TRAIN", "1"), "write").stdout.lines())
        .contains("bench write");
    Path cache = benchJar.resolveSibling("narthex-bench.aot");
    assertThat(cache).isNotEmptyFile();
    assertThat(cache.resolveSibling("narthex-bench.aot.stamp")).exists();

    Result cached = run("bin/narthex-bench", Map.of("NARTHEX_BENCH_JAVA_OPTS", "-Xlog:class+load=info:stderr"),
        "query");
    assertThat(cached.stdout).as("stdout is the generator's alone").isEqualTo("bench query");
    assertThat(cached.stderr).contains(fromCache);

    Files.setLastModifiedTime(benchJar, FileTime.fromMillis(Files.getLastModifiedTime(benchJar).toMillis() + 10_000));
    Result stale = run("bin/narthex-bench", Map.of("NARTHEX_BENCH_JAVA_OPTS", "-Xlog:class+load=info:stderr"),
        "query");
    assertThat(stale.stdout).isEqualTo("bench query");
    assertThat(stale.stderr).as("a rebuilt jar: started without the cache").doesNotContain(fromCache)
        .contains(mainClass);
  }

  private record Result(String stdout, String stderr) {}

  private Result narthex(Map<String, String> env) throws IOException, InterruptedException {
    return run("bin/narthex", env);
  }

  private Result run(String script, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("bash", root.resolve(script).toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    for (String name : List.of("NARTHEX_JAVA_OPTS", "NARTHEX_AOT_CACHE", "NARTHEX_BENCH_JAVA_OPTS",
        "NARTHEX_BENCH_AOT_CACHE")) {
      builder.environment().remove(name);
    }
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

  /** The main class of bin/narthex-bench's {@code main=(-cp "$jar" CLASS)} line. */
  private static String benchMainClass() throws IOException {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("main=\\(-cp \"\\$jar\" ([\\w.]+)\\)")
        .matcher(Files.readString(BIN.resolve("narthex-bench")));
    assertThat(m.find()).as("bin/narthex-bench names its main class").isTrue();
    return m.group(1);
  }
}
