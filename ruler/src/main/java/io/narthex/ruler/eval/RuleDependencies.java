package io.narthex.ruler.eval;

import io.narthex.promql.parser.Expr;
import io.narthex.promql.parser.Parser;
import io.narthex.ruler.Rule;
import io.narthex.tsdb.labels.Labels;
import io.narthex.tsdb.labels.Matcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which rules of a group may read what an earlier rule of the same group wrote at the same evaluation. Prometheus
 * commits each rule's output before the next rule runs, so a rule over an earlier rule's {@code record} (or over
 * {@code ALERTS}) sees this evaluation's value; {@link GroupEvaluator} pushes the output gathered so far before such a
 * rule, and otherwise pushes the whole group's output at once.
 *
 * <p>A rule depends on the rules before it when one of its selectors can match the metric name of their output (the
 * {@code record}, or {@code ALERTS} and {@code ALERTS_FOR_STATE} of an alerting rule; a selector without a name
 * matcher matches every name), when its expression does not parse, or when one of its labels or annotations uses the
 * {@code query} template function, whose query cannot be known before it is expanded (as Prometheus's rule
 * dependency analysis, {@code rules.buildDependencyMap}, treats it).
 */
final class RuleDependencies {
  private RuleDependencies() {}

  /**
   * Per rule of {@code rules}, in order: whether it may read the output of an earlier rule of the same group.
   *
   * @return an array as long as {@code rules}; its first element is always false
   */
  static boolean[] readsEarlierOutput(List<Rule> rules) {
    boolean[] out = new boolean[rules.size()];
    List<String> earlierNames = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      Rule rule = rules.get(i);
      out[i] = !earlierNames.isEmpty() && mayRead(rule, earlierNames);
      if (rule.record() != null && !rule.record().isEmpty()) {
        earlierNames.add(rule.record());
      } else {
        earlierNames.add("ALERTS");
        earlierNames.add("ALERTS_FOR_STATE");
      }
    }
    return out;
  }

  private static boolean mayRead(Rule rule, List<String> names) {
    if (usesQueryTemplate(rule.labels()) || usesQueryTemplate(rule.annotations())) {
      return true;
    }
    Expr expr;
    try {
      expr = Parser.parse(rule.expr());
    } catch (RuntimeException unparsable) {
      return true; // the rule fails anyway; pushing first costs one request
    }
    return selects(expr, names);
  }

  private static boolean usesQueryTemplate(Map<String, String> templates) {
    if (templates == null) {
      return false;
    }
    for (String template : templates.values()) {
      if (template.contains("query")) {
        return true;
      }
    }
    return false;
  }

  private static boolean selects(Expr expr, List<String> names) {
    return switch (expr) {
      case Expr.NumberLiteral n -> false;
      case Expr.StringLiteral s -> false;
      case Expr.VectorSelector v -> matchesAnyName(v.matchers(), names);
      case Expr.MatrixSelector m -> matchesAnyName(m.selector().matchers(), names);
      case Expr.Subquery sq -> selects(sq.expr(), names);
      case Expr.Paren p -> selects(p.expr(), names);
      case Expr.Unary u -> selects(u.expr(), names);
      case Expr.Binary b -> selects(b.lhs(), names) || selects(b.rhs(), names);
      case Expr.Aggregate a -> (a.param() != null && selects(a.param(), names)) || selects(a.expr(), names);
      case Expr.Call c -> {
        for (Expr arg : c.args()) {
          if (selects(arg, names)) {
            yield true;
          }
        }
        yield false;
      }
    };
  }

  /** Whether the selector's {@code __name__} matchers (none: any name) all accept one of {@code names}. */
  private static boolean matchesAnyName(List<Matcher> matchers, List<String> names) {
    for (String name : names) {
      boolean all = true;
      for (Matcher matcher : matchers) {
        if (matcher.name().equals(Labels.METRIC_NAME) && !matcher.matches(name)) {
          all = false;
          break;
        }
      }
      if (all) {
        return true;
      }
    }
    return false;
  }
}
