package io.narthex.app;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * The flag table of {@code docs/configuration.md}, generated from {@link NarthexOptions}' declarations (flag,
 * deprecated aliases, YAML key, default and help text), so that {@code --help} and the docs never disagree. The
 * table sits between {@link #BEGIN} and {@link #END}; {@code ConfigurationDocTest} fails when the committed page
 * differs from the generated one (and rewrites it with {@code -Dnarthex.regenerate-docs=true}).
 */
final class ConfigurationDoc {
  static final String BEGIN = "<!-- flags: generated from NarthexOptions by ConfigurationDoc; do not edit by hand -->";
  static final String END = "<!-- end of generated flags -->";

  private ConfigurationDoc() {}

  /** The markdown table: one row per option, in declaration order. */
  static String flagsTable() {
    StringBuilder out = new StringBuilder("| flag | YAML key | default | meaning |\n|---|---|---|---|\n");
    for (CommandLine.Model.OptionSpec option : new CommandLine(new NarthexOptions()).getCommandSpec().options()) {
      if (option.usageHelp() || option.versionHelp()) {
        continue;
      }
      List<String> longNames = new ArrayList<>();
      for (String name : option.names()) {
        if (name.startsWith("--")) {
          longNames.add(name);
        }
      }
      StringBuilder flag = new StringBuilder("`" + longNames.getFirst() + "`");
      if (longNames.size() > 1) {
        flag.append(" (deprecated alias: `").append(String.join("`, `", longNames.subList(1, longNames.size())))
            .append("`)");
      }
      String key = option.descriptionKey() == null || option.descriptionKey().isEmpty() ? ""
          : "`" + option.descriptionKey() + "`";
      String defaultValue = option.defaultValue() == null || option.defaultValue().isEmpty() ? ""
          : "`" + option.defaultValue() + "`";
      String meaning = String.join(" ", option.description()).replace("|", "\\|");
      out.append("| ").append(flag).append(" | ").append(key).append(" | ").append(defaultValue).append(" | ")
          .append(meaning).append(" |\n");
    }
    return out.toString();
  }

  /**
   * {@code doc} with the text between the markers replaced by {@link #flagsTable()}.
   *
   * @throws IllegalArgumentException when the markers are missing
   */
  static String withTable(String doc) {
    int begin = doc.indexOf(BEGIN);
    int end = doc.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException("docs/configuration.md lacks the markers " + BEGIN + " and " + END);
    }
    return doc.substring(0, begin + BEGIN.length()) + "\n" + flagsTable() + doc.substring(end);
  }
}
