package io.narthex.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;

/**
 * Supplies option defaults from the YAML config file ({@link ConfigFile}, checked for unknown keys): an option's
 * {@code descriptionKey} is its dotted YAML path. Explicit flags still win, since picocli only asks for defaults of
 * options not given.
 */
final class YamlDefaults implements CommandLine.IDefaultValueProvider {
  private final ConfigFile config;

  /**
   * @param commandLine whose options' YAML keys the file may use
   * @param env the environment to expand the file's {@code ${VAR}} from, or null to read it as it is
   * @throws CommandLine.ParameterException when the file cannot be read, is not YAML or has an unknown key
   */
  YamlDefaults(Path configFile, Map<String, String> env, CommandLine commandLine) {
    if (configFile == null) {
      config = null;
      return;
    }
    try {
      config = ConfigFile.read(configFile, yamlKeys(commandLine), env);
    } catch (IOException e) {
      throw new CommandLine.ParameterException(commandLine,
          "cannot read --config.file " + configFile + ": " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(commandLine, e.getMessage());
    }
  }

  /** The YAML paths ({@code descriptionKey}) of the command line's options. */
  static Set<String> yamlKeys(CommandLine commandLine) {
    Set<String> keys = new HashSet<>();
    for (CommandLine.Model.OptionSpec option : commandLine.getCommandSpec().options()) {
      if (option.descriptionKey() != null && !option.descriptionKey().isEmpty()) {
        keys.add(option.descriptionKey());
      }
    }
    return keys;
  }

  /** The config file read, or null without one. */
  ConfigFile config() {
    return config;
  }

  /** The value of {@code --config.file} or {@code -config.file} in {@code args}, or null. */
  static Path configFileOf(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      for (String name : new String[] {"--config.file", "-config.file"}) {
        if (arg.equals(name) && i + 1 < args.length) {
          return Path.of(args[i + 1]);
        }
        if (arg.startsWith(name + "=")) {
          return Path.of(arg.substring(name.length() + 1));
        }
      }
    }
    return null;
  }

  /**
   * Whether {@code args} set {@code --config.expand-env} (or {@code -config.expand-env}), read as picocli reads the
   * option (arity 0..1): bare, {@code =true|false}, or followed by {@code true|false}; the last one given wins.
   */
  static boolean expandEnvOf(String[] args) {
    boolean expand = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--")) {
        break;
      }
      for (String name : new String[] {"--config.expand-env", "-config.expand-env"}) {
        if (arg.equals(name)) {
          String next = i + 1 < args.length ? args[i + 1].toLowerCase(Locale.ROOT) : "";
          expand = !next.equals("false");
          if (next.equals("true") || next.equals("false")) {
            i++;
          }
        } else if (arg.startsWith(name + "=")) {
          expand = Boolean.parseBoolean(arg.substring(name.length() + 1));
        }
      }
    }
    return expand;
  }

  @Override
  public String defaultValue(CommandLine.Model.ArgSpec argSpec) {
    if (config == null || !(argSpec instanceof CommandLine.Model.OptionSpec option)
        || option.descriptionKey() == null || option.descriptionKey().isEmpty()) {
      return null;
    }
    JsonNode node = config.at(option.descriptionKey());
    if (node == null) {
      return null;
    }
    if (node.isArray()) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode element : node) {
        if (!sb.isEmpty()) {
          sb.append(',');
        }
        sb.append(element.asText());
      }
      return sb.toString();
    }
    return node.asText();
  }
}
