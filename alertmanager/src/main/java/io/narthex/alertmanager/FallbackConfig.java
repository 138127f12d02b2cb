package io.narthex.alertmanager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The configuration of tenants that stored none ({@code -alertmanager.configs.fallback}), as Mimir's
 * {@code ComputeFallbackConfig}: the file when one is named, read and validated once at startup; else
 * {@link AlertmanagerConfig#DEFAULT_FALLBACK}. Mimir's forbidden fields are allowed here: the operator wrote the file.
 */
public final class FallbackConfig {
  private FallbackConfig() {}

  /**
   * @param file the file, or empty for the built-in one
   * @throws IllegalArgumentException naming the file and what is wrong with it, so that the process does not start
   */
  public static AlertmanagerConfig load(String file) {
    if (file.isEmpty()) {
      return AlertmanagerConfig.parse(AlertmanagerConfig.DEFAULT_FALLBACK);
    }
    String text;
    try {
      text = Files.readString(Path.of(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("unable to read fallback config \"" + file + "\": " + e, e);
    }
    try {
      return new ConfigParser(true).parse(text);
    } catch (InvalidConfigException e) {
      throw new IllegalArgumentException("unable to load fallback config \"" + file + "\": " + e.getMessage(), e);
    }
  }
}
