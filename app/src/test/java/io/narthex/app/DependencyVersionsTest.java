package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.Version;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The library versions the audit flagged (rows 16 and 21), as the app's classpath resolves them: one Netty for
 * Armeria and gRPC at 4.2.18 or later, logback at 1.5.25 or later, and one Jackson version for every module.
 */
class DependencyVersionsTest {
  @Test
  void everyNettyModuleIsAtLeast4218AndGrpcRunsOnIt() {
    Map<String, io.netty.util.Version> versions = io.netty.util.Version.identify();
    assertThat(versions).containsKeys("netty-common", "netty-codec-http", "netty-codec-http2", "netty-handler");
    versions.forEach((artifact, version) -> assertThat(compare(version.artifactVersion(), "4.2.18.Final"))
        .as(artifact + " " + version.artifactVersion()).isGreaterThanOrEqualTo(0));
    // grpc-netty-shaded would bring its own, older Netty under another package.
    assertThatThrownBy(() -> Class.forName("io.grpc.netty.shaded.io.netty.util.Version"))
        .isInstanceOf(ClassNotFoundException.class);
    assertThat(io.grpc.netty.NettyServerBuilder.class.getClassLoader())
        .isSameAs(PlatformDependent.class.getClassLoader());
  }

  @Test
  void logbackIsAtLeast1525() throws IOException {
    assertThat(compare(pomVersion("ch.qos.logback", "logback-classic"), "1.5.25")).isGreaterThanOrEqualTo(0);
    assertThat(compare(pomVersion("ch.qos.logback", "logback-core"), "1.5.25")).isGreaterThanOrEqualTo(0);
  }

  @Test
  void everyJacksonModuleHasTheSameVersion() {
    List<Version> versions = List.of(
        com.fasterxml.jackson.core.json.PackageVersion.VERSION,
        com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION,
        com.fasterxml.jackson.dataformat.yaml.PackageVersion.VERSION,
        com.fasterxml.jackson.datatype.jdk8.PackageVersion.VERSION,
        com.fasterxml.jackson.datatype.jsr310.PackageVersion.VERSION);
    assertThat(versions).extracting(Version::toString).containsOnly(versions.getFirst().toString());
  }

  private static String pomVersion(String group, String artifact) throws IOException {
    String path = "META-INF/maven/" + group + "/" + artifact + "/pom.properties";
    try (InputStream in = DependencyVersionsTest.class.getClassLoader().getResourceAsStream(path)) {
      assertThat(in).as(path).isNotNull();
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version");
    }
  }

  /** Compares dotted versions number by number ({@code 4.2.18.Final} against {@code 4.2.7.Final}). */
  private static int compare(String version, String other) {
    String[] a = version.split("[.-]");
    String[] b = other.split("[.-]");
    for (int i = 0; i < Math.min(a.length, b.length); i++) {
      if (a[i].chars().allMatch(Character::isDigit) && b[i].chars().allMatch(Character::isDigit)) {
        int c = Integer.compare(Integer.parseInt(a[i]), Integer.parseInt(b[i]));
        if (c != 0) {
          return c;
        }
      }
    }
    return 0;
  }
}
