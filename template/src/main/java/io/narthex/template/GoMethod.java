package io.narthex.template;

import java.util.List;

/**
 * One Go method of a {@link GoMethods} value: its parameters (the receiver not included), checked as a function's
 * are, and its body.
 *
 * @param params the fixed parameters
 * @param variadic the type of any further arguments, or null if the method takes exactly {@code params}
 * @param body gets the arguments; an exception is Go's returned error
 */
public record GoMethod(List<ArgType> params, ArgType variadic, TemplateFunction body) {
  public GoMethod {
    params = List.copyOf(params);
  }

  /** A method without parameters. */
  public static GoMethod of(TemplateFunction body) {
    return new GoMethod(List.of(), null, body);
  }
}
