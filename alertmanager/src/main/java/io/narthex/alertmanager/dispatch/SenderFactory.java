package io.narthex.alertmanager.dispatch;

import io.narthex.alertmanager.AlertmanagerConfig;
import java.util.Map;

/**
 * Builds a tenant's {@link NotificationPipeline.Sender} from its configuration: the receivers' integrations (webhook,
 * email, ...) as Alertmanager's {@code buildReceiverIntegrations}. Called when a tenant's Alertmanager starts and on
 * each reload of its configuration; the sender built replaces the previous one for flushes that start afterwards.
 *
 * <p>The sender is called outside the tenant's lock, on a virtual thread per flush and integration, and may block
 * (retries with backoff until the group interval ends); it must be thread-safe, since flushes of different groups
 * run at once.
 */
@FunctionalInterface
public interface SenderFactory {
  /**
   * @param tenant the tenant id
   * @param config the configuration the tenant runs with (its own, or the fallback)
   * @param templateFiles the tenant's stored {@code template_files}, name to text; empty for the fallback
   */
  NotificationPipeline.Sender forTenant(String tenant, AlertmanagerConfig config, Map<String, String> templateFiles);
}
