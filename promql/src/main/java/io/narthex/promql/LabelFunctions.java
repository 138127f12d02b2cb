package io.narthex.promql;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.narthex.promql.parser.Expr;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The functions that read or write labels: {@code label_replace}, {@code label_join}, {@code sort_by_label} and
 * {@code sort_by_label_desc}, per Prometheus promql/functions.go semantics.
 */
final class LabelFunctions {
  private LabelFunctions() {}

  /** {@code sort_by_label(v, label...)} or, with {@code descending}, {@code sort_by_label_desc}. */
  static Result sortByLabel(Evaluator ev, Expr.Call call, StepGrid grid, boolean descending) {
    List<Expr> args = call.args();
    FunctionCalls.warnSortInRange(ev, call);
    List<StepSeries> in = new ArrayList<>(ev.evalVector(args.get(0), grid));
    List<String> names = new ArrayList<>();
    for (int i = 1; i < args.size(); i++) {
      names.add(str(ev, args.get(i), grid));
    }
    Comparator<StepSeries> cmp = (a, b) -> {
      for (String l : names) {
        int c = naturalCompare(a.labels.get(l), b.labels.get(l));
        if (c != 0) {
          return c;
        }
      }
      return a.labels.compareTo(b.labels);
    };
    in.sort(descending ? cmp.reversed() : cmp);
    return new Result.StepVector(in);
  }

  /** Natural ordering: runs of digits compare numerically, as Prometheus's sort_by_label. */
  static int naturalCompare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      char ca = a.charAt(i);
      char cb = b.charAt(j);
      if (Character.isDigit(ca) && Character.isDigit(cb)) {
        int si = i;
        int sj = j;
        while (i < a.length() && Character.isDigit(a.charAt(i))) {
          i++;
        }
        while (j < b.length() && Character.isDigit(b.charAt(j))) {
          j++;
        }
        String na = a.substring(si, i).replaceFirst("^0+(?=.)", "");
        String nb = b.substring(sj, j).replaceFirst("^0+(?=.)", "");
        int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
        if (c != 0) {
          return c;
        }
        continue;
      }
      if (ca != cb) {
        return Character.compare(ca, cb);
      }
      i++;
      j++;
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  private static String str(Evaluator ev, Expr e, StepGrid grid) {
    return ((Result.StepString) ev.eval(e, grid)).value();
  }

  static boolean validLabelName(String name) {
    return !name.isEmpty() && name.codePoints().allMatch(c -> c != 0xFFFD);
  }

  static Result labelReplace(Evaluator ev, Expr.Call call, StepGrid grid) {
    List<Expr> args = call.args();
    String dst = str(ev, args.get(1), grid);
    String repl = str(ev, args.get(2), grid);
    String src = str(ev, args.get(3), grid);
    String regex = str(ev, args.get(4), grid);
    Pattern pattern;
    try {
      pattern = Pattern.compile("^(?s:" + regex + ")$");
    } catch (PatternSyntaxException e) {
      throw Evaluator.execError("invalid regular expression in label_replace(): " + regex);
    }
    if (!validLabelName(dst)) {
      throw Evaluator.execError("invalid destination label name in label_replace(): " + dst);
    }
    List<StepSeries> in = ev.evalVector(args.get(0), grid);
    for (StepSeries s : in) {
      com.google.re2j.Matcher m = pattern.matcher(s.labels.get(src));
      if (m.matches()) {
        String value = expand(m, repl);
        s.labels = s.labels.toBuilder().set(dst, value).build();
      }
    }
    return new Result.StepVector(Evaluator.dedupe(in));
  }

  /** Go regexp.Expand template semantics: $1, ${1}, $name, ${name}, $$. */
  static String expand(com.google.re2j.Matcher m, String template) {
    StringBuilder sb = new StringBuilder();
    int i = 0;
    while (i < template.length()) {
      char c = template.charAt(i);
      if (c != '$' || i + 1 >= template.length()) {
        sb.append(c);
        i++;
        continue;
      }
      char next = template.charAt(i + 1);
      if (next == '$') {
        sb.append('$');
        i += 2;
        continue;
      }
      String name;
      int endIdx;
      if (next == '{') {
        int close = template.indexOf('}', i + 2);
        if (close < 0) {
          sb.append(c);
          i++;
          continue;
        }
        name = template.substring(i + 2, close);
        endIdx = close + 1;
      } else {
        int j = i + 1;
        while (j < template.length() && (Character.isLetterOrDigit(template.charAt(j)) || template.charAt(j) == '_')) {
          j++;
        }
        name = template.substring(i + 1, j);
        endIdx = j;
      }
      if (name.isEmpty()) {
        sb.append(c);
        i++;
        continue;
      }
      String value = null;
      if (name.chars().allMatch(Character::isDigit)) {
        int g = Integer.parseInt(name);
        if (g <= m.groupCount()) {
          value = m.group(g);
        }
      } else {
        try {
          value = m.group(name);
        } catch (IllegalArgumentException e) {
          value = null;
        }
      }
      if (value != null) {
        sb.append(value);
      }
      i = endIdx;
    }
    return sb.toString();
  }

  static Result labelJoin(Evaluator ev, Expr.Call call, StepGrid grid) {
    List<Expr> args = call.args();
    String dst = str(ev, args.get(1), grid);
    String sep = str(ev, args.get(2), grid);
    List<String> srcs = new ArrayList<>();
    for (int i = 3; i < args.size(); i++) {
      srcs.add(str(ev, args.get(i), grid));
    }
    if (!validLabelName(dst)) {
      throw Evaluator.execError("invalid destination label name in label_join(): " + dst);
    }
    List<StepSeries> in = ev.evalVector(args.get(0), grid);
    for (StepSeries s : in) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < srcs.size(); i++) {
        if (i > 0) {
          sb.append(sep);
        }
        sb.append(s.labels.get(srcs.get(i)));
      }
      s.labels = s.labels.toBuilder().set(dst, sb.toString()).build();
    }
    return new Result.StepVector(Evaluator.dedupe(in));
  }
}
