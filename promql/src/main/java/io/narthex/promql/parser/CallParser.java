package io.narthex.promql.parser;

import java.util.ArrayList;
import java.util.List;

/**
 * Function calls and aggregations: their argument lists, the argument count and type checks of Prometheus's
 * promql/parser/parse.go ({@code checkAST}), and an aggregation's {@code by}/{@code without} clause before or after
 * its arguments.
 */
final class CallParser {
  private final Parser parser;
  private final TokenCursor cursor;
  private final NestingDepth depth;
  private final SelectorParser selectors;

  CallParser(Parser parser, TokenCursor cursor, NestingDepth depth, SelectorParser selectors) {
    this.parser = parser;
    this.cursor = cursor;
    this.depth = depth;
    this.selectors = selectors;
  }

  /** A call to the function {@code name}, whose token is consumed; the cursor is on its {@code (}. */
  Expr parseCall(Token name) {
    Functions.Def def = Functions.get(name.text());
    if (def == null) {
      throw cursor.error(name.pos(), "unknown function with name \"" + name.text() + "\"");
    }
    cursor.next(); // (
    // The argument loop is written out here and in parseAggregate rather than shared: one more stack frame per
    // nesting level made 500 nested calls overflow a 1 MiB thread stack before the JIT compiled the parser.
    List<Expr> args = new ArrayList<>();
    while (cursor.peek().type() != TokenType.RIGHT_PAREN) {
      args.add(parser.parseExpr(0));
      if (cursor.peek().type() == TokenType.COMMA) {
        cursor.next();
      } else if (cursor.peek().type() != TokenType.RIGHT_PAREN) {
        throw cursor.unexpected(cursor.peek(), "function call", "\",\" or \")\"");
      }
    }
    cursor.next();
    int nargs = def.argTypes().size();
    if (def.variadic() == 0) {
      if (nargs != args.size()) {
        throw cursor.error(name.pos(), "expected " + nargs + " argument(s) in call to \"" + def.name() + "\", got "
            + args.size());
      }
    } else {
      int na = nargs - 1;
      if (na > args.size()) {
        throw cursor.error(name.pos(), "expected at least " + na + " argument(s) in call to \"" + def.name()
            + "\", got " + args.size());
      } else if (def.variadic() > 0 && na + def.variadic() < args.size()) {
        throw cursor.error(name.pos(), "expected at most " + (na + def.variadic()) + " argument(s) in call to \""
            + def.name() + "\", got " + args.size());
      }
    }
    for (int i = 0; i < args.size(); i++) {
      int ti = Math.min(i, nargs - 1);
      expectType(args.get(i), def.argTypes().get(ti), "call to function \"" + def.name() + "\"");
    }
    return depth.check(new Expr.Call(def, List.copyOf(args), name.pos()));
  }

  /** An aggregation; the cursor is on the aggregator's token. */
  Expr parseAggregate() {
    Token op = cursor.next();
    List<String> grouping = List.of();
    boolean without = false;
    boolean hasGrouping = false;
    if (cursor.peek().type() == TokenType.BY || cursor.peek().type() == TokenType.WITHOUT) {
      without = cursor.next().type() == TokenType.WITHOUT;
      grouping = selectors.parseLabelList("grouping opts");
      hasGrouping = true;
    }
    Token open = cursor.peek();
    if (open.type() != TokenType.LEFT_PAREN) {
      throw cursor.unexpected(open, "aggregation", "\"(\"");
    }
    cursor.next();
    // Inline on purpose, like parseCall's loop: a shared helper costs a stack frame per nesting level.
    List<Expr> args = new ArrayList<>();
    while (cursor.peek().type() != TokenType.RIGHT_PAREN) {
      args.add(parser.parseExpr(0));
      if (cursor.peek().type() == TokenType.COMMA) {
        cursor.next();
      } else if (cursor.peek().type() != TokenType.RIGHT_PAREN) {
        throw cursor.unexpected(cursor.peek(), "aggregation", "\",\" or \")\"");
      }
    }
    cursor.next();
    if (!hasGrouping && (cursor.peek().type() == TokenType.BY || cursor.peek().type() == TokenType.WITHOUT)) {
      without = cursor.next().type() == TokenType.WITHOUT;
      grouping = selectors.parseLabelList("grouping opts");
    }
    String name = op.text();
    boolean hasParam = switch (name) {
      case "topk", "bottomk", "quantile", "count_values", "limitk", "limit_ratio" -> true;
      default -> false;
    };
    int want = hasParam ? 2 : 1;
    if (args.size() != want) {
      throw cursor.error(op.pos(), "wrong number of arguments for aggregate expression provided, expected " + want
          + ", got " + args.size());
    }
    Expr param = hasParam ? args.get(0) : null;
    Expr body = args.get(want - 1);
    expectType(body, ValueType.VECTOR, "aggregation expression");
    if (hasParam) {
      expectType(param, name.equals("count_values") ? ValueType.STRING : ValueType.SCALAR, "aggregation parameter");
    }
    return depth.check(new Expr.Aggregate(name, param, body, grouping, without, op.pos()));
  }

  private void expectType(Expr e, ValueType want, String context) {
    if (e.type() != want) {
      throw cursor.error(e.pos(), "expected type " + want + " in " + context + ", got " + e.type());
    }
  }
}
