package io.narthex.alertmanager.notify;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Set;

/**
 * Reading an integration's config as written (the validated YAML tree): plain scalars arrive as text, so a boolean
 * may be {@code true}, {@code yes} or {@code on}, as Go's yaml.v2 reads them.
 */
final class Fields {
  private static final Set<String> TRUE = Set.of("true", "yes", "on", "y");

  private Fields() {}

  /** The field's text, or {@code defaultValue} when it is absent or null. */
  static String text(JsonNode config, String field, String defaultValue) {
    JsonNode node = config == null ? null : config.get(field);
    return node == null || node.isNull() || node.isMissingNode() ? defaultValue : node.asText();
  }

  /** A boolean field's value, or {@code defaultValue} when it is absent or null. */
  static boolean bool(JsonNode node, boolean defaultValue) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return defaultValue;
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    return TRUE.contains(node.asText().toLowerCase(Locale.ROOT));
  }
}
