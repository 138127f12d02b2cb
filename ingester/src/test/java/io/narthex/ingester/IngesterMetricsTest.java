package io.narthex.ingester;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.head.MemSeries;
import io.narthex.tsdb.labels.Labels;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.junit.jupiter.api.Test;

class IngesterMetricsTest {
  private static double gaugeValue(PrometheusRegistry registry, String name) {
    for (MetricSnapshot snapshot : registry.scrape()) {
      if (snapshot.getMetadata().getPrometheusName().equals(name)) {
        return ((GaugeSnapshot) snapshot).getDataPoints().getFirst().getValue();
      }
    }
    throw new AssertionError("no metric " + name);
  }

  @Test
  void exportsTheNativeMemoryOfClosedHeadChunks() {
    PrometheusRegistry registry = new PrometheusRegistry();
    new IngesterMetrics(registry);
    Head head = new Head();
    MemSeries series = head.getOrCreate(Labels.of("__name__", "up"));
    for (int i = 0; i < 1_000; i++) {
      head.append(series, i * 15_000L, i);
    }

    // The gauge counts every head of the process; this one's pages are among them while it is reachable.
    assertThat(head.offHeapChunkBytes()).isPositive();
    assertThat(gaugeValue(registry, "narthex_ingester_head_chunks_off_heap_bytes"))
        .isGreaterThanOrEqualTo(head.offHeapChunkBytes());
  }
}
