package io.narthex.app;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The querier and its PromQL engine (Mimir's {@code querier} block). A mixin of {@link NarthexOptions}, reached as
 * {@code options.querier}: each option's flag, YAML path ({@code descriptionKey}), default and help are declared here
 * once, and the CLI, {@code --config.file} and docs/configuration.md are all generated from it.
 */
public final class QuerierOptions {
  @Option(names = {"--querier.timeout", "-querier.timeout"}, descriptionKey = "querier.timeout",
      defaultValue = "2m", converter = DurationConverter.class,
      description = "longest a query may run, counted from its arrival (queueing and parsing included); a request's "
          + "`timeout` parameter can only shorten it; past it the answer is 503 with errorType `timeout`")
  public Duration queryTimeout = Duration.ofMinutes(2);

  @Option(names = {"--querier.max-samples", "-querier.max-samples"}, descriptionKey = "querier.max_samples",
      defaultValue = "50000000",
      description = "most samples a query may hold at once")
  public int maxSamples = 50_000_000;

  @Option(names = {"--querier.max-concurrent", "-querier.max-concurrent"}, descriptionKey = "querier.max_concurrent",
      defaultValue = "20",
      description = "most queries (query, query_range, series, labels, label values) a querier runs at once; the "
          + "others wait until their timeout (the smaller of `querier.timeout` and the request's `timeout` "
          + "parameter), then get 503 with errorType `timeout`; `0` = unlimited")
  public int maxConcurrentQueries = 20;

  @Option(names = {"--querier.lookback-delta", "-querier.lookback-delta"},
      descriptionKey = "querier.lookback_delta", defaultValue = "5m", converter = DurationConverter.class,
      description = "how far back an instant selector looks")
  public Duration lookbackDelta = Duration.ofMinutes(5);

  @Option(names = {"--querier.default-evaluation-interval", "-querier.default-evaluation-interval"},
      descriptionKey = "querier.default_evaluation_interval", defaultValue = "1m", converter = DurationConverter.class,
      description = "step of a subquery written without one (`rate(x[5m:])`), as Prometheus's global "
          + "`evaluation_interval`; at least 1ms. Mimir's flag")
  public Duration defaultEvaluationInterval = Duration.ofMinutes(1);

  @Option(names = {"--querier.max-federate-series", "-querier.max-federate-series"},
      descriptionKey = "querier.max_federate_series", defaultValue = "1000000",
      description = "most series one `/federate` request may match over its `match[]` selectors; more gets 400 "
          + "`err-narthex-max-federate-series`; `0` = unlimited. Mimir has no /federate: the default is "
          + "VictoriaMetrics' `-search.maxFederateSeries`")
  public int maxFederateSeries = 1_000_000;

  @Option(names = {"--querier.query-ingesters-within", "-querier.query-ingesters-within"},
      descriptionKey = "querier.query_ingesters_within", defaultValue = "0s", converter = DurationConverter.class,
      description = "ask ingesters only for data newer than this; `0` (the default; Mimir's is 13h) asks them for "
          + "any range, since Narthex ingesters accept samples of any age until their range is shipped")
  public Duration queryIngestersWithin = Duration.ZERO;

  @Option(names = {"--querier.query-store-after", "-querier.query-store-after"},
      descriptionKey = "querier.query_store_after", defaultValue = "12h", converter = DurationConverter.class,
      description = "ask store-gateways only for data older than this; `0` asks them for any range; keep it below "
          + "`query-ingesters-within`")
  public Duration queryStoreAfter = Duration.ofHours(12);
}
