package io.narthex.alertmanager.state;

import static io.narthex.alertmanager.state.FullStateCodecTest.RETENTION;
import static io.narthex.alertmanager.state.FullStateCodecTest.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.Silence;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Holds the hand-written codec against Google's {@code protoc} and the .proto files of Alertmanager's and Mimir's
 * messages in {@code src/main/proto}: protoc reads what we write, and we read what protoc writes. Skipped, with a
 * message, when no protoc is found (on the PATH, or the one the Maven build downloads).
 */
class ProtocCrossCheckTest {
  @TempDir
  static Path dir;
  static Path protoc;

  @BeforeAll
  static void findProtoc() throws IOException {
    protoc = locateProtoc();
    Assumptions.assumeTrue(protoc != null,
        "protoc is neither on the PATH nor in ~/.m2/repository/com/google/protobuf/protoc: cross-check skipped");
    Path protos = Path.of("src/main/proto");
    try (Stream<Path> files = Files.walk(protos)) {
      for (Path p : files.filter(p -> p.toString().endsWith(".proto")).toList()) {
        Path target = dir.resolve(protos.relativize(p).toString());
        Files.createDirectories(target.getParent());
        Files.copy(p, target);
      }
    }
    // The one well-known type the messages use, declared with its wire fields.
    Path timestamp = dir.resolve("google/protobuf/timestamp.proto");
    Files.createDirectories(timestamp.getParent());
    Files.writeString(timestamp, "syntax = \"proto3\";\npackage google.protobuf;\n"
        + "message Timestamp { int64 seconds = 1; int32 nanos = 2; }\n");
  }

  private static Path locateProtoc() throws IOException {
    for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path p = Path.of(entry, "protoc");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    Path repo = Path.of(System.getProperty("user.home"), ".m2/repository/com/google/protobuf/protoc");
    if (!Files.isDirectory(repo)) {
      return null;
    }
    try (Stream<Path> files = Files.walk(repo)) {
      Path exe = files.filter(p -> p.getFileName().toString().endsWith("-linux-x86_64.exe")).findFirst().orElse(null);
      if (exe == null || !System.getProperty("os.arch").matches("amd64|x86_64")) {
        return null;
      }
      // The repository's copy is not executable; run a copy.
      Path copy = Files.createTempFile("protoc", ".exe");
      Files.copy(exe, copy, StandardCopyOption.REPLACE_EXISTING);
      copy.toFile().setExecutable(true);
      copy.toFile().deleteOnExit();
      return copy;
    }
  }

  private static byte[] protoc(String mode, String type, byte[] input) throws Exception {
    List<String> command = new ArrayList<>(List.of(protoc.toString(), "-I", dir.toString(), "--" + mode + "=" + type,
        "alertspb/alerts.proto", "silencepb/silence.proto", "nflogpb/nflog.proto"));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    p.getOutputStream().write(input);
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor()).as("protoc " + mode + " " + type).isZero();
    return out;
  }

  private static String decode(String type, byte[] input) throws Exception {
    return new String(protoc("decode", type, input), StandardCharsets.UTF_8);
  }

  /** The data of the part named {@code key}, and its first delimited message. */
  private static byte[] firstMessageOfPart(byte[] fullState, String key) throws Exception {
    ProtoReader desc = new ProtoReader(fullState);
    desc.next();
    ProtoReader state = desc.message();
    while (state.next()) {
      ProtoReader part = state.message();
      part.next();
      String k = part.string();
      part.next();
      byte[] data = part.bytes();
      if (k.equals(key)) {
        ProtoReader stream = new ProtoReader(data);
        ProtoReader first = stream.lengthDelimited();
        assertThat(stream.atEnd()).isTrue();
        return first.remaining();
      }
    }
    throw new AssertionError("no part " + key);
  }

  @Test
  void protocReadsOurEncodingAsMimirsFullStateDesc() throws Exception {
    Silence silence = FullStateCodecTest.silence("a-id", "{alertname=\"quiet\",job=~\"api|web\"}", T0,
        T0.plusSeconds(3600));
    NotificationLog.Entry entry = FullStateCodecTest.entry("{}:{alertname=\"x\"}", 2, Set.of(-1L), Set.of(), T0);
    byte[] bytes = FullStateCodec.encode("t1", new TenantState(List.of(silence), List.of(entry)), RETENTION);

    String desc = decode("alerts.FullStateDesc", bytes);
    assertThat(desc).startsWith("state {\n  parts {\n    key: \"sil:t1\"\n").contains("    key: \"nfl:t1\"\n");

    long s = T0.getEpochSecond();
    assertThat(decode("silencepb.MeshSilence", firstMessageOfPart(bytes, "sil:t1"))).isEqualTo("""
        silence {
          id: "a-id"
          matchers {
            name: "alertname"
            pattern: "quiet"
          }
          matchers {
            type: REGEXP
            name: "job"
            pattern: "api|web"
          }
          starts_at {
            seconds: %d
            nanos: 123456789
          }
          ends_at {
            seconds: %d
            nanos: 123456789
          }
          updated_at {
            seconds: %d
            nanos: 123456789
          }
          created_by: "me"
          comment: "because"
        }
        expires_at {
          seconds: %d
          nanos: 123456789
        }
        """.formatted(s, s + 3600, s, s + 3600 + RETENTION.toSeconds()));
    assertThat(decode("nflogpb.MeshEntry", firstMessageOfPart(bytes, "nfl:t1"))).isEqualTo("""
        entry {
          group_key: "{}:{alertname=\\"x\\"}"
          receiver {
            group_name: "team"
            integration: "webhook"
            idx: 2
          }
          timestamp {
            seconds: %d
            nanos: 123456789
          }
          firing_alerts: 18446744073709551615
        }
        expires_at {
          seconds: %d
          nanos: 123456789
        }
        """.formatted(s, s + RETENTION.toSeconds()));
  }

  @Test
  void weReadWhatProtocEncodesIncludingAlertmanagersDeprecatedFields() throws Exception {
    long s = T0.getEpochSecond();
    byte[] meshSilence = protoc("encode", "silencepb.MeshSilence", """
        silence {
          id: "s1"
          matchers { type: NOT_REGEXP name: "env" pattern: "dev|test" }
          starts_at { seconds: %d }
          ends_at { seconds: %d }
          updated_at { seconds: %d }
          comments { author: "old" comment: "field 7, deprecated" }
          created_by: "alice"
          comment: "maintenance"
        }
        expires_at { seconds: %d }
        """.formatted(s, s + 60, s, s + 60 + RETENTION.toSeconds()).getBytes(StandardCharsets.UTF_8));
    byte[] meshEntry = protoc("encode", "nflogpb.MeshEntry", """
        entry {
          group_key: "{}:{}"
          receiver { group_name: "team" integration: "email" idx: 1 }
          group_hash: "deprecated"
          resolved: true
          timestamp { seconds: %d }
          firing_alerts: [1, 2]
          resolved_alerts: 3
        }
        expires_at { seconds: %d }
        """.formatted(s, s + RETENTION.toSeconds()).getBytes(StandardCharsets.UTF_8));

    byte[] bytes = FullStateCodecTest.concat(FullStateCodecTest.fullState("sil:t1", meshSilence),
        FullStateCodecTest.fullState("nfl:t1", meshEntry));
    FullStateCodec.Decoded decoded = FullStateCodec.decode("t1", bytes, T0, 0);
    assertThat(decoded.invalid()).isZero();
    Silence silence = decoded.state().silences().getFirst();
    assertThat(silence.id()).isEqualTo("s1");
    assertThat(silence.createdBy()).isEqualTo("alice");
    assertThat(silence.comment()).isEqualTo("maintenance");
    assertThat(silence.endsAt()).isEqualTo(T0.plusSeconds(60).minusNanos(T0.getNano()));
    assertThat(silence.matchers()).singleElement().satisfies(m -> {
      assertThat(m.type()).isEqualTo(io.narthex.alertmanager.Matcher.Type.NOT_REGEX);
      assertThat(m.matches("dev")).isFalse();
      assertThat(m.matches("prod")).isTrue();
    });
    Instant at = T0.minusNanos(T0.getNano());
    assertThat(decoded.state().notificationLog()).containsExactly(new NotificationLog.Entry("{}:{}",
        new NotificationLog.Receiver("team", "email", 1), Set.of(1L, 2L), Set.of(3L), at,
        at.plus(RETENTION)));
  }
}
