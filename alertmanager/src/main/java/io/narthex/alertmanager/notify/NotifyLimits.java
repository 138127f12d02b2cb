package io.narthex.alertmanager.notify;

import java.util.Map;

/**
 * A tenant's limits on its receivers, Mimir's per-tenant {@code alertmanager_notification_rate_limit},
 * {@code alertmanager_notification_rate_limit_per_integration} and {@code alertmanager_receivers_firewall_block_*}.
 *
 * @param rateLimit notifications per second of each integration, 0 for no limit
 * @param rateLimitPerIntegration by integration kind ({@code webhook}, {@code email}, ...), replacing
 *     {@code rateLimit} for that kind; 0 for no limit
 */
public record NotifyLimits(double rateLimit, Map<String, Double> rateLimitPerIntegration, Firewall firewall) {
  /** No limit and no blocked address: Mimir's defaults. */
  public static final NotifyLimits NONE = new NotifyLimits(0, Map.of(), Firewall.NONE);

  public NotifyLimits {
    rateLimitPerIntegration = Map.copyOf(rateLimitPerIntegration);
  }

  /**
   * Mimir's {@code NotificationRateLimit(user, integration)}: the integration's own rate, else the tenant's;
   * {@link Double#POSITIVE_INFINITY} for none.
   */
  double rate(String integration) {
    double rate = rateLimitPerIntegration.getOrDefault(integration, rateLimit);
    return rate == 0 ? Double.POSITIVE_INFINITY : Math.max(0, rate);
  }

  /**
   * Mimir's {@code NotificationBurstSize}: as many notifications as the rate allows in one second, at least one.
   */
  static int burst(double rate) {
    if (rate >= Integer.MAX_VALUE) {
      return Integer.MAX_VALUE;
    }
    return rate < 1 ? 1 : (int) rate;
  }
}
