package io.narthex.alertmanager;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What is stored for a tenant: Mimir's {@code alertspb.AlertConfigDesc} (user, raw config, templates), as JSON with
 * the protobuf field names. See docs/format/alertmanager-config.md.
 *
 * @param user the tenant
 * @param rawConfig the Alertmanager configuration file, as the tenant wrote it
 * @param templates template file name to its text, in name order
 */
public record AlertConfigDesc(String user, String rawConfig, SortedMap<String, String> templates) {
  private static final ObjectMapper JSON = new ObjectMapper()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public AlertConfigDesc {
    templates = new TreeMap<>(templates);
  }

  public AlertConfigDesc(String user, String rawConfig, Map<String, String> templates) {
    this(user, rawConfig, new TreeMap<>(templates));
  }

  private record Stored(@JsonProperty("user") String user, @JsonProperty("raw_config") String rawConfig,
      @JsonProperty("templates") List<StoredTemplate> templates) {}

  private record StoredTemplate(@JsonProperty("filename") String filename, @JsonProperty("body") String body) {}

  /** The stored form: {@code {"user":..,"raw_config":..,"templates":[{"filename":..,"body":..}]}}, UTF-8. */
  byte[] toJson() {
    List<StoredTemplate> stored = new ArrayList<>();
    templates.forEach((name, body) -> stored.add(new StoredTemplate(name, body)));
    try {
      return JSON.writeValueAsBytes(new Stored(user, rawConfig, stored));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** @throws IOException when the bytes are not the stored form */
  static AlertConfigDesc fromJson(byte[] json) throws IOException {
    Stored stored = JSON.readValue(json, Stored.class);
    SortedMap<String, String> templates = new TreeMap<>();
    if (stored.templates() != null) {
      for (StoredTemplate t : stored.templates()) {
        templates.put(t.filename(), t.body() == null ? "" : t.body());
      }
    }
    return new AlertConfigDesc(stored.user(), stored.rawConfig() == null ? "" : stored.rawConfig(), templates);
  }
}
