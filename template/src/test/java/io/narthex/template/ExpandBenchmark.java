package io.narthex.template;

import java.util.List;
import java.util.Map;

/**
 * Time of one alert annotation expansion, as the ruler runs it at every evaluation of every active alert. Not a
 * test; run it after {@code mvn -pl template test-compile}:
 * {@code java -cp template/target/classes:template/target/test-classes:common/target/classes:<re2j jar>
 * io.narthex.template.ExpandBenchmark 100000}.
 */
public final class ExpandBenchmark {
  private ExpandBenchmark() {}

  public static void main(String[] args) throws TemplateException {
    String text = "{{ $labels.instance }} of job {{ $labels.job }} is at {{ humanize $value }} "
        + "({{ printf \"%.2f\" $value }}) for {{ humanizeDuration 3600 }}";
    Map<String, String> labels = Map.of("__name__", "up", "job", "api", "instance", "host-1:9090");
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    long chars = 0;
    for (int round = 1; round <= 5; round++) {
      long start = System.nanoTime();
      for (int i = 0; i < n; i++) {
        chars += PrometheusTemplates.expand("__alert_A", text, labels, 1234.5 + i, Map.of(), "", 0L,
            (expr, ts) -> List.of()).length();
      }
      System.out.printf("round %d: %.2f us per expansion%n", round, (System.nanoTime() - start) / 1e3 / n);
    }
    System.out.println("chars written: " + chars);
  }
}
