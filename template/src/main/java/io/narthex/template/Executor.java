package io.narthex.template;

import io.narthex.template.Node.ActionNode;
import io.narthex.template.Node.BoolNode;
import io.narthex.template.Node.BranchKind;
import io.narthex.template.Node.BranchNode;
import io.narthex.template.Node.BreakNode;
import io.narthex.template.Node.ChainNode;
import io.narthex.template.Node.CommandNode;
import io.narthex.template.Node.ContinueNode;
import io.narthex.template.Node.DotNode;
import io.narthex.template.Node.FieldNode;
import io.narthex.template.Node.IdentifierNode;
import io.narthex.template.Node.ListNode;
import io.narthex.template.Node.NilNode;
import io.narthex.template.Node.NumberNode;
import io.narthex.template.Node.PipeNode;
import io.narthex.template.Node.StringNode;
import io.narthex.template.Node.TemplateNode;
import io.narthex.template.Node.TextNode;
import io.narthex.template.Node.VariableNode;
import io.narthex.template.TemplateOptions.MissingKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One execution of a template, as Go's text/template exec.go walks the tree: dot, the variable stack, the node being
 * run (for error messages) and the output with its limits.
 */
final class Executor {
  /** Go's missingVal: no value was piped into a command. */
  private static final Object MISSING = new Object();

  /** An execution failure; its message is Go's whole message. */
  static final class ExecError extends RuntimeException {
    ExecError(String message) {
      super(message, null, false, false);
    }
  }

  private static final class LoopControl extends RuntimeException {
    LoopControl() {
      super(null, null, false, false);
    }
  }

  private static final LoopControl BREAK = new LoopControl();
  private static final LoopControl CONTINUE = new LoopControl();

  private record Variable(String name, Object value) {}

  private final Template template;
  private final FunctionMap functions;
  private final StringBuilder out = new StringBuilder();
  private long outputBytes;
  /** Range iterations, template calls and function calls so far: one budget, {@code maxRangeIterations}. */
  private long iterations;
  private String executing;
  private Parser.Tree current;
  private Node node;
  private List<Variable> vars = new ArrayList<>();
  private int depth;

  Executor(Template template, FunctionMap functions) {
    this.template = template;
    this.functions = functions;
  }

  String run(String name, Parser.Tree tree, Object data) throws TemplateException {
    executing = name;
    current = tree;
    vars.add(new Variable("$", data));
    try {
      walk(data, tree.root());
      return out.toString();
    } catch (ExecError e) {
      throw new TemplateException(TemplateException.Kind.EXECUTION, e.getMessage());
    } catch (StackOverflowError e) {
      throw new TemplateException(TemplateException.Kind.EXECUTION, "template: " + name + ": nested too deeply");
    }
  }

  private ExecError error(String message) {
    String name = current.parseName();
    if (node == null) {
      return new ExecError("template: " + name + ": " + message);
    }
    String text = current.text();
    int pos = Math.min(node.pos(), text.length());
    int lineStart = text.lastIndexOf('\n', pos - 1) + 1;
    int line = 1;
    for (int i = 0; i < lineStart; i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    int column = Values.utf8Length(text.substring(lineStart, pos));
    String context = node.toString();
    return new ExecError("template: " + name + ":" + line + ":" + column + ": executing "
        + GoStrings.quote(executing) + " at <" + context + ">: " + message);
  }

  private void at(Node n) {
    node = n;
  }

  private void write(String s) {
    outputBytes += Values.utf8Length(s);
    if (outputBytes > template.options().maxOutputBytes()) {
      throw error("output is larger than the limit of " + template.options().maxOutputBytes() + " bytes");
    }
    out.append(s);
  }

  private int mark() {
    return vars.size();
  }

  private void pop(int mark) {
    vars.subList(mark, vars.size()).clear();
  }

  private void push(String name, Object value) {
    vars.add(new Variable(name, value));
  }

  private void setVar(String name, Object value) {
    for (int i = vars.size() - 1; i >= 0; i--) {
      if (vars.get(i).name().equals(name)) {
        vars.set(i, new Variable(name, value));
        return;
      }
    }
    throw error("undefined variable: " + name);
  }

  private void setTopVar(int n, Object value) {
    int i = vars.size() - n;
    vars.set(i, new Variable(vars.get(i).name(), value));
  }

  private Object varValue(String name) {
    for (int i = vars.size() - 1; i >= 0; i--) {
      if (vars.get(i).name().equals(name)) {
        return vars.get(i).value();
      }
    }
    throw error("undefined variable: " + name);
  }

  private void walk(Object dot, Node n) {
    at(n);
    switch (n) {
      case ActionNode action -> {
        Object value = evalPipeline(dot, action.pipe());
        if (action.pipe().decl().isEmpty()) {
          printValue(action, value);
        }
      }
      case BreakNode b -> throw BREAK;
      case ContinueNode c -> throw CONTINUE;
      case BranchNode branch when branch.kind() == BranchKind.RANGE -> walkRange(dot, branch);
      case BranchNode branch -> walkIfOrWith(dot, branch);
      case ListNode list -> {
        for (Node child : list.nodes()) {
          walk(dot, child);
        }
      }
      case TemplateNode call -> walkTemplate(dot, call);
      case TextNode text -> write(text.text());
      default -> throw error("unknown node: " + n);
    }
  }

  private void walkIfOrWith(Object dot, BranchNode branch) {
    int mark = mark();
    try {
      Object value = evalPipeline(dot, branch.pipe());
      if (Values.isTrue(value)) {
        walk(branch.kind() == BranchKind.WITH ? value : dot, branch.list());
      } else if (branch.elseList() != null) {
        walk(dot, branch.elseList());
      }
    } finally {
      pop(mark);
    }
  }

  private void walkRange(Object dot, BranchNode range) {
    at(range);
    int outerMark = mark();
    try {
      Object value = evalPipeline(dot, range.pipe());
      int mark = mark();
      boolean iterated = false;
      switch (value) {
        case List<?> list -> {
          for (int i = 0; i < list.size(); i++) {
            iterated = true;
            if (!oneIteration(range, (long) i, list.get(i), mark)) {
              break;
            }
          }
        }
        case Object[] array -> {
          for (int i = 0; i < array.length; i++) {
            iterated = true;
            if (!oneIteration(range, (long) i, array[i], mark)) {
              break;
            }
          }
        }
        case Map<?, ?> map -> {
          TreeMap<String, Object> sorted = new TreeMap<>();
          for (Map.Entry<?, ?> e : map.entrySet()) {
            sorted.put(String.valueOf(e.getKey()), e.getValue());
          }
          for (Map.Entry<String, Object> e : sorted.entrySet()) {
            iterated = true;
            if (!oneIteration(range, e.getKey(), e.getValue(), mark)) {
              break;
            }
          }
        }
        case Long count -> {
          // Go 1.22 ranges over an integer, as Prometheus 3 does.
          for (long i = 0; i < count; i++) {
            iterated = true;
            if (!oneIteration(range, i, i, mark)) {
              break;
            }
          }
        }
        case null -> {
        }
        default -> {
          if (value != Values.NO_VALUE) {
            // Go names the node evaluated last, not the range.
            throw error("range can't iterate over " + GoFmt.formatDereferenced(value));
          }
        }
      }
      if (!iterated && range.elseList() != null) {
        walk(dot, range.elseList());
      }
    } finally {
      pop(outerMark);
    }
  }

  /** Runs the range body once; false after {@code break}. */
  private boolean oneIteration(BranchNode range, Object index, Object element, int mark) {
    if (++iterations > template.options().maxRangeIterations()) {
      at(range);
      throw error("range ran more than the limit of " + template.options().maxRangeIterations() + " iterations");
    }
    PipeNode pipe = range.pipe();
    if (!pipe.decl().isEmpty()) {
      if (pipe.isAssign()) {
        setVar(pipe.decl().get(0).ident().get(0), pipe.decl().size() > 1 ? index : element);
      } else {
        setTopVar(1, element);
      }
    }
    if (pipe.decl().size() > 1) {
      if (pipe.isAssign()) {
        setVar(pipe.decl().get(1).ident().get(0), element);
      } else {
        setTopVar(2, index);
      }
    }
    try {
      walk(element, range.list());
    } catch (LoopControl control) {
      if (control == BREAK) {
        return false;
      }
    } finally {
      pop(mark);
    }
    return true;
  }

  private void walkTemplate(Object dot, TemplateNode call) {
    at(call);
    Parser.Tree tree = template.tree(call.name());
    if (tree == null) {
      throw error("template " + GoStrings.quote(call.name()) + " not defined");
    }
    if (depth >= template.options().maxTemplateCallDepth()) {
      throw error("exceeded maximum template depth (" + template.options().maxTemplateCallDepth() + ")");
    }
    step();
    Object newDot = evalPipeline(dot, call.pipe());
    if (newDot == MISSING) {
      newDot = Values.NO_VALUE;
    }
    List<Variable> outerVars = vars;
    String outerName = executing;
    Parser.Tree outerTree = current;
    vars = new ArrayList<>();
    vars.add(new Variable("$", newDot));
    executing = call.name();
    current = tree;
    depth++;
    try {
      walk(newDot, tree.root());
    } finally {
      depth--;
      executing = outerName;
      current = outerTree;
      vars = outerVars;
    }
  }

  private Object evalPipeline(Object dot, PipeNode pipe) {
    if (pipe == null) {
      return Values.NO_VALUE;
    }
    at(pipe);
    Object value = MISSING;
    for (CommandNode cmd : pipe.cmds()) {
      value = evalCommand(dot, cmd, value);
    }
    for (VariableNode variable : pipe.decl()) {
      if (pipe.isAssign()) {
        setVar(variable.ident().get(0), value);
      } else {
        push(variable.ident().get(0), value);
      }
    }
    return value;
  }

  private Object evalCommand(Object dot, CommandNode cmd, Object last) {
    Node first = cmd.args().get(0);
    switch (first) {
      case FieldNode field -> {
        return evalFieldNode(dot, field, cmd.args(), last);
      }
      case ChainNode chain -> {
        return evalChainNode(dot, chain, cmd.args(), last);
      }
      case IdentifierNode identifier -> {
        return evalFunction(dot, identifier, cmd, cmd.args(), last);
      }
      case PipeNode pipe -> {
        notAFunction(cmd.args(), last);
        return evalPipeline(dot, pipe);
      }
      case VariableNode variable -> {
        return evalVariableNode(dot, variable, cmd.args(), last);
      }
      default -> {
      }
    }
    at(first);
    notAFunction(cmd.args(), last);
    return switch (first) {
      case BoolNode b -> b.value();
      case DotNode d -> dot;
      case NilNode n -> throw error("nil is not a command");
      case NumberNode n -> n.value();
      case StringNode s -> s.text();
      default -> throw error("can't evaluate command " + GoStrings.quote(first.toString()));
    };
  }

  private void notAFunction(List<Node> args, Object last) {
    if (args.size() > 1 || last != MISSING) {
      throw error("can't give argument to non-function " + args.get(0));
    }
  }

  private Object evalFieldNode(Object dot, FieldNode field, List<Node> args, Object last) {
    at(field);
    return evalFieldChain(dot, dot, field, field.ident(), args, last);
  }

  private Object evalChainNode(Object dot, ChainNode chain, List<Node> args, Object last) {
    at(chain);
    if (chain.node() instanceof NilNode) {
      throw error("indirection through explicit nil in " + chain);
    }
    Object receiver = evalArg(dot, ArgType.ANY, chain.node(), true);
    return evalFieldChain(dot, receiver, chain, chain.field(), args, last);
  }

  private Object evalVariableNode(Object dot, VariableNode variable, List<Node> args, Object last) {
    at(variable);
    Object value = varValue(variable.ident().get(0));
    if (variable.ident().size() == 1) {
      notAFunction(args == null ? List.of(variable) : args, last);
      return value;
    }
    return evalFieldChain(dot, value, variable, variable.ident().subList(1, variable.ident().size()), args, last);
  }

  private Object evalFieldChain(Object dot, Object receiver, Node n, List<String> ident, List<Node> args,
      Object last) {
    int count = ident.size();
    for (int i = 0; i < count - 1; i++) {
      receiver = evalField(dot, ident.get(i), n, null, MISSING, receiver);
    }
    return evalField(dot, ident.get(count - 1), n, args, last, receiver);
  }

  private Object evalField(Object dot, String fieldName, Node n, List<Node> args, Object last, Object receiver) {
    if (receiver == Values.NO_VALUE) {
      if (template.options().missingKey() == MissingKey.ERROR) {
        throw error("nil data; no entry for key " + GoStrings.quote(fieldName));
      }
      return Values.NO_VALUE;
    }
    if (receiver instanceof GoMethods methods) {
      GoMethod method = methods.goMethod(fieldName);
      if (method != null) {
        FunctionMap.Function function =
            new FunctionMap.Function(fieldName, method.params(), method.variadic(), method.body());
        return evalCall(dot, function, n, fieldName, args, last);
      }
    }
    boolean hasArgs = (args != null && args.size() > 1) || last != MISSING;
    switch (receiver) {
      case null -> throw error("nil pointer evaluating interface {}." + fieldName);
      case Map<?, ?> map -> {
        if (hasArgs) {
          throw error(fieldName + " is not a method but has arguments");
        }
        if (map.containsKey(fieldName)) {
          return map.get(fieldName);
        }
        return switch (template.options().missingKey()) {
          case DEFAULT -> Values.NO_VALUE;
          case ZERO -> Values.zeroElement(map);
          case ERROR -> throw error("map has no entry for key " + GoStrings.quote(fieldName));
        };
      }
      case Record record -> {
        Values.Component component = Values.field(record, fieldName);
        if (component != null) {
          if (hasArgs) {
            throw error(fieldName + " has arguments but cannot be invoked as function");
          }
          return Values.read(record, component);
        }
      }
      default -> {
      }
    }
    throw error("can't evaluate field " + fieldName + " in type " + Values.typeName(receiver));
  }

  private Object evalFunction(Object dot, IdentifierNode identifier, Node cmd, List<Node> args, Object last) {
    at(identifier);
    String name = identifier.ident();
    FunctionMap.Function function = functions.lookup(name);
    if (function == null) {
      function = Builtins.lookup(name);
    }
    if (function == null) {
      throw error(GoStrings.quote(name) + " is not a defined function");
    }
    return evalCall(dot, function, cmd, name, args, last);
  }

  private Object evalCall(Object dot, FunctionMap.Function function, Node cmd, String name, List<Node> args,
      Object last) {
    List<Node> operands = args == null ? List.of() : args.subList(1, args.size());
    int numIn = operands.size() + (last != MISSING ? 1 : 0);
    int numFixed = function.params().size();
    if (function.variadic() != null) {
      if (numIn < numFixed) {
        throw error("wrong number of args for " + name + ": want at least " + numFixed + " got " + numIn);
      }
    } else if (numIn != numFixed) {
      throw error("wrong number of args for " + name + ": want " + numFixed + " got " + numIn);
    }
    if (Builtins.isShortCircuit(function)) {
      return evalAndOr(dot, name, operands, last);
    }
    List<Object> argv = new ArrayList<>(numIn);
    for (int i = 0; i < operands.size(); i++) {
      argv.add(evalArg(dot, paramType(function, i), operands.get(i), false));
    }
    if (last != MISSING) {
      argv.add(validateType(last, paramType(function, numIn - 1)));
    }
    step();
    try {
      Object result = function.body().call(argv);
      // An intermediate string counts as output would: doubling a variable must not exhaust the heap.
      if (result instanceof String text && text.length() > template.options().maxOutputBytes()) {
        at(cmd);
        throw error("error calling " + name + ": result is larger than the limit of "
            + template.options().maxOutputBytes() + " bytes");
      }
      return result;
    } catch (ExecError | LoopControl e) {
      throw e;
    } catch (Exception e) {
      at(cmd);
      throw error("error calling " + name + ": " + e.getMessage());
    }
  }

  /**
   * Counts a template or function call against the budget range iterations share, so that calls that fan out
   * ({@code template "a"} twice within "a") end as a range that runs too long would.
   */
  private void step() {
    if (++iterations > template.options().maxRangeIterations()) {
      throw error("execution ran more than the limit of " + template.options().maxRangeIterations()
          + " steps (range iterations, template and function calls)");
    }
  }

  private static ArgType paramType(FunctionMap.Function function, int i) {
    return i < function.params().size() ? function.params().get(i) : function.variadic();
  }

  /** Go's and/or: evaluates operands only until the result is known, and yields that operand itself. */
  private Object evalAndOr(Object dot, String name, List<Node> operands, Object last) {
    boolean or = name.equals("or");
    Object value = Values.NO_VALUE;
    for (Node operand : operands) {
      value = evalArg(dot, Builtins.VALUE, operand, false);
      if (Values.isTrue(value) == or) {
        return value;
      }
    }
    if (last != MISSING) {
      value = validateType(last, Builtins.VALUE);
    }
    return value;
  }

  /**
   * Go's evalArg: a literal is checked against the parameter type as written; anything else is evaluated, then
   * checked with {@link #validateType}. {@code raw} keeps the invalid value (for a chain's receiver).
   */
  private Object evalArg(Object dot, ArgType type, Node n, boolean raw) {
    at(n);
    Object value;
    switch (n) {
      case DotNode d -> value = dot;
      case NilNode nil -> {
        if (type == Builtins.VALUE) {
          // Go passes the builtins nil as the invalid value (promtool: {{ and nil 1 }} prints <no value>).
          return Values.NO_VALUE;
        }
        if (type.nilable()) {
          return null;
        }
        throw error("cannot assign nil to " + type.goName());
      }
      case FieldNode field -> value = evalFieldNode(dot, field, List.of(n), MISSING);
      case VariableNode variable -> value = evalVariableNode(dot, variable, null, MISSING);
      case PipeNode pipe -> value = evalPipeline(dot, pipe);
      case IdentifierNode identifier -> value = evalFunction(dot, identifier, identifier, null, MISSING);
      case ChainNode chain -> value = evalChainNode(dot, chain, null, MISSING);
      default -> {
        return literal(type, n);
      }
    }
    return raw ? value : validateType(value, type);
  }

  private Object literal(ArgType type, Node n) {
    if (type.equals(ArgType.ANY) || type == Builtins.VALUE) {
      return switch (n) {
        case BoolNode b -> b.value();
        case NumberNode number -> number.value();
        case StringNode s -> s.text();
        default -> throw error("can't handle " + n + " for arg of type " + type.goName());
      };
    }
    if (type.equals(ArgType.STRING)) {
      if (n instanceof StringNode s) {
        return s.text();
      }
      throw error("expected string; found " + n);
    }
    if (type.equals(ArgType.BOOL)) {
      if (n instanceof BoolNode b) {
        return b.value();
      }
      throw error("expected bool; found " + n);
    }
    if (type.equals(ArgType.INT)) {
      if (n instanceof NumberNode number && number.value() instanceof Long l) {
        return l;
      }
      throw error("expected integer; found " + n);
    }
    if (type.equals(ArgType.FLOAT64)) {
      if (n instanceof NumberNode number) {
        return ((Number) number.value()).doubleValue();
      }
      throw error("expected float; found " + n);
    }
    throw error("can't handle " + n + " for arg of type " + type.goName());
  }

  /** Go's validateType: nil and the invalid value fit nilable types only; other values must have the type. */
  private Object validateType(Object value, ArgType type) {
    if (type == Builtins.VALUE) {
      return value;
    }
    if (value == null || value == Values.NO_VALUE) {
      if (type.nilable()) {
        return null;
      }
      throw error("invalid value; expected " + type.goName());
    }
    if (type.accepts(value)) {
      return value;
    }
    if (type.equals(ArgType.INT) && Values.isIntegral(value)) {
      return ((Number) value).longValue();
    }
    throw error("wrong type for value; expected " + type.goName() + "; got " + Values.typeName(value));
  }

  private void printValue(Node n, Object value) {
    at(n);
    if (value == Values.NO_VALUE || value == MISSING) {
      write("<no value>");
      return;
    }
    write(GoFmt.formatDereferenced(value));
  }
}
