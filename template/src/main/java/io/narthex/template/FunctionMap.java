package io.narthex.template;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The functions a template may call besides Go's builtins, as Go's {@code template.FuncMap}: names are checked when
 * the template is parsed (an unknown one is Go's {@code function "x" not defined}), arity and argument types when it
 * runs. An entry of the same name as a builtin replaces it, as in Go.
 */
public final class FunctionMap {
  /** One function: its fixed parameters, then (if {@code variadic} is not null) any number of that type. */
  record Function(String name, List<ArgType> params, ArgType variadic, TemplateFunction body) {}

  private final Map<String, Function> functions;
  /** Looked up after {@code functions}; null for none. */
  private final FunctionMap parent;

  private FunctionMap(Map<String, Function> functions) {
    this(functions, null);
  }

  private FunctionMap(Map<String, Function> functions, FunctionMap parent) {
    this.functions = functions;
    this.parent = parent;
  }

  /** {@code top}'s functions over this map's, without copying this one (for per-execution functions). */
  FunctionMap overlaidBy(FunctionMap top) {
    return new FunctionMap(top.functions, this);
  }

  /** Go's builtins only. */
  public static FunctionMap builtins() {
    return new FunctionMap(new HashMap<>());
  }

  /** A map of {@code functions} keyed by name. */
  static FunctionMap of(List<Function> functions) {
    Map<String, Function> byName = new HashMap<>();
    for (Function f : functions) {
      byName.put(f.name(), f);
    }
    return new FunctionMap(byName);
  }

  /** A copy of this map with {@code name} taking exactly {@code params}. */
  public FunctionMap with(String name, List<ArgType> params, TemplateFunction body) {
    return plus(new Function(name, List.copyOf(params), null, body));
  }

  /** A copy of this map with {@code name} taking {@code params} then any number of {@code variadic}. */
  public FunctionMap withVariadic(String name, List<ArgType> params, ArgType variadic, TemplateFunction body) {
    return plus(new Function(name, List.copyOf(params), variadic, body));
  }

  /** A copy of this map with every function of {@code other} added (replacing those of the same name). */
  public FunctionMap withAll(FunctionMap other) {
    Map<String, Function> copy = flatten();
    copy.putAll(other.flatten());
    return new FunctionMap(copy);
  }

  private FunctionMap plus(Function function) {
    Map<String, Function> copy = flatten();
    copy.put(function.name(), function);
    return new FunctionMap(copy);
  }

  private Map<String, Function> flatten() {
    Map<String, Function> all = parent == null ? new HashMap<>() : parent.flatten();
    all.putAll(functions);
    return all;
  }

  boolean has(String name) {
    return lookup(name) != null || Builtins.isBuiltin(name);
  }

  /** The added function of that name, or null (then it may be a builtin). */
  Function lookup(String name) {
    Function f = functions.get(name);
    return f != null || parent == null ? f : parent.lookup(name);
  }
}
