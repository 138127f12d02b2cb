package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * {@code --config.expand-env}: Mimir's expansion of environment variables in {@code --config.file} (Go's os.Expand
 * with {@code ${VAR:default}}), on real files, with the environment given at the parse seam and, once, a child
 * process's real environment.
 */
class ConfigExpandEnvTest {
  private static final Map<String, String> ENV = Map.of(
      "KEY", "AKIA123", "SECRET", "s3cr/et+x", "EMPTY", "", "LINES", "a\nb\n", "_U1", "u");

  @TempDir
  Path work;

  /** Expected results are os.Expand's with Mimir's mapping function, worked out by hand from its source. */
  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
      "key: ${KEY}                | key: AKIA123",
      "key: $KEY                  | key: AKIA123",
      "$KEY.$SECRET               | AKIA123.s3cr/et+x",
      "${KEY}${KEY}               | AKIA123AKIA123",
      "$_U1-x                     | u-x",
      "x: ${UNSET}.               | x: .",
      "x: $UNSET.                 | x: .",
      "x: ${UNSET:dflt}           | x: dflt",
      "x: ${EMPTY:dflt}           | x: dflt",
      "x: ${KEY:dflt}             | x: AKIA123",
      "x: ${UNSET:a:b c}          | x: a:b c",
      "x: ${EMPTY}!               | x: !",
      "x: ${LINES}                | x: ab",
      "price: $$5                 | price: 5",
      "x: $1$-$?.                 | x: .",
      "x: ${?}y                   | x: y",
      "x: a$                      | x: a$",
      "x: a$ b $/ $.              | x: a$ b $/ $.",
      "x: a${}b                   | x: ab",
      "x: a${KEY                  | x: aKEY",
      "x: é$KEYé                  | x: éAKIA123é",
      "no reference               | no reference"})
  void expandsAsMimir(String text, String expected) {
    assertThat(ConfigFile.expandEnv(text.strip(), ENV)).isEqualTo(expected.strip());
  }

  @Test
  void theFileTakesItsValuesFromTheEnvironmentOnlyWithTheFlag() throws Exception {
    Path file = write("""
        blocks_storage:
          backend: s3
          s3:
            bucket_name: ${BUCKET:narthex-blocks}
            access_key_id: "${KEY}"
            secret_access_key: "${SECRET}"
        """);
    for (String flag : List.of("--config.expand-env", "-config.expand-env", "--config.expand-env=true",
        "-config.expand-env=TRUE")) {
      NarthexOptions options = NarthexOptions.parse(ENV, "--config.file=" + file, flag);
      assertThat(options.expandEnv).as(flag).isTrue();
      assertThat(options.bucket.s3AccessKeyId).as(flag).isEqualTo("AKIA123");
      assertThat(options.bucket.s3SecretAccessKey).as(flag).isEqualTo("s3cr/et+x");
      assertThat(options.bucket.s3BucketName).as(flag).isEqualTo("narthex-blocks");
    }
    // Default false, as Mimir: the text stays as written.
    for (String[] args : List.of(new String[] {"-config.file", file.toString()},
        new String[] {"-config.file", file.toString(), "--config.expand-env=false"},
        new String[] {"--config.expand-env", "false", "-config.file", file.toString()})) {
      NarthexOptions options = NarthexOptions.parse(ENV, args);
      assertThat(options.expandEnv).isFalse();
      assertThat(options.bucket.s3SecretAccessKey).isEqualTo("${SECRET}");
    }
    // "true" after the bare flag is its value (picocli's arity 0..1), not a positional parameter.
    assertThat(NarthexOptions.parse(ENV, "--config.expand-env", "true", "--config.file", file.toString())
        .bucket.s3AccessKeyId).isEqualTo("AKIA123");
    // A flag still overrides the expanded file.
    assertThat(NarthexOptions.parse(ENV, "--config.file=" + file, "--config.expand-env",
        "--blocks-storage.s3.access-key-id=flag").bucket.s3AccessKeyId).isEqualTo("flag");
    // Unset: empty, no error, as Mimir.
    assertThat(NarthexOptions.parse(Map.of(), "--config.file=" + file, "--config.expand-env")
        .bucket.s3SecretAccessKey).isEmpty();
  }

  /**
   * Without the flag a value stays as written, even one naming a variable the process has (picocli, which
   * reads the file's values as option defaults, would interpolate it).
   */
  @Test
  void withoutTheFlagNothingIsExpandedFromTheRealEnvironment() throws Exception {
    String variable = System.getenv().containsKey("HOME") ? "HOME" : "PATH";
    Path file = write("blocks_storage:\n  s3:\n    secret_access_key: \"${" + variable + "}\"\n"
        + "    access_key_id: \"${sys:user.dir}\"\n");
    NarthexOptions options = NarthexOptions.parse("--config.file=" + file);
    assertThat(options.bucket.s3SecretAccessKey).isEqualTo("${" + variable + "}");
    assertThat(options.bucket.s3AccessKeyId).isEqualTo("${sys:user.dir}");
    assertThat(NarthexOptions.parse("--config.file=" + file, "--config.expand-env").bucket.s3SecretAccessKey)
        .isEqualTo(System.getenv(variable));
  }

  /** Values lose their newlines, so an error after expansion still names the line of the file. */
  @Test
  void errorsNameTheFilesLineAfterExpansion() throws Exception {
    Path file = write("""
        server:
          http_listen_port: ${PORT}
        blocks_storage:
          bakend: s3
        """);
    Map<String, String> env = new HashMap<>(ENV);
    env.put("PORT", "9009\n\n\n");
    assertThatThrownBy(() -> NarthexOptions.parse(env, "--config.file=" + file, "--config.expand-env"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("line 4").hasMessageContaining("blocks_storage.bakend");
    // A value that breaks the YAML breaks it as it would written in the file.
    Path quoted = write("blocks_storage:\n  s3:\n    secret_access_key: \"${QUOTE}\"\n");
    assertThatThrownBy(() -> NarthexOptions.parse(Map.of("QUOTE", "a\"b: c"), "--config.file=" + quoted,
        "--config.expand-env")).isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("not valid YAML");
  }

  /** The ring sections, read by RingConfig, see the expanded text too. */
  @Test
  void ringSectionsAreExpanded() throws Exception {
    Path file = write("""
        ingester:
          ring:
            nodes:
              - {id: "${POD:ingester-0}", grpc_address: "${POD:ingester-0}.ingesters:9095", raft_address: "h:9096"}
        """);
    NarthexOptions options = NarthexOptions.parse(Map.of("POD", "narthex-ingester-0"),
        "--config.file=" + file, "--config.expand-env", "--ingester.ring.instance-id=narthex-ingester-0",
        "--ingester.ring.replication-factor=1");
    assertThat(RingConfig.shardMap(options).nodes()).extracting(node -> node.grpcAddress())
        .containsExactly("narthex-ingester-0.ingesters:9095");
  }

  /** {@link NarthexOptions#parse(String...)} reads the process's own environment. */
  @Test
  void aChildProcessExpandsFromItsEnvironment() throws Exception {
    Path file = write("blocks_storage:\n  s3:\n    secret_access_key: ${NARTHEX_TEST_SECRET:unset}\n");
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), PrintSecret.class.getName(),
        "--config.file=" + file, "--config.expand-env")
        .redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().put("NARTHEX_TEST_SECRET", "from-the-environment");
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
    assertThat(output.strip()).isEqualTo("from-the-environment");
  }

  /** The child of {@link #aChildProcessExpandsFromItsEnvironment}. */
  static final class PrintSecret {
    public static void main(String[] args) {
      System.out.println(NarthexOptions.parse(args).bucket.s3SecretAccessKey);
    }
  }

  private Path write(String yaml) throws Exception {
    Path file = Files.createTempFile(work, "narthex", ".yaml");
    Files.writeString(file, yaml);
    return file;
  }
}
