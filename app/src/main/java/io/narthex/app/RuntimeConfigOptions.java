package io.narthex.app;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The runtime config file of per-tenant overrides (Mimir's {@code runtime_config} block). A mixin of {@link
 * NarthexOptions}, reached as {@code options.runtimeConfig}: each option's flag, YAML path ({@code descriptionKey}),
 * default and help are declared here once, and the CLI, {@code --config.file} and docs/configuration.md are all
 * generated from it.
 */
public final class RuntimeConfigOptions {
  @Option(names = {"--runtime-config.file", "-runtime-config.file"}, descriptionKey = "runtime_config.file",
      defaultValue = "",
      description = "YAML of per-tenant overrides, Mimir's shape (`overrides: {<tenant>: "
          + "{compactor_blocks_retention_period: 30d}}`), reread while running; a file that does not parse "
          + "keeps the last good one")
  public String file = "";

  @Option(names = {"--runtime-config.reload-period", "-runtime-config.reload-period"},
      descriptionKey = "runtime_config.period", defaultValue = "10s", converter = DurationConverter.class,
      description = "how often the runtime config file is reread")
  public Duration reloadPeriod = Duration.ofSeconds(10);
}
