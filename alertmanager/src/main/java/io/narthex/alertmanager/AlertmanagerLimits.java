package io.narthex.alertmanager;

/**
 * A tenant's limits on its Alertmanager configuration, Mimir's {@code limits} of the same names; 0 is unlimited.
 *
 * @param maxConfigSizeBytes {@code alertmanager_max_config_size_bytes}: the largest request body of the config API
 * @param maxTemplatesCount {@code alertmanager_max_templates_count}
 * @param maxTemplateSizeBytes {@code alertmanager_max_template_size_bytes}: the largest template, in UTF-8 bytes
 */
public record AlertmanagerLimits(int maxConfigSizeBytes, int maxTemplatesCount, int maxTemplateSizeBytes) {
  public static final AlertmanagerLimits UNLIMITED = new AlertmanagerLimits(0, 0, 0);
}
