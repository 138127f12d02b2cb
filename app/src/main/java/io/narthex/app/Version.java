package io.narthex.app;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build's version, from {@code narthex-version.properties} filled in by Maven. */
final class Version {
  static final String VERSION = load();

  private Version() {}

  private static String load() {
    try (InputStream in = Version.class.getResourceAsStream("/narthex-version.properties")) {
      Properties properties = new Properties();
      if (in != null) {
        properties.load(in);
      }
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
