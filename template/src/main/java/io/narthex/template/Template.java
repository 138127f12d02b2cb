package io.narthex.template;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A parsed Go text/template (https://pkg.go.dev/text/template): parse once, execute many times, from any number of
 * threads. Holds the main template and those it defines with {@code define} and {@code block}.
 *
 * <p>Data is given as Java values: strings, {@code Long} and {@code Double} for Go's int and float64, booleans, lists
 * for slices, maps with string keys, records for structs ({@code .Labels} reads the component {@code labels}), and
 * null for nil. Differences from Go are listed in docs/templates.md.
 */
public final class Template {
  private final String name;
  private final Map<String, Parser.Tree> trees;
  private final FunctionMap functions;
  private final TemplateOptions options;

  private Template(String name, Map<String, Parser.Tree> trees, FunctionMap functions, TemplateOptions options) {
    this.name = name;
    this.trees = trees;
    this.functions = functions;
    this.options = options;
  }

  /** {@link #parse(String, String, FunctionMap, TemplateOptions)} with {@link TemplateOptions#DEFAULTS}. */
  public static Template parse(String name, String text, FunctionMap functions) throws TemplateException {
    return parse(name, text, functions, TemplateOptions.DEFAULTS);
  }

  /**
   * Parses {@code text} as template {@code name}.
   *
   * @throws TemplateException of kind PARSE, with Go's message ({@code template: name:1: function "foo" not
   *     defined}), or when the text is longer than {@code options.maxTemplateBytes()}
   */
  public static Template parse(String name, String text, FunctionMap functions, TemplateOptions options)
      throws TemplateException {
    return new Template(name, parseTrees(name, text, functions, options), functions, options);
  }

  private static Map<String, Parser.Tree> parseTrees(String name, String text, FunctionMap functions,
      TemplateOptions options) throws TemplateException {
    if (text.length() > options.maxTemplateBytes()) {
      throw new TemplateException(TemplateException.Kind.PARSE, "template: " + name + ": template is "
          + text.length() + " bytes, above the limit of " + options.maxTemplateBytes() + " bytes");
    }
    try {
      return Parser.parse(name, text, functions);
    } catch (Parser.ParseError e) {
      throw new TemplateException(TemplateException.Kind.PARSE, e.getMessage());
    } catch (StackOverflowError e) {
      throw new TemplateException(TemplateException.Kind.PARSE, "template: " + name + ": nested too deeply");
    }
  }

  /**
   * This template set with {@code text} parsed into it as template {@code name}, which becomes the main one: as
   * Go's {@code t.New(name).Parse(text)}, its definitions replace those of the same name unless they are empty, and
   * each template can call the others. The Alertmanager parses its template files into one set this way, then each
   * notification text (ExecuteTextString). This template is left as it is.
   *
   * @throws TemplateException of kind PARSE, naming {@code name}
   */
  public Template withText(String name, String text) throws TemplateException {
    Map<String, Parser.Tree> merged = new LinkedHashMap<>(trees);
    Parser.merge(merged, parseTrees(name, text, functions, options));
    return new Template(name, merged, functions, options);
  }

  public String name() {
    return name;
  }

  /** The names of the templates this one holds: its own and each defined one. */
  public Set<String> templateNames() {
    return trees.keySet();
  }

  /**
   * Runs the main template with {@code data} as dot and {@code $}.
   *
   * @return the output
   * @throws TemplateException of kind EXECUTION with Go's message, also when a limit of the options is passed
   */
  public String execute(Object data) throws TemplateException {
    return executeTemplate(name, data, functions);
  }

  /**
   * Runs the template {@code templateName} (the main one or a defined one) with functions looked up in
   * {@code runtimeFunctions}, which must hold every function the text names; so one parse serves executions whose
   * functions close over different state (the evaluation time of {@code query}, for example).
   */
  public String executeTemplate(String templateName, Object data, FunctionMap runtimeFunctions)
      throws TemplateException {
    Parser.Tree tree = trees.get(templateName);
    if (tree == null) {
      throw new TemplateException(TemplateException.Kind.EXECUTION, "template: no template "
          + GoStrings.quote(templateName) + " associated with template " + GoStrings.quote(name));
    }
    return new Executor(this, runtimeFunctions).run(templateName, tree, data);
  }

  Parser.Tree tree(String templateName) {
    return trees.get(templateName);
  }

  TemplateOptions options() {
    return options;
  }
}
