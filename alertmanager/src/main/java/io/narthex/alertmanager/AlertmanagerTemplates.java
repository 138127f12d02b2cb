package io.narthex.alertmanager;

import io.narthex.template.ArgType;
import io.narthex.template.FunctionMap;
import io.narthex.template.Template;
import io.narthex.template.TemplateException;
import java.util.List;

/**
 * The syntax check of a tenant's notification template files, as Alertmanager's {@code template.FromGlobs} parses
 * them (Go's text/template) with its function names and Mimir's.
 *
 * <p>The functions are declared by name only, so that templates calling them parse: rendering notifications is not
 * built yet (issue 16 item 4), and calling one of these throws.
 */
final class AlertmanagerTemplates {
  /**
   * Alertmanager's {@code template.DefaultFuncs} (0.25 and the newer {@code trimSpace}, {@code since},
   * {@code humanizeDuration}, {@code toJson}, {@code date}, {@code tz}, {@code urlUnescape}) and Mimir's
   * {@code tenantID}, {@code queryFromGeneratorURL} and {@code grafanaExploreURL}.
   */
  static final List<String> FUNCTION_NAMES = List.of("toUpper", "toLower", "title", "trimSpace", "join", "match",
      "safeHtml", "reReplaceAll", "stringSlice", "since", "humanizeDuration", "toJson", "date", "tz", "urlUnescape",
      "tenantID", "queryFromGeneratorURL", "grafanaExploreURL");

  private static final FunctionMap FUNCTIONS;

  static {
    FunctionMap functions = FunctionMap.builtins();
    for (String name : FUNCTION_NAMES) {
      functions = functions.withVariadic(name, List.of(), ArgType.ANY, args -> {
        throw new UnsupportedOperationException("the Alertmanager template function " + name
            + " is not implemented yet");
      });
    }
    FUNCTIONS = functions;
  }

  private AlertmanagerTemplates() {}

  /**
   * Parses one template file.
   *
   * @throws TemplateException with Go's message, such as {@code template: a.tmpl:1: function "foo" not defined}
   */
  static void checkSyntax(String fileName, String text) throws TemplateException {
    Template.parse(fileName, text, FUNCTIONS);
  }
}
