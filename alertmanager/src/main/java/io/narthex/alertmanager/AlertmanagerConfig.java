package io.narthex.alertmanager;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * A tenant's Alertmanager configuration file, parsed and valid as Alertmanager's {@code config.Load} (0.25, plus the
 * newer {@code msteams_configs}, webhook {@code timeout} and inhibition rule {@code name}), with the text it was read
 * from kept as written. Durations left unset are null, so that child routes inherit them.
 *
 * @param raw the YAML text, unchanged
 * @param global the {@code global} block as written (empty when absent)
 * @param resolveTimeout {@code global.resolve_timeout}, 5m by default
 */
public record AlertmanagerConfig(
    String raw,
    JsonNode global,
    Duration resolveTimeout,
    Route route,
    List<Receiver> receivers,
    List<InhibitRule> inhibitRules,
    Map<String, List<TimeInterval>> timeIntervals,
    List<String> templates) {

  /** The default of {@code global.resolve_timeout}. */
  public static final Duration DEFAULT_RESOLVE_TIMEOUT = Duration.ofMinutes(5);

  /**
   * Mimir's built-in fallback configuration (its {@code ComputeFallbackConfig} without a file): one receiver,
   * {@code empty-receiver}, that notifies nobody, and a root route to it.
   */
  public static final String DEFAULT_FALLBACK = """
      route:
        receiver: empty-receiver
      receivers:
        - name: empty-receiver
      """;

  /**
   * Parses and validates a configuration file.
   *
   * @throws InvalidConfigException naming the first error and where it is
   */
  public static AlertmanagerConfig parse(String yaml) {
    return new ConfigParser().parse(yaml);
  }

  /**
   * A node of the routing tree.
   *
   * @param receiver null to inherit the parent's
   * @param groupBy null to inherit; {@code groupByAll} for {@code ['...']}
   * @param matchers {@code matchers} with {@code match} and {@code match_re} converted
   */
  public record Route(
      String receiver,
      List<String> groupBy,
      boolean groupByAll,
      List<Matcher> matchers,
      boolean continueMatching,
      Duration groupWait,
      Duration groupInterval,
      Duration repeatInterval,
      List<String> muteTimeIntervals,
      List<String> activeTimeIntervals,
      List<Route> routes) {}

  /** A receiver and its integrations, each the kind ({@code webhook}, {@code email}, ...) and its config as written. */
  public record Receiver(String name, List<Integration> integrations) {}

  /** One notification integration of a receiver. */
  public record Integration(String kind, JsonNode config) {}

  /** An inhibition rule, {@code source_match*} and {@code target_match*} converted to matchers. */
  public record InhibitRule(String name, List<Matcher> sourceMatchers, List<Matcher> targetMatchers,
      List<String> equal) {}

  /**
   * One entry of a named time interval; an empty list means any. Ranges are inclusive: times in minutes of the day
   * (end exclusive), weekdays 0 (Sunday) to 6, days of month 1 to 31 or -31 to -1, months 1 to 12, years.
   */
  public record TimeInterval(List<Range> timesMinutes, List<Range> weekdays, List<Range> daysOfMonth,
      List<Range> months, List<Range> years, ZoneId location) {}

  /** An inclusive range of integers. */
  public record Range(int begin, int end) {}
}
