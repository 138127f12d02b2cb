package io.narthex.ruler.alert;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.narthex.tsdb.labels.Labels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one tenant's alerts to Alertmanager, as Prometheus's {@code notifier.Manager} and Mimir's per-tenant notifier:
 * a bounded queue (when full, the oldest alerts are dropped and counted), drained by one sender thread in batches of at
 * most {@link #MAX_BATCH_SIZE}, each batch posted to every Alertmanager at once as API v2 JSON with
 * {@code X-Scope-OrgID: <tenant>}. Any 2xx is success; a batch that no Alertmanager took is counted as dropped, and
 * the rule's next resend (after {@code -ruler.resend-delay}) carries its alerts again.
 */
public final class Notifier implements AutoCloseable {
  /** Prometheus's {@code --alertmanager.notification-batch-size} default; Mimir does not change it. */
  public static final int MAX_BATCH_SIZE = 256;
  private static final Logger log = LoggerFactory.getLogger(Notifier.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One alert as Alertmanager's API v2 takes it ({@code postableAlert}).
   *
   * @param startsAtMs when it fired, Unix milliseconds
   * @param endsAtMs when it was resolved, or until when it stays valid without being sent again, Unix milliseconds
   */
  public record PostableAlert(Labels labels, Labels annotations, long startsAtMs, long endsAtMs, String generatorUrl) {}

  private final String tenant;
  private final List<AlertmanagerUrls.Target> alertmanagers;
  private final int queueCapacity;
  private final Duration timeout;
  private final Map<String, String> externalLabels;
  private final NotifierMetrics metrics;
  private final HttpClient http;
  private final ArrayDeque<PostableAlert> queue = new ArrayDeque<>();
  private final Thread sender;
  private boolean closed;

  /**
   * Starts the tenant's sender thread.
   *
   * @param queueCapacity {@code -ruler.notification-queue-capacity}, at least 1
   * @param timeout {@code -ruler.notification-timeout}, per request
   * @param externalLabels added to each alert that lacks the label, as Prometheus's notifier does
   * @param http shared by every tenant's notifier (a client holds a selector thread); not closed here
   */
  public Notifier(String tenant, List<AlertmanagerUrls.Target> alertmanagers, int queueCapacity, Duration timeout,
      Map<String, String> externalLabels, NotifierMetrics metrics, HttpClient http) {
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("-ruler.notification-queue-capacity must be at least 1, got " + queueCapacity);
    }
    this.tenant = tenant;
    this.alertmanagers = List.copyOf(alertmanagers);
    this.queueCapacity = queueCapacity;
    this.timeout = timeout;
    this.externalLabels = Map.copyOf(externalLabels);
    this.metrics = metrics;
    this.http = http;
    metrics.queueCapacity.labelValues(tenant).set(queueCapacity);
    metrics.queueLength.labelValues(tenant).set(0);
    sender = Thread.ofVirtual().name("ruler-notifier-" + tenant).start(this::run);
  }

  /**
   * Queues alerts. When the queue would overflow, the oldest alerts are dropped in favour of these, and counted in
   * {@code cortex_prometheus_notifications_dropped_total}.
   */
  public void send(List<PostableAlert> alerts) {
    if (alerts.isEmpty()) {
      return;
    }
    List<PostableAlert> labelled = new ArrayList<>(alerts.size());
    for (PostableAlert alert : alerts) {
      labelled.add(withExternalLabels(alert));
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      int fromNew = labelled.size() - queueCapacity;
      if (fromNew > 0) {
        labelled = labelled.subList(fromNew, labelled.size());
        metrics.dropped.labelValues(tenant).inc(fromNew);
        log.warn("alert batch larger than queue capacity, dropping alerts user={} num_dropped={}", tenant, fromNew);
      }
      int fromQueue = queue.size() + labelled.size() - queueCapacity;
      if (fromQueue > 0) {
        for (int i = 0; i < fromQueue; i++) {
          queue.removeFirst();
        }
        metrics.dropped.labelValues(tenant).inc(fromQueue);
        log.warn("alert notification queue full, dropping alerts user={} num_dropped={}", tenant, fromQueue);
      }
      queue.addAll(labelled);
      metrics.queueLength.labelValues(tenant).set(queue.size());
      notifyAll();
    }
  }

  /** Alerts waiting to be sent. */
  public synchronized int queueLength() {
    return queue.size();
  }

  private PostableAlert withExternalLabels(PostableAlert alert) {
    if (externalLabels.isEmpty()) {
      return alert;
    }
    Labels.Builder builder = alert.labels().toBuilder();
    externalLabels.forEach((name, value) -> {
      if (!builder.has(name)) {
        builder.set(name, value);
      }
    });
    return new PostableAlert(builder.build(), alert.annotations(), alert.startsAtMs(), alert.endsAtMs(),
        alert.generatorUrl());
  }

  private void run() {
    while (true) {
      List<PostableAlert> batch;
      synchronized (this) {
        while (queue.isEmpty() && !closed) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        int size = Math.min(MAX_BATCH_SIZE, queue.size());
        batch = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
          batch.add(queue.removeFirst());
        }
        metrics.queueLength.labelValues(tenant).set(queue.size());
      }
      if (!sendAll(batch)) {
        metrics.dropped.labelValues(tenant).inc(batch.size());
      }
    }
  }

  /** Posts one batch to every Alertmanager at once; true when at least one took it (Prometheus's {@code sendAll}). */
  private boolean sendAll(List<PostableAlert> batch) {
    if (alertmanagers.isEmpty()) {
      return true;
    }
    byte[] body = encode(batch);
    List<CompletableFuture<Boolean>> sends = new ArrayList<>(alertmanagers.size());
    for (AlertmanagerUrls.Target target : alertmanagers) {
      HttpRequest.Builder request = HttpRequest.newBuilder(target.alertsUri())
          .timeout(timeout)
          .header("Content-Type", "application/json")
          .header("User-Agent", "narthex-ruler")
          .header("X-Scope-OrgID", tenant)
          .POST(HttpRequest.BodyPublishers.ofByteArray(body));
      if (!target.authorization().isEmpty()) {
        request.header("Authorization", target.authorization());
      }
      sends.add(http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
          .handle((response, failure) -> {
            metrics.sent.labelValues(tenant, target.display()).inc(batch.size());
            String error = failure != null ? failure.toString()
                : response.statusCode() / 100 != 2 ? "bad response status " + response.statusCode() + ": "
                    + abbreviate(response.body()) : null;
            if (error == null) {
              return true;
            }
            metrics.errors.labelValues(tenant, target.display()).inc(batch.size());
            log.error("error sending alerts user={} alertmanager={} count={} err=\"{}\"", tenant, target.display(),
                batch.size(), error);
            return false;
          }));
    }
    boolean anySucceeded = false;
    for (CompletableFuture<Boolean> send : sends) {
      anySucceeded |= send.join();
    }
    return anySucceeded;
  }

  private static String abbreviate(String body) {
    return body.length() <= 256 ? body : body.substring(0, 256) + "...";
  }

  /** The API v2 body: a JSON array of {@code postableAlert}, times in RFC 3339 with milliseconds, UTC. */
  static byte[] encode(List<PostableAlert> alerts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator json = JSON.getFactory().createGenerator(out)) {
      json.writeStartArray();
      for (PostableAlert alert : alerts) {
        json.writeStartObject();
        writeLabels(json, "labels", alert.labels());
        writeLabels(json, "annotations", alert.annotations());
        json.writeStringField("startsAt", rfc3339(alert.startsAtMs()));
        json.writeStringField("endsAt", rfc3339(alert.endsAtMs()));
        json.writeStringField("generatorURL", alert.generatorUrl());
        json.writeEndObject();
      }
      json.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void writeLabels(JsonGenerator json, String field, Labels labels) throws IOException {
    json.writeObjectFieldStart(field);
    for (int i = 0; i < labels.size(); i++) {
      json.writeStringField(labels.name(i), labels.value(i));
    }
    json.writeEndObject();
  }

  /** Go's {@code strfmt.DateTime} form, as Prometheus's notifier writes it: {@code 2006-01-02T15:04:05.000Z}. */
  static String rfc3339(long epochMs) {
    String text = Instant.ofEpochMilli(epochMs).toString();
    // Instant.toString leaves out a zero fraction; Alertmanager parses either, the fixed width is easier to read.
    return text.indexOf('.') < 0 ? text.substring(0, text.length() - 1) + ".000Z" : text;
  }

  /** Stops the sender; queued alerts are dropped. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      queue.clear();
      notifyAll();
    }
    try {
      sender.join(timeout.toMillis() + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    metrics.forget(tenant, alertmanagers);
  }
}
