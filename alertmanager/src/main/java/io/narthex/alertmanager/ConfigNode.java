package io.narthex.alertmanager;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * One YAML mapping of an Alertmanager configuration, read as Go's strict {@code yaml.v2} reads it into a struct: each
 * field must be one the schema knows and hold its kind, or the error names the field's path. {@code schema} null lets
 * any field in.
 */
final class ConfigNode {
  private static final Pattern URL_SCHEME = Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.\\-]*):");

  /** What a field holds; {@link #NESTED} ones are read by the caller. */
  enum Kind { STRING, BOOL, DURATION, URL, HOSTPORT, UINT, STRING_LIST, STRING_MAP, NESTED }

  final JsonNode node;
  final String path;

  ConfigNode(JsonNode node, String path, Map<String, Kind> schema) {
    if (!node.isObject()) {
      throw new InvalidConfigException("cannot unmarshal " + describe(node) + " into a mapping ("
          + (path.isEmpty() ? "top level" : path) + ")");
    }
    this.node = node;
    this.path = path;
    if (schema == null) {
      return;
    }
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      Kind kind = schema.get(field.getKey());
      if (kind == null) {
        throw new InvalidConfigException("field " + field.getKey() + " not found in "
            + (path.isEmpty() ? "the top level" : path));
      }
      check(field.getKey(), field.getValue(), kind);
    }
  }

  private void check(String key, JsonNode value, Kind kind) {
    if (value.isNull()) {
      return;
    }
    switch (kind) {
      case STRING -> scalar(key, value);
      case BOOL -> bool(key);
      case DURATION -> withPath(() -> PrometheusDuration.parse(scalar(key, value)), at(key));
      case URL -> url(key, scalar(key, value));
      case HOSTPORT -> hostPort(key, scalar(key, value));
      case UINT -> {
        // Go's YAML decoder takes a plain number, and a float without a fraction (5.0), for an integer.
        if (!(value instanceof YamlTree.PlainScalar plain) || plain.bool != null
            || !unsignedInteger(value.asText())) {
          throw new InvalidConfigException("cannot unmarshal " + value.asText() + " into an unsigned integer ("
              + at(key) + ")");
        }
      }
      case STRING_LIST -> strings(key);
      case STRING_MAP -> stringMap(key);
      case NESTED -> { }
    }
  }

  String at(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** The value, null when absent or null. */
  JsonNode get(String key) {
    JsonNode value = node.get(key);
    return value == null || value.isNull() ? null : value;
  }

  /** Whether the field is set to something other than an empty string, Go's zero value. */
  boolean has(String key) {
    JsonNode value = get(key);
    return value != null && !(value.isTextual() && value.asText().isEmpty())
        && !(value instanceof YamlTree.PlainScalar plain && Boolean.FALSE.equals(plain.bool));
  }

  String string(String key) {
    JsonNode value = get(key);
    return value == null ? null : scalar(key, value);
  }

  private String scalar(String key, JsonNode value) {
    if (!value.isValueNode()) {
      throw new InvalidConfigException("cannot unmarshal " + describe(value) + " into string (" + at(key) + ")");
    }
    return value.asText();
  }

  boolean bool(String key) {
    JsonNode value = get(key);
    if (value == null) {
      return false;
    }
    if (value instanceof YamlTree.PlainScalar plain && plain.bool != null) {
      return plain.bool;
    }
    throw new InvalidConfigException("cannot unmarshal " + value.asText() + " into bool (" + at(key) + ")");
  }

  Duration duration(String key) {
    String text = string(key);
    return text == null ? null : withPath(() -> PrometheusDuration.parse(text), at(key));
  }

  List<JsonNode> list(String key) {
    JsonNode value = get(key);
    if (value == null) {
      return List.of();
    }
    if (!value.isArray()) {
      throw new InvalidConfigException("cannot unmarshal " + describe(value) + " into a list (" + at(key) + ")");
    }
    List<JsonNode> out = new ArrayList<>(value.size());
    value.forEach(out::add);
    return out;
  }

  List<String> strings(String key) {
    List<String> out = new ArrayList<>();
    for (JsonNode item : list(key)) {
      out.add(item.isNull() ? "" : scalar(key, item));
    }
    return List.copyOf(out);
  }

  Map<String, String> stringMap(String key) {
    JsonNode value = get(key);
    Map<String, String> out = new LinkedHashMap<>();
    if (value == null) {
      return out;
    }
    if (!value.isObject()) {
      throw new InvalidConfigException("cannot unmarshal " + describe(value) + " into a map (" + at(key) + ")");
    }
    value.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().isNull() ? ""
        : scalar(key + "." + e.getKey(), e.getValue())));
    return out;
  }

  /** Alertmanager's URL fields: http or https, with a host. */
  private void url(String key, String text) {
    java.util.regex.Matcher scheme = URL_SCHEME.matcher(text);
    String name = scheme.find() ? scheme.group(1).toLowerCase(Locale.ROOT) : "";
    if (!name.equals("http") && !name.equals("https")) {
      throw new InvalidConfigException("unsupported scheme \"" + name + "\" for URL (" + at(key) + ")");
    }
    String rest = text.substring(name.length() + 1);
    String host = "";
    if (rest.startsWith("//")) {
      host = rest.substring(2).split("[/?#]", 2)[0];
      host = host.substring(host.lastIndexOf('@') + 1);
    }
    if (host.isEmpty()) {
      throw new InvalidConfigException("missing host for URL (" + at(key) + ")");
    }
  }

  /** Go's {@code net.SplitHostPort}, as Alertmanager's {@code HostPort} reads {@code smarthost}. */
  private void hostPort(String key, String text) {
    if (text.isEmpty()) {
      return;
    }
    String port;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        throw new InvalidConfigException("address " + text + ": missing ']' in address (" + at(key) + ")");
      }
      if (close + 1 == text.length()) {
        throw new InvalidConfigException("address " + text + ": missing port in address (" + at(key) + ")");
      }
      if (text.charAt(close + 1) != ':') {
        throw new InvalidConfigException("address " + text + ": missing port in address (" + at(key) + ")");
      }
      port = text.substring(close + 2);
    } else {
      int colon = text.lastIndexOf(':');
      if (colon < 0) {
        throw new InvalidConfigException("address " + text + ": missing port in address (" + at(key) + ")");
      }
      if (text.indexOf(':') != colon) {
        throw new InvalidConfigException("address " + text + ": too many colons in address (" + at(key) + ")");
      }
      port = text.substring(colon + 1);
    }
    if (port.isEmpty()) {
      throw new InvalidConfigException("address \"" + text + "\": port cannot be empty (" + at(key) + ")");
    }
  }

  static Map<String, Kind> schema(Object... pairs) {
    Map<String, Kind> out = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      out.put((String) pairs[i], (Kind) pairs[i + 1]);
    }
    return out;
  }

  static String describe(JsonNode node) {
    return node.isArray() ? "!!seq" : node.isObject() ? "!!map" : "!!" + node.getNodeType().name().toLowerCase(
        Locale.ROOT);
  }

  /** Runs {@code parse}, adding {@code path} to the message of the configuration error it raises. */
  static <T> T withPath(Supplier<T> parse, String path) {
    try {
      return parse.get();
    } catch (InvalidConfigException e) {
      throw new InvalidConfigException(e.getMessage() + " (" + path + ")");
    }
  }

  /** Whether a plain number is a non-negative integer, written as one or as a float without a fraction. */
  private static boolean unsignedInteger(String text) {
    String digits = text.replace("_", "");
    if (digits.matches("\\+?([0-9]+|0x[0-9a-fA-F]+|0o?[0-7]+|0b[01]+)")) {
      return true;
    }
    try {
      double value = Double.parseDouble(digits);
      return value >= 0 && value == Math.rint(value) && !Double.isInfinite(value);
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
