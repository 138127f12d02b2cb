package io.narthex.app;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

  /** Headings of the per-component tables, by the mixin's field name in {@link NarthexOptions}. */
  private static final Map<String, String> SECTIONS = Map.ofEntries(
      Map.entry("", "Process"),
      Map.entry("server", "Server (`server`)"),
      Map.entry("ingester", "Ingester (`ingester`, `blocks_storage.tsdb`)"),
      Map.entry("ingesterClient", "Ingester and store-gateway clients (`ingester_client`)"),
      Map.entry("distributor", "Distributor (`distributor`)"),
      Map.entry("limits", "Limits (`limits`; most can be overridden per tenant in the runtime config)"),
      Map.entry("querier", "Querier (`querier`)"),
      Map.entry("tenantFederation", "Tenant federation (`tenant_federation`)"),
      Map.entry("bucket", "Object storage (`blocks_storage`)"),
      Map.entry("storeGateway", "Store-gateway (`store_gateway`, `blocks_storage.bucket_store`)"),
      Map.entry("compactor", "Compactor (`compactor`)"),
      Map.entry("ruler", "Ruler (`ruler`, `ruler_storage`)"),
      Map.entry("alertmanager", "Alertmanager (`alertmanager`)"),
      Map.entry("runtimeConfig", "Runtime config (`runtime_config`)"));

  /**
   * The markdown tables: one per component (the options of {@link NarthexOptions} itself, then one per mixin, under
   * a heading), one row per option, in declaration order.
   *
   * @throws IllegalStateException when a mixin has no heading in {@link #SECTIONS}
   */
  static String flagsTable() {
    // As NarthexOptions.commandLine: the text as written, no picocli ${...} interpolation.
    CommandLine.Model.CommandSpec spec = new CommandLine(new NarthexOptions()).setInterpolateVariables(false)
        .getCommandSpec();
    Map<CommandLine.Model.OptionSpec, String> sectionOf = new HashMap<>();
    spec.mixins().forEach((name, mixin) -> mixin.options().forEach(option -> sectionOf.put(option, name)));
    Map<String, StringBuilder> tables = new LinkedHashMap<>();
    tables.put("", new StringBuilder());
    for (CommandLine.Model.OptionSpec option : spec.options()) {
      if (option.usageHelp() || option.versionHelp()) {
        continue;
      }
      StringBuilder out = tables.computeIfAbsent(sectionOf.getOrDefault(option, ""), name -> new StringBuilder());
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
    StringBuilder out = new StringBuilder();
    tables.forEach((name, rows) -> {
      String heading = SECTIONS.get(name);
      if (heading == null) {
        throw new IllegalStateException("ConfigurationDoc.SECTIONS lacks a heading for the options mixin " + name);
      }
      out.append(out.isEmpty() ? "" : "\n").append("#### ").append(heading).append("\n\n")
          .append("| flag | YAML key | default | meaning |\n|---|---|---|---|\n").append(rows);
    });
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
