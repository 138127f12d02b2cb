package io.narthex.ruler;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Rule groups and Prometheus rule files in YAML, read strictly as Prometheus's {@code rulefmt} reads them (an unknown
 * or repeated field is an error) and written without the fields left unset.
 */
public final class RuleYaml {
  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .build())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  static {
    // An entry left empty ("- " alone) is a null rule, which RuleValidator names, rather than a decoding error.
    YAML.coercionConfigFor(Rule.class).setCoercion(CoercionInputShape.EmptyString, CoercionAction.AsNull);
  }

  /** A Prometheus rule file: {@code groups:} and nothing else. */
  public record RuleFile(List<RuleGroup> groups) {}

  private RuleYaml() {}

  /**
   * Reads one rule group, as the body of Mimir's set-group call.
   *
   * @throws IllegalArgumentException naming what could not be decoded and where (line and column)
   */
  public static RuleGroup group(byte[] yaml) {
    RuleGroup group = read(yaml, RuleGroup.class);
    if (group == null) {
      throw new IllegalArgumentException("empty rule group");
    }
    return group;
  }

  /**
   * Reads a Prometheus rule file.
   *
   * @throws IllegalArgumentException naming what could not be decoded and where (line and column)
   */
  public static List<RuleGroup> file(byte[] yaml) {
    RuleFile file = read(yaml, RuleFile.class);
    return file == null || file.groups() == null ? List.of() : file.groups();
  }

  /** One group as YAML. */
  public static byte[] write(RuleGroup group) {
    return writeValue(group);
  }

  /** Namespaces and their groups as YAML, the shape of Mimir's list answers: {@code namespace: [groups]}. */
  public static byte[] write(Map<String, List<RuleGroup>> groupsByNamespace) {
    return writeValue(groupsByNamespace);
  }

  /** A Prometheus rule file of these groups. */
  public static byte[] writeFile(List<RuleGroup> groups) {
    return writeValue(new RuleFile(groups));
  }

  private static <T> T read(byte[] yaml, Class<T> type) {
    try {
      return YAML.readValue(yaml, type);
    } catch (UnrecognizedPropertyException e) {
      // Worded as Prometheus's strict YAML decoder words it, without Java class names.
      throw new IllegalArgumentException("field " + e.getPropertyName() + " not found, at " + pathOf(e), e);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e.getOriginalMessage() + locationOf(e), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Where in the document, e.g. {@code rules[0].expr}. */
  private static String pathOf(JsonMappingException e) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.toString();
  }

  private static String locationOf(JsonProcessingException e) {
    return e.getLocation() == null ? ""
        : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
  }

  private static byte[] writeValue(Object value) {
    try {
      return YAML.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("rule groups are plain data and always serialize", e);
    }
  }
}
