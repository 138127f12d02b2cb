package io.narthex.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * Supplies option defaults from the YAML config file: an option's {@code descriptionKey} is its dotted YAML path.
 * Explicit flags still win, since picocli only asks for defaults of options not given.
 */
final class YamlDefaults implements CommandLine.IDefaultValueProvider {
  private final JsonNode root;

  YamlDefaults(Path configFile) {
    if (configFile == null) {
      root = null;
      return;
    }
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(configFile));
    } catch (IOException e) {
      throw new CommandLine.ParameterException(
          new CommandLine(new NarthexOptions()), "cannot read --config.file " + configFile + ": " + e.getMessage());
    }
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

  @Override
  public String defaultValue(CommandLine.Model.ArgSpec argSpec) {
    if (root == null || !(argSpec instanceof CommandLine.Model.OptionSpec option) || option.descriptionKey() == null
        || option.descriptionKey().isEmpty()) {
      return null;
    }
    JsonNode node = root;
    for (String part : option.descriptionKey().split("\\.")) {
      node = node == null ? null : node.get(part);
    }
    if (node == null || node.isNull()) {
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
