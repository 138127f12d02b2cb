package io.narthex.promql;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.promql.promqltest.FakeStorage;
import io.narthex.tsdb.labels.Labels;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Prometheus's "metric might not be a counter" info for rate() and increase() (promql/engine.go). */
class CounterInfoTest {
  private static final String INFO =
      "PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ";

  private final FakeStorage storage = new FakeStorage();
  private final Engine engine = new Engine(EngineOptions.defaults());

  private void counter(String name, String... labels) {
    String[] pairs = new String[labels.length + 2];
    pairs[0] = "__name__";
    pairs[1] = name;
    System.arraycopy(labels, 0, pairs, 2, labels.length);
    Labels l = Labels.of(pairs);
    for (int i = 0; i <= 10; i++) {
      storage.add(l, i * 15_000L, i * 10);
    }
  }

  @BeforeEach
  void load() {
    counter("http_requests", "job", "a");
    counter("http_requests", "job", "b");
    counter("http_requests_total");
    counter("rpc_duration_seconds_sum");
    counter("rpc_duration_seconds_count");
    counter("rpc_duration_seconds_bucket", "le", "1");
    storage.add(Labels.of("__name__", "lonely"), 150_000, 1);
  }

  @Test
  void rateOfANonCounterNameGivesOneInfoAtTheSelector() {
    QueryResult r = engine.instantQuery(storage, "rate(http_requests[1m])", 150_000);
    assertThat(((Vector) r.value()).samples()).hasSize(2);
    assertThat(r.infos()).containsExactly(INFO + "\"http_requests\" (1:6)");
    assertThat(r.warnings()).isEmpty();
  }

  @Test
  void increaseGivesTheInfoToo() {
    assertThat(engine.instantQuery(storage, "sum(increase(http_requests{job=\"a\"}[1m]))", 150_000).infos())
        .containsExactly(INFO + "\"http_requests\" (1:14)");
  }

  @Test
  void positionIsTheSelectorsWithParenthesesRemovedAndLinesCounted() {
    assertThat(engine.instantQuery(storage, "rate(\n  (http_requests[1m]))", 150_000).infos())
        .containsExactly(INFO + "\"http_requests\" (2:4)");
  }

  @Test
  void subqueryArgumentHasNoPositionOfItsOwn() {
    // Prometheus replaces a subquery argument by a matrix selector without position: the info points at 1:1.
    assertThat(engine.instantQuery(storage, "rate(http_requests[1m:15s])", 150_000).infos())
        .containsExactly(INFO + "\"http_requests\" (1:1)");
  }

  @Test
  void rangeQueriesGiveTheInfoOnce() {
    assertThat(engine.rangeQuery(storage, "rate(http_requests[1m])", 60_000, 150_000, 15_000).infos())
        .containsExactly(INFO + "\"http_requests\" (1:6)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"http_requests_total", "rpc_duration_seconds_sum", "rpc_duration_seconds_count",
      "rpc_duration_seconds_bucket"})
  void counterSuffixesGiveNoInfo(String name) {
    QueryResult r = engine.instantQuery(storage, "rate(" + name + "[1m])", 150_000);
    assertThat(((Vector) r.value()).samples()).isNotEmpty();
    assertThat(r.infos()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"irate(http_requests[1m])", "delta(http_requests[1m])", "deriv(http_requests[1m])",
      "max_over_time(http_requests[1m])", "resets(http_requests[1m])", "rate(lonely[1m])"})
  void otherFunctionsAndEmptyResultsGiveNoInfo(String query) {
    // Prometheus checks only rate() and increase(), and only series that produced a value.
    assertThat(engine.instantQuery(storage, query, 150_000).infos()).isEmpty();
  }

  @Test
  void quotesNamesLikeGo() {
    assertThat(Annotations.quote("a\"b\\c\n")).isEqualTo("\"a\\\"b\\\\c\\n\"");
    assertThat(Annotations.quote("é")).isEqualTo("\"é\"");
  }
}
