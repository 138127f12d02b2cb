package io.narthex.template;

import java.util.List;

/**
 * A function that templates call by name, as a Go template FuncMap entry. Arguments arrive already checked against
 * the declared {@link ArgType}s (a pipeline's value is the last one); an exception thrown is Go's returned error, and
 * the template fails with {@code error calling <name>: <message>}.
 */
@FunctionalInterface
public interface TemplateFunction {
  Object call(List<Object> args) throws Exception;
}
