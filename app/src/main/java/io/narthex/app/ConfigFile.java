package io.narthex.app;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The YAML of {@code --config.file}, read once and checked whole, as Mimir refuses a config file with a field it
 * does not know: a typo is a start-up error naming the key, its line and the file, never a silent fall-back to the
 * default. Keys are an option's YAML path (its {@code descriptionKey}), a deprecated alias of one (renamed, with a
 * warning), or a key of the ring sections ({@link RingConfig}).
 */
final class ConfigFile {
  private static final Logger log = LoggerFactory.getLogger(ConfigFile.class);
  private static final YAMLFactory YAML = new YAMLFactory();

  /** Old YAML paths still read, with the path that replaced them (Mimir's). */
  static final Map<String, String> DEPRECATED_KEYS = Map.of(
      "ingester.node_id", "ingester.ring.instance_id",
      "store_gateway.instance_id", "store_gateway.sharding_ring.instance_id",
      "compactor.instance_id", "compactor.sharding_ring.instance_id");

  /** Keys of the ring sections, read by {@link RingConfig}; {@code []} stands for any element of a list. */
  static final Set<String> RING_KEYS = Set.of(
      "ingester.ring.shard_count",
      "ingester.ring.nodes", "ingester.ring.nodes[].id", "ingester.ring.nodes[].grpc_address",
      "ingester.ring.nodes[].raft_address",
      "ingester.ring.shards", "ingester.ring.shards[]", "ingester.ring.shards[][]",
      "store_gateway.sharding_ring.nodes", "store_gateway.sharding_ring.nodes[].id",
      "store_gateway.sharding_ring.nodes[].grpc_address",
      "compactor.sharding_ring.nodes", "compactor.sharding_ring.nodes[].id",
      "ruler.ring.nodes", "ruler.ring.nodes[].id", "ruler.ring.nodes[].http_address",
      "alertmanager.sharding_ring.nodes", "alertmanager.sharding_ring.nodes[].id",
      "alertmanager.sharding_ring.nodes[].raft_address");

  private final Path file;
  private final JsonNode root;

  private ConfigFile(Path file, JsonNode root) {
    this.file = file;
    this.root = root;
  }

  /**
   * Reads and checks {@code file}.
   *
   * @param optionKeys the YAML paths of every option
   * @throws IllegalArgumentException naming the file, the key and its line when a key is unknown, or when the file
   *     is not YAML
   * @throws IOException when the file cannot be read
   */
  static ConfigFile read(Path file, Set<String> optionKeys) throws IOException {
    return read(file, optionKeys, null);
  }

  /**
   * Reads and checks {@code file}, first replacing its environment variable references from {@code env} when
   * {@code env} is not null ({@code -config.expand-env}, see {@link #expandEnv}).
   *
   * @param env the environment, or null to read the file as it is
   * @throws IllegalArgumentException as {@link #read(Path, Set)}
   * @throws IOException when the file cannot be read
   */
  static ConfigFile read(Path file, Set<String> optionKeys, Map<String, String> env) throws IOException {
    String yaml = Files.readString(file);
    if (env != null) {
      yaml = expandEnv(yaml, env);
    }
    checkKeys(file, yaml, optionKeys);
    JsonNode root;
    try {
      root = new ObjectMapper(YAML).readTree(yaml);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("config file " + file + " is not valid YAML: " + e.getOriginalMessage(), e);
    }
    if (root != null && !root.isMissingNode() && !root.isNull() && !root.isObject()) {
      throw new IllegalArgumentException("config file " + file + " must hold a YAML mapping at its top level");
    }
    if (root instanceof ObjectNode object) {
      renameDeprecated(file, object);
    }
    return new ConfigFile(file, root == null || root.isNull() ? null : root);
  }

  /**
   * Mimir's {@code -config.expand-env} (cmd/mimir/main.go, expandEnvironmentVariables over Go's os.Expand), on the
   * whole text before YAML parsing, comments included: {@code ${NAME}} and {@code $NAME} (NAME of ASCII letters,
   * digits and {@code _}) become the variable's value, and {@code ${NAME:default}} gives {@code default} when the
   * variable is unset or empty. Unset is the empty string, never an error. Newlines are dropped from values, so
   * line numbers in later errors are the file's. As os.Expand: {@code ${*}}, {@code $*} and the like name the
   * one-character variables {@code * # $ @ ! ? -} and digits, so {@code $$} is the (unset) variable {@code $}, not
   * an escape; Mimir has no escape for {@code $}. An unclosed {@code ${} or an empty {@code ${}} is dropped; a
   * {@code $} followed by anything else stays as it is.
   *
   * @param env variable values by name, case-sensitive
   */
  static String expandEnv(String text, Map<String, String> env) {
    int dollar = text.indexOf('$');
    if (dollar < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 64);
    int copied = 0;
    for (int i = dollar; i < text.length(); i++) {
      if (text.charAt(i) != '$' || i + 1 == text.length()) {
        continue;
      }
      out.append(text, copied, i);
      int start = i + 1;
      String name = null;
      int width; // characters after the '$' this reference takes
      char first = text.charAt(start);
      if (first == '{') {
        int close = text.indexOf('}', start + 1);
        if (start + 2 < text.length() && isShellSpecial(text.charAt(start + 1)) && text.charAt(start + 2) == '}') {
          name = text.substring(start + 1, start + 2);
          width = 3;
        } else if (close < 0) {
          width = 1; // "${" without "}": dropped, as os.Expand does
        } else if (close == start + 1) {
          width = 2; // "${}": dropped
        } else {
          name = text.substring(start + 1, close);
          width = close - start + 1;
        }
      } else if (isShellSpecial(first)) {
        name = String.valueOf(first);
        width = 1;
      } else {
        int end = start;
        while (end < text.length() && isNameChar(text.charAt(end))) {
          end++;
        }
        width = end - start;
        if (width == 0) {
          out.append('$'); // not a reference: kept
        } else {
          name = text.substring(start, end);
        }
      }
      if (name != null) {
        out.append(value(name, env));
      }
      i += width;
      copied = i + 1;
    }
    return out.append(text, Math.min(copied, text.length()), text.length()).toString();
  }

  /** The value of a reference's name, {@code NAME} or {@code NAME:default}, without newlines. */
  private static String value(String reference, Map<String, String> env) {
    int colon = reference.indexOf(':');
    String value = env.get(colon < 0 ? reference : reference.substring(0, colon));
    if ((value == null || value.isEmpty()) && colon >= 0) {
      value = reference.substring(colon + 1);
    }
    return value == null ? "" : value.replace("\n", "");
  }

  private static boolean isShellSpecial(char c) {
    return c == '*' || c == '#' || c == '$' || c == '@' || c == '!' || c == '?' || c == '-' || c >= '0' && c <= '9';
  }

  private static boolean isNameChar(char c) {
    return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
  }

  Path file() {
    return file;
  }

  /** The node at the dotted path, or null. */
  JsonNode at(String dottedPath) {
    JsonNode node = root;
    for (String part : dottedPath.split("\\.")) {
      node = node == null ? null : node.get(part);
    }
    return node == null || node.isNull() || node.isMissingNode() ? null : node;
  }

  private static void checkKeys(Path file, String yaml, Set<String> optionKeys) throws IOException {
    Set<String> prefixes = new java.util.HashSet<>();
    for (Set<String> keys : java.util.List.of(optionKeys, RING_KEYS, DEPRECATED_KEYS.keySet())) {
      for (String key : keys) {
        for (int dot = key.indexOf('.'); dot >= 0; dot = key.indexOf('.', dot + 1)) {
          prefixes.add(key.substring(0, dot));
        }
      }
    }
    try (JsonParser parser = YAML.createParser(yaml)) {
      // The path of each open container; a list adds "[]" to its parent's path.
      Deque<String> paths = new ArrayDeque<>();
      String field = null;
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        switch (token) {
          case FIELD_NAME -> {
            String parent = paths.isEmpty() ? "" : paths.peek();
            field = parent.isEmpty() ? parser.currentName() : parent + "." + parser.currentName();
            if (!optionKeys.contains(field) && !RING_KEYS.contains(field) && !DEPRECATED_KEYS.containsKey(field)
                && !prefixes.contains(field)) {
              JsonLocation at = parser.currentTokenLocation();
              throw new IllegalArgumentException("config file " + file + ": line " + at.getLineNr()
                  + ": field " + field + " not found: no option has this YAML key (see docs/configuration.md)");
            }
          }
          // A mapping is named by its field; one in a list by the list's path, which ends in "[]".
          case START_OBJECT -> paths.push(field != null ? field : paths.isEmpty() ? "" : paths.peek());
          case START_ARRAY -> paths.push((field != null ? field : paths.isEmpty() ? "" : paths.peek()) + "[]");
          case END_OBJECT, END_ARRAY -> {
            paths.pop();
            field = null;
          }
          default -> field = null;
        }
        if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
          field = null;
        }
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("config file " + file + " is not valid YAML: " + e.getOriginalMessage(), e);
    }
  }

  private static void renameDeprecated(Path file, ObjectNode root) {
    Map<String, JsonNode> moved = new LinkedHashMap<>();
    for (var alias : DEPRECATED_KEYS.entrySet()) {
      String[] parts = alias.getKey().split("\\.");
      JsonNode parent = root;
      for (int i = 0; i < parts.length - 1 && parent != null; i++) {
        parent = parent.get(parts[i]);
      }
      if (parent instanceof ObjectNode object && object.has(parts[parts.length - 1])) {
        moved.put(alias.getValue(), object.remove(parts[parts.length - 1]));
        log.warn("config file {}: {} is deprecated and will be removed, use {}", file, alias.getKey(),
            alias.getValue());
      }
    }
    moved.forEach((path, value) -> {
      String[] parts = path.split("\\.");
      ObjectNode parent = root;
      for (int i = 0; i < parts.length - 1; i++) {
        JsonNode child = parent.get(parts[i]);
        parent = child instanceof ObjectNode object ? object : parent.putObject(parts[i]);
      }
      if (!parent.has(parts[parts.length - 1])) {
        parent.set(parts[parts.length - 1], value);
      }
    });
  }
}
