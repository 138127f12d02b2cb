package io.narthex.template;

/**
 * How a template parses and runs: Go's {@code missingkey} option and the bounds that keep a hostile template from
 * exhausting memory or stack.
 *
 * @param missingKey what a missing map key yields
 * @param maxTemplateBytes the largest template text accepted (UTF-16 chars of the Java string), else a parse error
 * @param maxOutputBytes the most UTF-8 bytes one execution may write, else an execution error
 * @param maxRangeIterations the most steps one execution may run: {@code range} iterations over all loops, plus
 *     template and function calls
 * @param maxTemplateCallDepth the deepest nesting of {@code template} calls (Go allows 100000 on its growable
 *     stacks; a Java thread's stack is fixed, so the default is far lower)
 */
public record TemplateOptions(MissingKey missingKey, int maxTemplateBytes, long maxOutputBytes,
    long maxRangeIterations, int maxTemplateCallDepth) {

  /** Go's {@code missingkey} option. */
  public enum MissingKey {
    /** {@code missingkey=default}: the invalid value, printed {@code <no value>}. */
    DEFAULT,
    /** {@code missingkey=zero}: the zero value of the map's element type ({@code ""} for a string map). */
    ZERO,
    /** {@code missingkey=error}: execution stops with {@code map has no entry for key "x"}. */
    ERROR
  }

  /** Go's defaults, with 1 MiB of template, 1 MiB of output, a million range iterations and 200 nested calls. */
  public static final TemplateOptions DEFAULTS = new TemplateOptions(MissingKey.DEFAULT, 1 << 20, 1 << 20,
      1_000_000, 200);

  public TemplateOptions {
    if (maxTemplateBytes <= 0 || maxOutputBytes <= 0 || maxRangeIterations <= 0 || maxTemplateCallDepth <= 0) {
      throw new IllegalArgumentException("template limits must be positive");
    }
  }

  public TemplateOptions withMissingKey(MissingKey key) {
    return new TemplateOptions(key, maxTemplateBytes, maxOutputBytes, maxRangeIterations, maxTemplateCallDepth);
  }
}
