package io.narthex.alertmanager;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * YAML read into a Jackson tree the way Go's {@code gopkg.in/yaml.v2} (Alertmanager's decoder) reads it, which
 * Jackson's own YAML reader does not: aliases expanded, merge keys ({@code <<}) resolved, a repeated key an error,
 * only the first document read, and plain scalars resolved with YAML 1.1's rules as yaml.v2 has them ({@code yes},
 * {@code on} are booleans; {@code 10:00} and {@code 2001-12-14} stay strings). Quoted scalars are always text.
 */
final class YamlTree {
  /**
   * A plain (unquoted) boolean or number, kept as its text, so that a string field reads it as written ({@code yes},
   * {@code 1e3}) while a boolean or integer field takes it, as Go's decoder does.
   */
  static final class PlainScalar extends TextNode {
    /** Null for a number. */
    final Boolean bool;

    PlainScalar(String text, Boolean bool) {
      super(text);
      this.bool = bool;
    }
  }

  private static final Set<String> NULLS = Set.of("", "~", "null", "Null", "NULL");
  private static final Set<String> TRUE = Set.of("y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True",
      "TRUE");
  private static final Set<String> FALSE = Set.of("n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False",
      "FALSE");
  private static final Pattern NUMBER = Pattern.compile(
      "[-+]?(0x[0-9a-fA-F_]+|0o?[0-7_]+|0b[01_]+|[0-9][0-9_]*|(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?"
          + "|\\.(inf|Inf|INF))|\\.(nan|NaN|NAN)");
  /** Bounds alias expansion, against "billion laughs" documents. */
  private static final int MAX_ALIASES = 100;
  private static final int MAX_DEPTH = 200;

  private YamlTree() {}

  /**
   * The first document of {@code text}; an empty document is a null node.
   *
   * @throws InvalidConfigException when it is not YAML, repeats a key or nests too deeply
   */
  static JsonNode read(String text) {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(MAX_ALIASES);
    options.setAllowRecursiveKeys(false);
    options.setCodePointLimit(Integer.MAX_VALUE);
    Node root;
    try {
      Iterator<Node> documents = new Yaml(options).composeAll(new StringReader(text)).iterator();
      root = documents.hasNext() ? documents.next() : null;
    } catch (YAMLException e) {
      throw new InvalidConfigException("yaml: " + e.getMessage().replace('\n', ' ').strip());
    }
    return root == null ? NullNode.getInstance() : convert(root, new IdentityHashMap<>(), 0);
  }

  private static JsonNode convert(Node node, Map<Node, Boolean> open, int depth) {
    if (depth > MAX_DEPTH || open.containsKey(node)) {
      throw new InvalidConfigException("yaml: nested too deeply, or an alias refers to itself (line "
          + (node.getStartMark().getLine() + 1) + ")");
    }
    open.put(node, true);
    try {
      return switch (node) {
        case ScalarNode scalar -> scalar(scalar);
        case SequenceNode sequence -> {
          ArrayNode array = JsonNodeFactory.instance.arrayNode();
          for (Node item : sequence.getValue()) {
            array.add(convert(item, open, depth + 1));
          }
          yield array;
        }
        case MappingNode mapping -> mapping(mapping, open, depth);
        default -> throw new InvalidConfigException("yaml: unexpected node " + node.getNodeId());
      };
    } finally {
      open.remove(node);
    }
  }

  private static ObjectNode mapping(MappingNode mapping, Map<Node, Boolean> open, int depth) {
    ObjectNode object = JsonNodeFactory.instance.objectNode();
    List<Node> merged = new ArrayList<>();
    for (NodeTuple entry : mapping.getValue()) {
      if (!(entry.getKeyNode() instanceof ScalarNode key)) {
        throw new InvalidConfigException("yaml: line " + (entry.getKeyNode().getStartMark().getLine() + 1)
            + ": a mapping key must be a scalar");
      }
      if (key.getTag().equals(Tag.MERGE) || (key.isPlain() && key.getValue().equals("<<"))) {
        Node value = entry.getValueNode();
        if (value instanceof SequenceNode sequence) {
          merged.addAll(sequence.getValue());
        } else {
          merged.add(value);
        }
        continue;
      }
      if (object.has(key.getValue())) {
        throw new InvalidConfigException("yaml: line " + (key.getStartMark().getLine() + 1) + ": key \""
            + key.getValue() + "\" already set in map");
      }
      object.set(key.getValue(), convert(entry.getValueNode(), open, depth + 1));
    }
    for (Node source : merged) {
      JsonNode values = convert(source, open, depth + 1);
      if (!values.isObject()) {
        throw new InvalidConfigException("yaml: line " + (source.getStartMark().getLine() + 1)
            + ": map merge requires map or sequence of maps as the value");
      }
      values.fields().forEachRemaining(e -> {
        if (!object.has(e.getKey())) {
          object.set(e.getKey(), e.getValue());
        }
      });
    }
    return object;
  }

  private static JsonNode scalar(ScalarNode scalar) {
    String value = scalar.getValue();
    // A quoted scalar is text, unless tagged explicitly (!!bool "true").
    Tag tag = scalar.getTag();
    if (!scalar.isPlain() && !(tag.equals(Tag.BOOL) || tag.equals(Tag.INT) || tag.equals(Tag.FLOAT)
        || tag.equals(Tag.NULL))) {
      return TextNode.valueOf(value);
    }
    if (NULLS.contains(value)) {
      return NullNode.getInstance();
    }
    if (TRUE.contains(value)) {
      return new PlainScalar(value, true);
    }
    if (FALSE.contains(value)) {
      return new PlainScalar(value, false);
    }
    if (NUMBER.matcher(value).matches()) {
      return new PlainScalar(value, null);
    }
    return TextNode.valueOf(value);
  }
}
