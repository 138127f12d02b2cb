package io.narthex.distributor;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InactiveTenantsTest {
  private static final long MINUTE_NANOS = 60_000_000_000L;

  @Test
  void forgetsTenantsIdleLongerThanTheLimitAndKeepsTheOthers() {
    AtomicLong nowNanos = new AtomicLong();
    List<String> forgotten = new ArrayList<>();
    InactiveTenants tenants = new InactiveTenants(nowNanos::get, Duration.ofHours(1), forgotten::add);
    for (int i = 0; i < 1000; i++) {
      tenants.seen("sprayed-" + i);
    }
    tenants.seen("steady");

    for (int minute = 1; minute <= 60; minute++) {
      nowNanos.set(minute * MINUTE_NANOS);
      tenants.seen("steady");
    }
    assertThat(forgotten).isEmpty(); // an hour idle exactly is not yet too long
    nowNanos.addAndGet(MINUTE_NANOS);
    tenants.seen("steady");

    assertThat(forgotten).hasSize(1000).allMatch(tenant -> tenant.startsWith("sprayed-"));
    assertThat(tenants.tracked()).isEqualTo(1);
  }

  @Test
  void forgettingATenantRemovesItsMetricSeries() {
    PrometheusRegistry registry = new PrometheusRegistry();
    DistributorMetrics metrics = new DistributorMetrics(registry);
    metrics.receivedSamples.labelValues("gone-tenant").inc(5);
    assertThat(exposition(registry)).contains("gone-tenant");

    metrics.forgetTenant("gone-tenant");

    assertThat(exposition(registry)).doesNotContain("gone-tenant");
  }

  private static String exposition(PrometheusRegistry registry) {
    StringBuilder out = new StringBuilder();
    registry.scrape().forEach(snapshot -> snapshot.getDataPoints()
        .forEach(point -> out.append(point.getLabels()).append('\n')));
    return out.toString();
  }
}
