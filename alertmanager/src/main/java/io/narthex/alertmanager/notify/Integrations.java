package io.narthex.alertmanager.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.narthex.alertmanager.AlertmanagerConfig;
import io.narthex.alertmanager.dispatch.Alert;
import io.narthex.alertmanager.dispatch.NotificationLog;
import io.narthex.alertmanager.dispatch.NotificationPipeline;
import io.narthex.alertmanager.dispatch.NotificationRequest;
import io.narthex.alertmanager.dispatch.SenderFactory;
import io.narthex.template.TemplateException;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receivers' integrations, as Alertmanager's {@code buildReceiverIntegrations}: for each tenant's configuration a
 * {@link NotificationPipeline.Sender} that sends each notification through the integration the pipeline names
 * (webhook, email, slack, pagerduty, msteams; {@link IntegrationSender} adds retries, the rate limit and the
 * metrics), rendering texts with the tenant's templates. Integrations of other kinds (opsgenie, wechat, ...) are not
 * built: their notifications fail, counted and logged. Resolved alerts are left out for integrations without
 * {@code send_resolved}, and a notification of only resolved alerts then succeeds without sending, as Alertmanager's
 * RetryStage does.
 */
public final class Integrations implements SenderFactory {
  private static final Logger log = LoggerFactory.getLogger(Integrations.class);
  /** Alertmanager's {@code notify.MinTimeout}: a notification gets at least this long, however short its interval. */
  static final Duration MIN_TIMEOUT = Duration.ofSeconds(10);

  /**
   * @param externalUrl the Alertmanager's URL, {@code .ExternalURL} in templates
   *     ({@code -alertmanager.web.external-url})
   * @param limits a tenant's current limits on its receivers
   */
  public record Settings(String externalUrl, Function<String, NotifyLimits> limits) {}

  private final Settings settings;
  private final NotifyMetrics metrics;
  private final RetryClock clock;

  /** @throws IllegalStateException when {@code registry} holds the notification metrics already */
  public Integrations(Settings settings, PrometheusRegistry registry) {
    this(settings, new NotifyMetrics(registry), RetryClock.SYSTEM);
  }

  Integrations(Settings settings, NotifyMetrics metrics, RetryClock clock) {
    this.settings = settings;
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  public NotificationPipeline.Sender forTenant(String tenant, AlertmanagerConfig config,
      Map<String, String> templateFiles) {
    NotificationTemplates templates;
    try {
      templates = NotificationTemplates.forTenant(tenant, templateFiles);
    } catch (TemplateException e) {
      // The config API refuses such files: only a file stored by other means gets here.
      log.error("tenant's notification templates do not parse, using the defaults user={} err=\"{}\"", tenant,
          e.getMessage());
      try {
        templates = NotificationTemplates.forTenant(tenant, Map.of());
      } catch (TemplateException impossible) {
        throw new IllegalStateException(impossible);
      }
    }
    JsonNode global = config.global() == null ? JsonNodeFactory.instance.objectNode() : config.global();
    Map<NotificationLog.Receiver, IntegrationSender> senders = new HashMap<>();
    for (AlertmanagerConfig.Receiver receiver : config.receivers()) {
      Map<String, Integer> perKind = new HashMap<>();
      for (AlertmanagerConfig.Integration integration : receiver.integrations()) {
        int index = perKind.merge(integration.kind(), 1, Integer::sum) - 1;
        Notifier notifier = notifier(tenant, integration, global);
        if (notifier == null) {
          continue;
        }
        String kind = integration.kind();
        senders.put(new NotificationLog.Receiver(receiver.name(), kind, index),
            new IntegrationSender(tenant, receiver.name() + "/" + kind + "[" + index + "]", kind, notifier,
                () -> settings.limits().apply(tenant).rate(kind), metrics, clock));
      }
    }
    NotificationTemplates tenantTemplates = templates;
    return notification -> send(tenant, senders, tenantTemplates, notification);
  }

  private boolean send(String tenant, Map<NotificationLog.Receiver, IntegrationSender> senders,
      NotificationTemplates templates, NotificationPipeline.Notification notification) {
    NotificationLog.Receiver id = notification.integration().receiver();
    IntegrationSender sender = senders.get(id);
    if (sender == null) {
      metrics.notifications.labelValues(tenant, id.integration()).inc();
      metrics.notificationsFailed.labelValues(tenant, id.integration(), NotifyException.Reason.OTHER.label).inc();
      log.warn("integration not supported, notification dropped user={} integration={}", tenant, id);
      return false;
    }
    NotificationRequest request = notification.request();
    List<Alert> alerts = notification.alerts();
    if (!notification.integration().sendResolved()) {
      alerts = alerts.stream().filter(a -> !a.resolvedAt(request.now())).toList();
      if (alerts.isEmpty()) {
        return true;
      }
    }
    Message message = new Message(tenant, request.receiver(), request.groupKey(), request.groupLabels(), alerts,
        request.now(), settings.externalUrl(), templates);
    Duration timeout = request.groupInterval().compareTo(MIN_TIMEOUT) < 0 ? MIN_TIMEOUT : request.groupInterval();
    return sender.send(message, timeout);
  }

  private Notifier notifier(String tenant, AlertmanagerConfig.Integration integration, JsonNode global) {
    JsonNode config = integration.config() == null ? JsonNodeFactory.instance.objectNode() : integration.config();
    JsonNode httpConfig = config.has("http_config") ? config.get("http_config") : global.get("http_config");
    HttpTransport http = new HttpTransport(httpConfig, () -> settings.limits().apply(tenant).firewall());
    return switch (integration.kind()) {
      case "webhook" -> new WebhookNotifier(config, http);
      case "slack" -> new SlackNotifier(config, global, http);
      case "pagerduty" -> new PagerDutyNotifier(config, global, http);
      case "msteams" -> new MsTeamsNotifier(config, http);
      case "email" -> new EmailNotifier(config, global, () -> settings.limits().apply(tenant).firewall());
      default -> null;
    };
  }
}
