package io.narthex.template;

import io.narthex.template.Lexer.Kind;
import io.narthex.template.Lexer.Token;
import io.narthex.template.Node.ActionNode;
import io.narthex.template.Node.BoolNode;
import io.narthex.template.Node.BranchKind;
import io.narthex.template.Node.BranchNode;
import io.narthex.template.Node.BreakNode;
import io.narthex.template.Node.ChainNode;
import io.narthex.template.Node.CommandNode;
import io.narthex.template.Node.ContinueNode;
import io.narthex.template.Node.DotNode;
import io.narthex.template.Node.ElseNode;
import io.narthex.template.Node.EndNode;
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
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Go's text/template/parse parser: a recursive descent over the lexer's tokens that builds one tree per template
 * (the main one, then each {@code define} and {@code block}), checks that every variable is declared and every
 * function exists, and fails with Go's message {@code template: <name>:<line>: <what>}.
 */
final class Parser {
  /**
   * The deepest nesting of parenthesised pipelines and of if/range/with blocks, so parsing (and executing) stays far
   * from a Java thread's stack limit. Go allows 10,000 (text/template/parse maxStackDepth) on growable stacks; real
   * templates nest a few levels.
   */
  static final int MAX_EXPRESSION_DEPTH = 100;

  /** A parse failure; the message is Go's whole message. */
  static final class ParseError extends RuntimeException {
    ParseError(String message) {
      super(message, null, false, false);
    }
  }

  /** One parsed template: where it came from (for messages) and its nodes. */
  record Tree(String parseName, String text, ListNode root) {}

  private final String name;
  private final String text;
  private final List<Token> tokens;
  private final FunctionMap functions;
  private final Map<String, Tree> trees;
  private int index;
  private int lastLine = 1;
  private List<String> vars = new ArrayList<>(List.of("$"));
  private int rangeDepth;
  private int actionLine;
  private int depth;

  private Parser(String name, String text, FunctionMap functions, Map<String, Tree> trees) {
    this.name = name;
    this.text = text;
    this.tokens = Lexer.lex(text);
    this.functions = functions;
    this.trees = trees;
  }

  /**
   * The trees of {@code text}: the main template under {@code name}, then each defined one in source order.
   *
   * @throws ParseError with Go's message
   */
  static Map<String, Tree> parse(String name, String text, FunctionMap functions) {
    Map<String, Tree> trees = new LinkedHashMap<>();
    Parser parser = new Parser(name, text, functions, trees);
    parser.addTree(name, parser.parseRoot());
    return trees;
  }

  /**
   * Adds {@code added} to {@code trees} as Go's AddParseTree: an empty template (only blank text) does not replace
   * one of the same name, any other does.
   */
  static void merge(Map<String, Tree> trees, Map<String, Tree> added) {
    added.forEach((treeName, tree) -> {
      if (!trees.containsKey(treeName) || !isEmpty(tree.root())) {
        trees.put(treeName, tree);
      }
    });
  }

  private ListNode parseRoot() {
    ListNode root = new ListNode(peek().pos(), new ArrayList<>());
    while (peek().kind() != Kind.EOF) {
      if (peek().kind() == Kind.LEFT_DELIM) {
        int mark = index;
        next();
        if (nextNonSpace().kind() == Kind.DEFINE) {
          parseDefinition();
          continue;
        }
        index = mark;
      }
      Node n = textOrAction();
      if (n instanceof EndNode || n instanceof ElseNode) {
        throw error("unexpected " + n);
      }
      root.nodes().add(n);
    }
    return root;
  }

  private void parseDefinition() {
    String context = "define clause";
    Token nameToken = nextNonSpace();
    if (nameToken.kind() != Kind.STRING && nameToken.kind() != Kind.RAW_STRING) {
      throw unexpected(nameToken, context);
    }
    String defined = unquote(nameToken);
    expect(Kind.RIGHT_DELIM, context);
    addTree(defined, nestedTree(context));
  }

  /** The body of a define or block up to its end: a tree of its own, where only {@code $} is declared. */
  private ListNode nestedTree(String context) {
    List<String> outerVars = vars;
    int outerRangeDepth = rangeDepth;
    vars = new ArrayList<>(List.of("$"));
    rangeDepth = 0;
    ListNode list = new ListNode(peek().pos(), new ArrayList<>());
    Node end = itemList(list);
    if (!(end instanceof EndNode)) {
      throw error("unexpected " + end + " in " + context);
    }
    vars = outerVars;
    rangeDepth = outerRangeDepth;
    return list;
  }

  /** Go's (*Tree).add: within one text, a second non-empty definition of a name is an error. */
  private void addTree(String treeName, ListNode list) {
    Tree existing = trees.get(treeName);
    if (existing != null && !isEmpty(existing.root()) && !isEmpty(list)) {
      throw error("template: multiple definition of template " + GoStrings.quote(treeName));
    }
    merge(trees, Map.of(treeName, new Tree(name, text, list)));
  }

  private static boolean isEmpty(ListNode list) {
    for (Node n : list.nodes()) {
      if (!(n instanceof TextNode text) || !text.text().isBlank()) {
        return false;
      }
    }
    return true;
  }

  /** Fills {@code list} up to an {@code end} or {@code else}, which it returns. */
  private Node itemList(ListNode list) {
    while (peekNonSpace().kind() != Kind.EOF) {
      Node n = textOrAction();
      if (n instanceof EndNode || n instanceof ElseNode) {
        return n;
      }
      list.nodes().add(n);
    }
    throw error("unexpected EOF");
  }

  private Node textOrAction() {
    Token token = nextNonSpace();
    switch (token.kind()) {
      case TEXT -> {
        return new TextNode(token.pos(), token.val());
      }
      case LEFT_DELIM -> {
        actionLine = token.line();
        try {
          return action();
        } finally {
          actionLine = 0;
        }
      }
      default -> throw unexpected(token, "input");
    }
  }

  private Node action() {
    Token token = nextNonSpace();
    switch (token.kind()) {
      case BLOCK -> {
        return blockControl();
      }
      case BREAK -> {
        return loopControl(token, "{{break}}", new BreakNode(token.pos(), token.line()));
      }
      case CONTINUE -> {
        return loopControl(token, "{{continue}}", new ContinueNode(token.pos(), token.line()));
      }
      case ELSE -> {
        return elseControl();
      }
      case END -> {
        return new EndNode(expect(Kind.RIGHT_DELIM, "end").pos());
      }
      case IF -> {
        return branchControl(BranchKind.IF);
      }
      case RANGE -> {
        return branchControl(BranchKind.RANGE);
      }
      case TEMPLATE -> {
        return templateControl();
      }
      case WITH -> {
        return branchControl(BranchKind.WITH);
      }
      default -> {
        backup();
        Token first = peek();
        return new ActionNode(first.pos(), first.line(), pipeline("command", Kind.RIGHT_DELIM));
      }
    }
  }

  private Node loopControl(Token keyword, String what, Node node) {
    Token token = nextNonSpace();
    if (token.kind() != Kind.RIGHT_DELIM) {
      throw unexpected(token, what);
    }
    if (rangeDepth == 0) {
      throw error(what + " outside {{range}}");
    }
    return node;
  }

  private Node elseControl() {
    Token peek = peekNonSpace();
    // {{else if x}} and {{else with x}} are {{else}}{{if x}}: leave the keyword for branchControl.
    if (peek.kind() == Kind.IF || peek.kind() == Kind.WITH) {
      return new ElseNode(peek.pos(), peek.line());
    }
    Token token = expect(Kind.RIGHT_DELIM, "else");
    return new ElseNode(token.pos(), token.line());
  }

  private BranchNode branchControl(BranchKind kind) {
    String context = kind.keyword();
    int varsMark = vars.size();
    if (++depth > MAX_EXPRESSION_DEPTH) {
      throw error("max expression depth exceeded");
    }
    try {
      PipeNode pipe = pipeline(context, Kind.RIGHT_DELIM);
      if (kind == BranchKind.RANGE) {
        rangeDepth++;
      }
      ListNode list = new ListNode(peek().pos(), new ArrayList<>());
      Node next = itemList(list);
      if (kind == BranchKind.RANGE) {
        rangeDepth--;
      }
      ListNode elseList = null;
      if (next instanceof ElseNode) {
        Kind follow = peek().kind();
        if (kind == BranchKind.IF && follow == Kind.IF || kind == BranchKind.WITH && follow == Kind.WITH) {
          next();
          elseList = new ListNode(next.pos(), new ArrayList<>());
          elseList.nodes().add(branchControl(kind));
        } else {
          elseList = new ListNode(peek().pos(), new ArrayList<>());
          Node end = itemList(elseList);
          if (!(end instanceof EndNode)) {
            throw error("expected end; found " + end);
          }
        }
      }
      return new BranchNode(kind, pipe.pos(), pipe.line(), pipe, list, elseList);
    } finally {
      depth--;
      vars.subList(varsMark, vars.size()).clear();
    }
  }

  private TemplateNode templateControl() {
    String context = "template clause";
    Token token = nextNonSpace();
    String templateName = templateName(token, context);
    PipeNode pipe = null;
    if (nextNonSpace().kind() != Kind.RIGHT_DELIM) {
      backup();
      pipe = pipeline(context, Kind.RIGHT_DELIM);
    }
    return new TemplateNode(token.pos(), token.line(), templateName, pipe);
  }

  private TemplateNode blockControl() {
    String context = "block clause";
    Token token = nextNonSpace();
    String blockName = templateName(token, context);
    PipeNode pipe = pipeline(context, Kind.RIGHT_DELIM);
    addTree(blockName, nestedTree(context));
    return new TemplateNode(token.pos(), token.line(), blockName, pipe);
  }

  private String templateName(Token token, String context) {
    if (token.kind() != Kind.STRING && token.kind() != Kind.RAW_STRING) {
      throw unexpected(token, context);
    }
    return unquote(token);
  }

  private PipeNode pipeline(String context, Kind end) {
    if (++depth > MAX_EXPRESSION_DEPTH) {
      throw error("max expression depth exceeded");
    }
    try {
      Token first = peekNonSpace();
      PipeNode pipe = new PipeNode(first.pos(), first.line(), false, new ArrayList<>(), new ArrayList<>());
      boolean isAssign = declarations(pipe, context);
      if (isAssign) {
        pipe = new PipeNode(pipe.pos(), pipe.line(), true, pipe.decl(), pipe.cmds());
      }
      while (true) {
        Token token = nextNonSpace();
        if (token.kind() == end) {
          checkPipeline(pipe, context);
          return pipe;
        }
        switch (token.kind()) {
          case BOOL, CHAR_CONSTANT, DOT, FIELD, IDENTIFIER, NUMBER, NIL, RAW_STRING, STRING, VARIABLE,
              LEFT_PAREN -> {
            backup();
            pipe.cmds().add(command());
          }
          default -> throw unexpected(token, context);
        }
      }
    } finally {
      depth--;
    }
  }

  /** Reads {@code $x :=}, {@code $x =} or (range only) {@code $i, $v :=}; true for an assignment. */
  private boolean declarations(PipeNode pipe, String context) {
    boolean isAssign = false;
    while (peekNonSpace().kind() == Kind.VARIABLE) {
      int mark = index;
      Token variable = next();
      Token following = peekNonSpace();
      if (following.kind() == Kind.ASSIGN || following.kind() == Kind.DECLARE) {
        isAssign = following.kind() == Kind.ASSIGN;
        nextNonSpace();
        pipe.decl().add(new VariableNode(variable.pos(), List.of(variable.val())));
        vars.add(variable.val());
        return isAssign;
      }
      if (following.kind() == Kind.CHAR && following.val().equals(",")) {
        nextNonSpace();
        pipe.decl().add(new VariableNode(variable.pos(), List.of(variable.val())));
        vars.add(variable.val());
        if (context.equals("range") && pipe.decl().size() < 2) {
          Kind k = peekNonSpace().kind();
          if (k == Kind.VARIABLE || k == Kind.RIGHT_DELIM || k == Kind.RIGHT_PAREN) {
            continue;
          }
          throw error("range can only initialize variables");
        }
        throw error("too many declarations in " + context);
      }
      index = mark;
      return isAssign;
    }
    return isAssign;
  }

  private void checkPipeline(PipeNode pipe, String context) {
    if (pipe.cmds().isEmpty()) {
      throw error("missing value for " + context);
    }
    for (int i = 1; i < pipe.cmds().size(); i++) {
      Node first = pipe.cmds().get(i).args().get(0);
      if (first instanceof BoolNode || first instanceof DotNode || first instanceof NilNode
          || first instanceof NumberNode || first instanceof StringNode) {
        throw error("non executable command in pipeline stage " + (i + 1));
      }
    }
  }

  private CommandNode command() {
    CommandNode cmd = new CommandNode(peekNonSpace().pos(), new ArrayList<>());
    while (true) {
      peekNonSpace();
      Node operand = operand();
      if (operand != null) {
        cmd.args().add(operand);
      }
      Token token = next();
      switch (token.kind()) {
        case SPACE -> {
          continue;
        }
        case RIGHT_DELIM, RIGHT_PAREN -> backup();
        case PIPE -> {
        }
        default -> throw unexpected(token, "operand");
      }
      break;
    }
    if (cmd.args().isEmpty()) {
      throw error("empty command");
    }
    return cmd;
  }

  private Node operand() {
    Node node = term();
    if (node == null) {
      return null;
    }
    if (peek().kind() == Kind.FIELD) {
      int chainPos = peek().pos();
      List<String> fields = new ArrayList<>();
      while (peek().kind() == Kind.FIELD) {
        fields.add(next().val().substring(1));
      }
      switch (node) {
        case FieldNode field -> {
          List<String> all = new ArrayList<>(field.ident());
          all.addAll(fields);
          node = new FieldNode(chainPos, all);
        }
        case VariableNode variable -> {
          List<String> all = new ArrayList<>(variable.ident());
          all.addAll(fields);
          node = new VariableNode(chainPos, all);
        }
        case BoolNode b -> throw error("unexpected . after term " + GoStrings.quote(b.toString()));
        case StringNode s -> throw error("unexpected . after term " + GoStrings.quote(s.toString()));
        case NumberNode n -> throw error("unexpected . after term " + GoStrings.quote(n.toString()));
        case NilNode n -> throw error("unexpected . after term " + GoStrings.quote(n.toString()));
        case DotNode d -> throw error("unexpected . after term " + GoStrings.quote(d.toString()));
        default -> node = new ChainNode(chainPos, node, fields);
      }
    }
    return node;
  }

  private Node term() {
    Token token = nextNonSpace();
    switch (token.kind()) {
      case IDENTIFIER -> {
        if (!functions.has(token.val())) {
          throw error("function " + GoStrings.quote(token.val()) + " not defined");
        }
        return new IdentifierNode(token.pos(), token.val());
      }
      case DOT -> {
        return new DotNode(token.pos());
      }
      case NIL -> {
        return new NilNode(token.pos());
      }
      case VARIABLE -> {
        if (!vars.contains(token.val())) {
          throw error("undefined variable " + GoStrings.quote(token.val()));
        }
        return new VariableNode(token.pos(), List.of(token.val()));
      }
      case FIELD -> {
        return new FieldNode(token.pos(), List.of(token.val().substring(1)));
      }
      case BOOL -> {
        return new BoolNode(token.pos(), token.val().equals("true"));
      }
      case NUMBER, CHAR_CONSTANT -> {
        return new NumberNode(token.pos(), token.val(), number(token));
      }
      case LEFT_PAREN -> {
        return pipeline("parenthesized pipeline", Kind.RIGHT_PAREN);
      }
      case STRING, RAW_STRING -> {
        return new StringNode(token.pos(), token.val(), unquote(token));
      }
      default -> {
        backup();
        return null;
      }
    }
  }

  /** Go's idealConstant: a Long for an integer (and a char), a Double when the text has a point or an exponent. */
  private Object number(Token token) {
    String text = token.val();
    if (token.kind() == Kind.CHAR_CONSTANT) {
      String inner = GoStrings.unquoteChar(text);
      if (inner == null || inner.codePointCount(0, inner.length()) != 1) {
        throw error("malformed character constant: " + text);
      }
      return (long) inner.codePointAt(0);
    }
    String digits = text.replace("_", "");
    if (digits.endsWith("i")) {
      throw error("complex constants are not supported: " + text);
    }
    boolean negative = digits.startsWith("-");
    String unsigned = digits.startsWith("-") || digits.startsWith("+") ? digits.substring(1) : digits;
    String lower = unsigned.toLowerCase(java.util.Locale.ROOT);
    try {
      BigInteger integer = null;
      if (lower.startsWith("0x") && !lower.contains("p") && !lower.contains(".")) {
        integer = new BigInteger(lower.substring(2), 16);
      } else if (lower.startsWith("0o")) {
        integer = new BigInteger(lower.substring(2), 8);
      } else if (lower.startsWith("0b")) {
        integer = new BigInteger(lower.substring(2), 2);
      } else if (lower.matches("[0-9]+")) {
        integer = lower.length() > 1 && lower.startsWith("0") ? new BigInteger(lower, 8) : new BigInteger(lower);
      }
      if (integer != null) {
        if (negative) {
          integer = integer.negate();
        }
        if (integer.bitLength() > 63) {
          throw error(text + " overflows int");
        }
        return integer.longValue();
      }
      double value = lower.startsWith("0x") ? Double.parseDouble(lower) : Double.parseDouble(lower);
      return negative ? -value : value;
    } catch (NumberFormatException e) {
      throw error("illegal number syntax: " + GoStrings.quote(text));
    }
  }

  private String unquote(Token token) {
    if (token.kind() == Kind.RAW_STRING) {
      return token.val().substring(1, token.val().length() - 1).replace("\r", "");
    }
    String value = GoStrings.unquote(token.val());
    if (value == null) {
      throw error("invalid syntax");
    }
    return value;
  }

  private Token expect(Kind kind, String context) {
    Token token = nextNonSpace();
    if (token.kind() != kind) {
      throw unexpected(token, context);
    }
    return token;
  }

  private ParseError unexpected(Token token, String context) {
    if (token.kind() == Kind.ERROR) {
      String extra = "";
      if (actionLine != 0 && actionLine != token.line()) {
        extra = " in action started at " + name + ":" + actionLine;
        if (token.val().endsWith(" action")) {
          extra = extra.substring(" in action".length());
        }
      }
      return error(token.val() + extra);
    }
    return error("unexpected " + token + " in " + context);
  }

  private ParseError error(String message) {
    return new ParseError("template: " + name + ":" + lastLine + ": " + message);
  }

  private Token next() {
    Token token = tokens.get(Math.min(index, tokens.size() - 1));
    index++;
    lastLine = token.line();
    return token;
  }

  private Token peek() {
    Token token = tokens.get(Math.min(index, tokens.size() - 1));
    lastLine = token.line();
    return token;
  }

  private void backup() {
    index--;
  }

  private Token nextNonSpace() {
    Token token;
    do {
      token = next();
    } while (token.kind() == Kind.SPACE);
    return token;
  }

  private Token peekNonSpace() {
    Token token = nextNonSpace();
    backup();
    return token;
  }
}
