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
    String yaml = Files.readString(file);
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
