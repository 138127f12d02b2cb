package io.narthex.tsdb.labels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LabelsTest {
  @Test
  void sortsByNameAndDropsEmptyValues() {
    Labels labels = Labels.of("job", "api", "__name__", "up", "empty", "");
    assertThat(labels.size()).isEqualTo(2);
    assertThat(labels.name(0)).isEqualTo("__name__");
    assertThat(labels.metricName()).isEqualTo("up");
    assertThat(labels.get("empty")).isEmpty();
    assertThat(labels.has("empty")).isFalse();
    assertThat(labels.toString()).isEqualTo("{__name__=\"up\", job=\"api\"}");
  }

  @Test
  void equalSetsHashAndCompareEqualRegardlessOfInputOrder() {
    Labels a = Labels.of("a", "1", "b", "2");
    Labels b = Labels.of("b", "2", "a", "1");
    assertThat(a).isEqualTo(b);
    assertThat(a.hash()).isEqualTo(b.hash());
    assertThat(a.compareTo(b)).isZero();
  }

  @Test
  void separatorKeepsShiftedBoundariesApart() {
    assertThat(Labels.of("a", "bc").hash()).isNotEqualTo(Labels.of("ab", "c").hash());
  }

  @Test
  void ordersPairByPairThenBySize() {
    assertThat(Labels.of("a", "1").compareTo(Labels.of("a", "2"))).isNegative();
    assertThat(Labels.of("a", "1").compareTo(Labels.of("a", "1", "b", "1"))).isNegative();
    assertThat(Labels.of("b", "1").compareTo(Labels.of("a", "1", "b", "1"))).isPositive();
  }

  @Test
  void rejectsOddArgumentsAndDuplicateNames() {
    assertThatThrownBy(() -> Labels.of("a")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Labels.of("a", "1", "a", "2")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void withoutAndKeepSelectNames() {
    Labels labels = Labels.of("__name__", "up", "job", "api", "instance", "x");
    assertThat(labels.withoutMetricName()).isEqualTo(Labels.of("job", "api", "instance", "x"));
    assertThat(labels.keep(java.util.List.of("job"))).isEqualTo(Labels.of("job", "api"));
    assertThat(labels.without(java.util.List.of("job", "instance"))).isEqualTo(Labels.of("__name__", "up"));
  }

  @Test
  void escapesQuotesBackslashesAndNewlinesInText() {
    assertThat(Labels.of("a", "x\"y\\z\n").toString()).isEqualTo("{a=\"x\\\"y\\\\z\\n\"}");
  }
}
