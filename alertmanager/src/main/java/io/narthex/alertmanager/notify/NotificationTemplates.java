package io.narthex.alertmanager.notify;

import io.narthex.alertmanager.AlertmanagerTemplates;
import io.narthex.template.AlertmanagerTemplates.Data;
import io.narthex.template.Template;
import io.narthex.template.TemplateException;
import io.narthex.template.TemplateOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * A tenant's notification templates, as Alertmanager's {@code template.FromGlobs}: Narthex's defaults
 * ({@code default.tmpl} beside this class, the names of Alertmanager's default.tmpl that the built integrations use),
 * then the tenant's {@code template_files} in name order, so a tenant's {@code define} replaces a default of the same
 * name. Each configured text (a Slack title, an email header, ...) is rendered as Alertmanager's
 * {@code ExecuteTextString}: parsed into a copy of the set, run with {@code missingkey=zero} over the notification's
 * {@link Data}. Immutable and thread-safe.
 */
public final class NotificationTemplates {
  /** The most UTF-8 bytes one rendered text may have: a template that writes more fails the notification. */
  public static final long MAX_RENDERED_BYTES = 1 << 20;

  private static final TemplateOptions OPTIONS = new TemplateOptions(TemplateOptions.MissingKey.ZERO,
      TemplateOptions.DEFAULTS.maxTemplateBytes(), MAX_RENDERED_BYTES, TemplateOptions.DEFAULTS.maxRangeIterations(),
      TemplateOptions.DEFAULTS.maxTemplateCallDepth());
  private static final String DEFAULT_NAME = "default.tmpl";
  private static final String DEFAULT_TEXT = readDefault();

  private final Template set;

  private NotificationTemplates(Template set) {
    this.set = set;
  }

  /**
   * The defaults and {@code templateFiles} (name to text), with {@code tenantID} returning {@code tenant}.
   *
   * @throws TemplateException when a file does not parse, naming it (the config API refuses such files, so this
   *     happens only for files stored by other means)
   */
  public static NotificationTemplates forTenant(String tenant, Map<String, String> templateFiles)
      throws TemplateException {
    Template set = Template.parse(DEFAULT_NAME, DEFAULT_TEXT, AlertmanagerTemplates.functions(tenant), OPTIONS);
    for (Map.Entry<String, String> file : new TreeMap<>(templateFiles).entrySet()) {
      set = set.withText(file.getKey(), file.getValue());
    }
    return new NotificationTemplates(set);
  }

  /**
   * Renders one configured text over {@code data}; an empty text renders empty without parsing, as in Alertmanager.
   *
   * @throws TemplateException when the text does not parse or fails to run, or writes more than
   *     {@link #MAX_RENDERED_BYTES}
   */
  public String render(String text, Data data) throws TemplateException {
    if (text == null || text.isEmpty()) {
      return "";
    }
    if (!text.contains("{{")) {
      return text;
    }
    return set.withText("", text).execute(data);
  }

  private static String readDefault() {
    try (InputStream in = NotificationTemplates.class.getResourceAsStream(DEFAULT_NAME)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULT_NAME + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
