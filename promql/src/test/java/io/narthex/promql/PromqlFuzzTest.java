package io.narthex.promql;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.promql.parser.Parser;
import io.narthex.promql.promqltest.FakeStorage;
import io.narthex.tsdb.labels.Labels;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated PromQL against the parser and the engine: whatever a client sends, the only failure is a
 * {@link PromQLException} of a client-fault type (BAD_DATA 400, EXECUTION 422, or TIMEOUT 503 past the deadline),
 * never a StackOverflowError, an OutOfMemoryError, another RuntimeException or an INTERNAL error (each of which
 * the API answers with a 500).
 *
 * <p>Inputs come from four generators: fragments of PromQL glued at random, valid queries with random edits,
 * one fragment nested or chained thousands of times, and random characters. The bounded run in every build takes
 * a few seconds; {@code -Dnarthex.fuzz.iterations=N -Dnarthex.fuzz.seed=S} runs longer or replays a failure
 * (a failure message names its iteration and input), for example
 * {@code ./mvnw -o -pl promql test -Dtest=PromqlFuzzTest -Dnarthex.fuzz.iterations=200000 -Dnarthex.fuzz.seed=7}.
 */
class PromqlFuzzTest {
  private static final long SEED = Long.getLong("narthex.fuzz.seed", 20261206L);
  private static final int ITERATIONS = Integer.getInteger("narthex.fuzz.iterations", 4000);
  private static final long EVAL_TIME_MS = 3_600_000;

  private static final String[] VALID = {
      "up", "up{job=\"a\"}", "rate(http_requests_total[5m])", "sum by (job) (rate(c[1m]))",
      "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))", "max_over_time(up[10m:1m])",
      "up offset 5m", "up @ 100", "count_over_time(up[1h:])", "-up * 2 ^ 3 % 4", "up and on(job) up",
      "label_replace(up, \"a\", \"$1\", \"job\", \"(.*)\")", "topk(2, up)", "absent(nope)", "vector(1) + 1",
      "{__name__=~\"u.*\", job!~\"x|y\"}", "time() - timestamp(up)", "sort_desc(sum without (instance) (up))",
      "quantile_over_time(0.5, c[1h])", "up > bool 0", "scalar(up) * up", "count_values(\"v\", up)",
      "predict_linear(c[1h], 60)", "clamp(up, 0, 1)", "{job=~\"(a|b){2,3}\"}", "1 + 2 * 3", "\"a string\"",
  };
  private static final String[] FRAGMENTS = {
      "up", "c", "h_bucket", "{", "}", "(", ")", "[", "]", "[5m]", "[1h:1m]", "[1d:1ms]", "[30d:1ms]", ":", ",",
      "=", "!=", "=~", "!~", "\"a\"", "\"(a{1000}){1000}\"", "\".*\"", "\"\\\\\"", "'x'", "`raw`", "1", "-1", "0x1f",
      "1e308", "NaN", "Inf", "5m", "1y", "+", "-", "*", "/", "%", "^", "==", ">", "<=", "bool", "and", "or",
      "unless", "on", "ignoring", "group_left", "group_right", "by", "without", "sum", "avg", "topk",
      "count_values", "quantile", "rate", "irate", "abs", "label_replace", "label_join", "absent_over_time",
      "histogram_quantile", "vector", "scalar", "time", "offset", "@", "start()", "end()", "job", "__name__",
      "#", "\n", " ", "le", "info", "limitk", "limit_ratio", "sort_by_label", "predict_linear",
  };

  private final SplittableRandom random = new SplittableRandom(SEED);
  private final FakeStorage storage = new FakeStorage();
  private final Engine engine = new Engine(new EngineOptions(Duration.ofMinutes(5), 200_000, Duration.ofSeconds(2)));

  PromqlFuzzTest() {
    for (int i = 0; i < 3; i++) {
      Labels up = Labels.of("__name__", "up", "job", "j" + i, "instance", "i" + i);
      Labels counter = Labels.of("__name__", "c", "job", "j" + i);
      Labels bucket = Labels.of("__name__", "h_bucket", "le", i == 2 ? "+Inf" : String.valueOf(i));
      for (long t = 0; t <= EVAL_TIME_MS; t += 60_000) {
        storage.add(up, t, i);
        storage.add(counter, t, t / 1000.0 * (i + 1));
        storage.add(bucket, t, t / 60_000.0 * (i + 1));
      }
    }
  }

  private String pick(String[] values) {
    return values[random.nextInt(values.length)];
  }

  private String glued() {
    StringBuilder sb = new StringBuilder();
    int n = 1 + random.nextInt(12);
    for (int i = 0; i < n; i++) {
      sb.append(pick(FRAGMENTS)).append(random.nextInt(3) == 0 ? " " : "");
    }
    return sb.toString();
  }

  private String mutated() {
    StringBuilder sb = new StringBuilder(pick(VALID));
    int edits = 1 + random.nextInt(4);
    for (int i = 0; i < edits; i++) {
      int at = random.nextInt(sb.length() + 1);
      switch (random.nextInt(4)) {
        case 0 -> sb.insert(at, pick(FRAGMENTS));
        case 1 -> {
          if (at < sb.length()) {
            sb.delete(at, Math.min(sb.length(), at + 1 + random.nextInt(4)));
          }
        }
        case 2 -> sb.insert(at, pick(VALID));
        default -> sb.insert(at, (char) random.nextInt(32, 127));
      }
    }
    return sb.toString();
  }

  /** One fragment nested or chained many times: deep trees, long chains, long regexes. */
  private String deep() {
    int n = 1 + random.nextInt(random.nextBoolean() ? 600 : 20_000);
    return switch (random.nextInt(8)) {
      case 0 -> "(".repeat(n) + "up" + ")".repeat(n);
      case 1 -> "-".repeat(n) + "up";
      case 2 -> "up" + " + up".repeat(n);
      case 3 -> "abs(".repeat(n) + "up" + ")".repeat(n);
      case 4 -> "sum(".repeat(n) + "up" + ")".repeat(n);
      case 5 -> "max_over_time(".repeat(n) + "up" + "[5m:1m])".repeat(n);
      case 6 -> "{__name__=~\"" + "(".repeat(n) + "u" + ")".repeat(n) + "\"}";
      default -> "up{job=~\"" + "[a-z]|".repeat(Math.min(n, 2000)) + "x\"}";
    };
  }

  private String randomChars() {
    StringBuilder sb = new StringBuilder();
    int n = random.nextInt(40);
    for (int i = 0; i < n; i++) {
      sb.append((char) (random.nextInt(8) == 0 ? random.nextInt(0x3000) : random.nextInt(32, 127)));
    }
    return sb.toString();
  }

  @Test
  void parserAndEngineFailOnlyWithClientFaultErrors() throws InterruptedException {
    // On a thread with the 1 MiB stack the API's request threads have by default, not the test runner's.
    Thread thread = new Thread(null, this::run, "promql-fuzz", 1 << 20);
    thread.setUncaughtExceptionHandler((t, e) -> failures.add("escaped: " + e));
    thread.start();
    thread.join();
    assertThat(failures).as("seed %d", SEED).isEmpty();
  }

  private final List<String> failures = new ArrayList<>();

  private void run() {
    Map<ErrorType, Integer> outcomes = new EnumMap<>(ErrorType.class);
    int evaluated = 0;
    for (int i = 0; i < ITERATIONS && failures.size() < 5; i++) {
      String query = switch (random.nextInt(10)) {
        case 0, 1, 2 -> glued();
        case 3, 4, 5, 6 -> mutated();
        case 7 -> deep();
        default -> randomChars();
      };
      try {
        Parser.parse(query);
        engine.instantQuery(storage, query, EVAL_TIME_MS);
        engine.rangeQuery(storage, query, 0, EVAL_TIME_MS, 600_000);
        evaluated++;
      } catch (PromQLException e) {
        outcomes.merge(e.type(), 1, Integer::sum);
        if (e.type() == ErrorType.INTERNAL || e.type() == ErrorType.CANCELED) {
          failures.add(describe(i, query, e));
        }
      } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
        failures.add(describe(i, query, e));
      }
    }
    System.out.println("PromqlFuzzTest seed=" + SEED + " iterations=" + ITERATIONS + " evaluated=" + evaluated
        + " errors=" + outcomes);
  }

  private static String describe(int iteration, String query, Throwable e) {
    String shown = query.length() > 300 ? query.substring(0, 300) + "... (" + query.length() + " chars)" : query;
    return "iteration " + iteration + ": " + e + " for query: " + shown;
  }
}
