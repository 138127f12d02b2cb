package io.narthex.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Checks that a target still returns every sample a finished {@code write --json} run had acknowledged, e.g. after
 * a {@code kill -9} and a restart ({@code bench/restart.sh}). Exit code 0 on a match, 1 on a mismatch at the end of
 * {@code --await}.
 */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Check that a Prometheus API returns every sample a write run (its --json summary) acknowledged.")
final class VerifyCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec
  CommandSpec spec;

  @Option(names = "--url", defaultValue = "http://127.0.0.1:9009/prometheus",
      description = "Prometheus API base (loopback only). Default: ${DEFAULT-VALUE}.")
  String url;

  @Option(names = "--summary", required = true,
      description = "The output of `write --json`: its last JSON line is read (run_id, start_time_ms, "
          + "last_sample_time_ms, accepted_per_tenant).")
  Path summary;

  @Option(names = "--header", paramLabel = "K:V", description = "Extra request header, repeatable.")
  List<String> headers = new ArrayList<>();

  @Option(names = "--await", defaultValue = "0s", converter = TimeArgs.DurationConverter.class,
      description = "Query again every second until the counts match or this much time has passed. "
          + "Default: ${DEFAULT-VALUE} (one check).")
  Duration await;

  @Option(names = "--json", description = "Also print the result as one JSON line.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Loopback.requireLoopback(url);
    JsonNode run = lastJsonLine(summary);
    Map<String, Long> acknowledged = new LinkedHashMap<>();
    run.path("accepted_per_tenant").properties().forEach(e -> acknowledged.put(e.getKey(), e.getValue().asLong()));
    if (acknowledged.isEmpty() || !run.hasNonNull("run_id")) {
      throw new IllegalArgumentException(summary + ": no run_id or accepted_per_tenant in its last JSON line");
    }
    long last = run.path("last_sample_time_ms").isNumber() ? run.get("last_sample_time_ms").asLong() : Long.MIN_VALUE;
    AcknowledgedSamples samples = new AcknowledgedSamples(run.get("run_id").asText(),
        run.get("start_time_ms").asLong(), last, acknowledged, Loopback.headers(headers));
    long startNanos = System.nanoTime();
    long deadlineNanos = startNanos + await.toNanos();
    Map<String, Object> verification;
    int checks = 0;
    long checkNanos;
    while (true) {
      long checkStart = System.nanoTime();
      verification = samples.check(url);
      checkNanos = System.nanoTime() - checkStart;
      checks++;
      if ("match".equals(verification.get("result")) || System.nanoTime() >= deadlineNanos) {
        break;
      }
      Thread.sleep(1000);
    }
    Map<String, Object> result = new LinkedHashMap<>(verification);
    result.put("seconds_to_result", Math.round((System.nanoTime() - startNanos) / 1e7) / 100.0);
    result.put("checks", checks);
    result.put("last_check_seconds", Math.round(checkNanos / 1e7) / 100.0);
    out.printf("verification: %s after %.2fs (%d checks, the last took %.2fs) %s%n", result.get("result"),
        result.get("seconds_to_result"), checks, result.get("last_check_seconds"), result.get("tenants"));
    if (json) {
      out.println(JSON.writeValueAsString(result));
    }
    out.flush();
    return "match".equals(result.get("result")) ? 0 : 1;
  }

  private static JsonNode lastJsonLine(Path file) throws java.io.IOException {
    List<String> lines = Files.readAllLines(file);
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).startsWith("{")) {
        return JSON.readTree(lines.get(i));
      }
    }
    throw new IllegalArgumentException(file + ": no JSON line (run `write --json`)");
  }
}
