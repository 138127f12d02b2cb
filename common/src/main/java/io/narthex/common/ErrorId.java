package io.narthex.common;

import java.util.Locale;

/**
 * Every stable error id Narthex produces, as Mimir's {@code err-mimir-*} ids ({@code pkg/util/globalerror}): the
 * id users search for, the HTTP status of the answer carrying it, and the kind of answer. docs/errors.md lists
 * exactly these ids (checked by {@code ErrorIdDocTest}); an id never changes once released, since clients and
 * runbooks match on it.
 */
public enum ErrorId {
  // Write path: the push endpoint's plain-text answer, one line per rejected series.
  MISSING_METRIC_NAME("missing-metric-name", 400, Kind.WRITE),
  INVALID_METRIC_NAME("metric-name-invalid", 400, Kind.WRITE),
  INVALID_LABEL("label-invalid", 400, Kind.WRITE),
  INVALID_LABEL_VALUE("label-value-invalid", 400, Kind.WRITE),
  DUPLICATE_LABEL_NAMES("duplicate-label-names", 400, Kind.WRITE),
  LABELS_NOT_SORTED("labels-not-sorted", 400, Kind.WRITE),
  LABEL_NAME_TOO_LONG("label-name-too-long", 400, Kind.WRITE),
  LABEL_VALUE_TOO_LONG("label-value-too-long", 400, Kind.WRITE),
  MAX_LABEL_NAMES_PER_SERIES("max-label-names-per-series", 400, Kind.WRITE),
  TOO_FAR_IN_FUTURE("too-far-in-future", 400, Kind.WRITE),
  SERIES_TOO_LARGE("series-too-large", 400, Kind.WRITE),
  METADATA_MISSING_METRIC_NAME("metadata-missing-metric-name", 400, Kind.WRITE),
  METADATA_METRIC_NAME_TOO_LONG("metric-name-too-long", 400, Kind.WRITE),
  METADATA_UNIT_TOO_LONG("unit-too-long", 400, Kind.WRITE),
  NATIVE_HISTOGRAM_UNSUPPORTED("native-histograms-unsupported", 400, Kind.WRITE),
  SAMPLE_OUT_OF_ORDER("sample-out-of-order", 400, Kind.WRITE),
  SAMPLE_OUT_OF_BOUNDS("sample-out-of-bounds", 400, Kind.WRITE),
  SAMPLE_TIMESTAMP_TOO_OLD("sample-timestamp-too-old", 400, Kind.WRITE),
  SAMPLE_DUPLICATE_TIMESTAMP("sample-duplicate-timestamp", 400, Kind.WRITE),
  MAX_WRITE_MESSAGE_SIZE("distributor-max-write-message-size", 413, Kind.WRITE),
  MAX_SERIES_PER_USER("max-series-per-user", 400, Kind.WRITE),
  MAX_SERIES_PER_METRIC("max-series-per-metric", 400, Kind.WRITE),
  TENANT_MAX_INGESTION_RATE("tenant-max-ingestion-rate", 429, Kind.WRITE),
  MAX_INFLIGHT_PUSH_REQUESTS("distributor-max-inflight-push-requests", 503, Kind.WRITE),
  MAX_INFLIGHT_PUSH_REQUESTS_BYTES("distributor-max-inflight-push-requests-bytes", 503, Kind.WRITE),
  // The ruler's rules config API (a write of configuration): plain text, the id in parentheses.
  RULER_INVALID_RULE_GROUP("ruler-invalid-rule-group", 400, Kind.WRITE),
  RULER_MAX_RULES_PER_RULE_GROUP("ruler-max-rules-per-rule-group", 400, Kind.WRITE),
  RULER_MAX_RULE_GROUPS_PER_TENANT("ruler-max-rule-groups-per-tenant", 400, Kind.WRITE),
  RULER_RULE_GROUP_NOT_FOUND("ruler-rule-group-not-found", 404, Kind.WRITE),
  RULER_TENANT_FEDERATION_DISABLED("ruler-tenant-federation-disabled", 400, Kind.WRITE),
  // The Alertmanager configuration API (a write of configuration): plain text, the id in parentheses.
  ALERTMANAGER_INVALID_CONFIG("alertmanager-invalid-config", 400, Kind.WRITE),
  ALERTMANAGER_FORBIDDEN_FIELD("alertmanager-forbidden-field", 400, Kind.WRITE),
  ALERTMANAGER_INVALID_TEMPLATE_NAME("alertmanager-invalid-template-name", 400, Kind.WRITE),
  ALERTMANAGER_MAX_CONFIG_SIZE_BYTES("alertmanager-max-config-size-bytes", 400, Kind.WRITE),
  ALERTMANAGER_MAX_TEMPLATES_COUNT("alertmanager-max-templates-count", 400, Kind.WRITE),
  ALERTMANAGER_MAX_TEMPLATE_SIZE_BYTES("alertmanager-max-template-size-bytes", 400, Kind.WRITE),
  ALERTMANAGER_CONFIG_NOT_FOUND("alertmanager-config-not-found", 404, Kind.WRITE),
  // The Alertmanager API v2: Alertmanager's message as a JSON string, the id in parentheses.
  ALERTMANAGER_INVALID_ALERTS("alertmanager-invalid-alerts", 400, Kind.WRITE),
  ALERTMANAGER_INVALID_SILENCE("alertmanager-invalid-silence", 400, Kind.WRITE),
  ALERTMANAGER_SILENCE_NOT_FOUND("alertmanager-silence-not-found", 404, Kind.WRITE),
  ALERTMANAGER_MAX_SILENCES_COUNT("alertmanager-max-silences-count", 400, Kind.WRITE),
  ALERTMANAGER_MAX_SILENCE_SIZE_BYTES("alertmanager-max-silence-size-bytes", 400, Kind.WRITE),
  ALERTMANAGER_INVALID_FILTER("alertmanager-invalid-filter", 400, Kind.WRITE),
  ALERTMANAGER_STATE_ENTRY_TOO_LARGE("alertmanager-state-entry-too-large", 413, Kind.WRITE),
  ALERTMANAGER_STATE_UNAVAILABLE("alertmanager-state-unavailable", 503, Kind.WRITE),

  // Read path: Prometheus's JSON error shape.
  STORE_GATEWAY_UNAVAILABLE("store-gateway-unavailable", 500, Kind.READ),
  MAX_SERIES_PER_QUERY("max-series-per-query", 422, Kind.READ),
  MAX_CHUNKS_PER_QUERY("max-chunks-per-query", 422, Kind.READ),
  MAX_CHUNKS_BYTES_PER_QUERY("max-chunks-bytes-per-query", 422, Kind.READ),
  MAX_QUERY_EXPRESSION_SIZE_BYTES("max-query-expression-size-bytes", 400, Kind.READ),
  /** Produced by promql's parser (SelectorParser), which does not depend on common yet. */
  REGEX_TOO_LONG("regex-too-long", 400, Kind.READ),
  TENANT_FEDERATION_MAX_TENANTS("tenant-federation-max-tenants", 400, Kind.READ),
  MAX_FEDERATE_SERIES("max-federate-series", 400, Kind.READ),
  RULER_INVALID_RULES_FILTER("ruler-invalid-rules-filter", 400, Kind.READ),
  RULER_UNAVAILABLE("ruler-unavailable", 500, Kind.READ),

  // Tenant resolution, on every endpoint: plain text, or Prometheus's JSON (bad_data) on query paths.
  TENANT_HEADER_AND_BASIC_AUTH_DIFFER("tenant-header-and-basic-auth-differ", 400, Kind.TENANT),
  MALFORMED_BASIC_AUTH("malformed-basic-auth", 400, Kind.TENANT),

  // Block upload: the plain-text answer of /api/v1/upload/block/..., as Mimir's.
  BLOCK_UPLOAD_DISABLED("block-upload-disabled", 400, Kind.BLOCK_UPLOAD),
  BLOCK_UPLOAD_INVALID_BLOCK_ID("block-upload-invalid-block-id", 400, Kind.BLOCK_UPLOAD),
  BLOCK_UPLOAD_BLOCK_EXISTS("block-upload-block-exists", 409, Kind.BLOCK_UPLOAD),
  BLOCK_UPLOAD_NOT_STARTED("block-upload-not-started", 404, Kind.BLOCK_UPLOAD),
  BLOCK_UPLOAD_VALIDATION_IN_PROGRESS("block-upload-validation-in-progress", 400, Kind.BLOCK_UPLOAD),
  BLOCK_UPLOAD_TOO_MANY_VALIDATIONS("block-upload-too-many-validations", 429, Kind.BLOCK_UPLOAD),
  BLOCK_UPLOAD_INVALID_META("block-upload-invalid-meta", 400, Kind.BLOCK_UPLOAD),
  BLOCK_UPLOAD_META_TOO_LARGE("block-upload-meta-too-large", 413, Kind.BLOCK_UPLOAD),
  BLOCK_UPLOAD_TOO_FAR_IN_FUTURE("block-upload-too-far-in-future", 400, Kind.BLOCK_UPLOAD),
  BLOCK_UPLOAD_INVALID_FILE_PATH("block-upload-invalid-file-path", 400, Kind.BLOCK_UPLOAD),
  BLOCK_UPLOAD_EMPTY_FILE("block-upload-empty-file", 400, Kind.BLOCK_UPLOAD),
  BLOCK_UPLOAD_LENGTH_REQUIRED("block-upload-length-required", 411, Kind.BLOCK_UPLOAD),
  BLOCK_UPLOAD_UNEXPECTED_FILE("block-upload-unexpected-file", 400, Kind.BLOCK_UPLOAD),
  BLOCK_UPLOAD_BLOCK_TOO_LARGE("block-upload-block-too-large", 413, Kind.BLOCK_UPLOAD),
  BLOCK_UPLOAD_INVALID_BLOCK("block-upload-invalid-block", 400, Kind.BLOCK_UPLOAD),
  BLOCK_UPLOAD_MAX_LABEL_NAMES_PER_SERIES("block-upload-max-label-names-per-series", 400, Kind.BLOCK_UPLOAD),

  // The ingester ring's admin routes (/ingester/ring/join, leave, forget): plain text, the id in parentheses.
  INGESTER_RING_INVALID_REQUEST("ingester-ring-invalid-request", 400, Kind.RING),
  INGESTER_RING_CHANGE_REFUSED("ingester-ring-change-refused", 409, Kind.RING),

  // Compactor: logged at ERROR and counted, never an HTTP answer; the status says it is the server's fault.
  COMPACTOR_BLOCK_UNUSABLE("compactor-block-unusable", 500, Kind.LOG),
  COMPACTED_BLOCK_INVALID("compacted-block-invalid", 500, Kind.LOG),

  // Alertmanager receivers: in the error of a failed notification, logged and counted; no request sees it.
  ALERTMANAGER_RECEIVER_BLOCKED_ADDRESS("alertmanager-receiver-blocked-address", 403, Kind.NOTIFICATION),
  ALERTMANAGER_NOTIFICATION_RATE_LIMITED("alertmanager-notification-rate-limited", 429, Kind.NOTIFICATION);

  /** Where an id surfaces, which fixes the shape of the message carrying it. */
  public enum Kind {
    /** A push answer in plain text: the message, then the id in parentheses. */
    WRITE,
    /** A query-path answer in Prometheus's JSON error shape, the id inside {@code error}. */
    READ,
    /**
     * The answer of any endpoint to a request whose tenant cannot be told: plain text ending in the id, or
     * Prometheus's JSON error shape on query paths.
     */
    TENANT,
    /** A block upload answer in plain text: the message, then the id in parentheses. */
    BLOCK_UPLOAD,
    /** An ingester ring admin route's plain-text answer: the message, then the id in parentheses. */
    RING,
    /** A log line at ERROR, starting with the id; no request sees it. */
    LOG,
    /**
     * The error of a notification the Alertmanager could not send, ending in the id: logged and counted in
     * {@code cortex_alertmanager_notifications_failed_total}; the status says whose fault it is.
     */
    NOTIFICATION
  }

  private static final String PREFIX = "err-narthex-";

  private final String id;
  private final int httpStatus;
  private final Kind kind;

  ErrorId(String suffix, int httpStatus, Kind kind) {
    this.id = PREFIX + suffix;
    this.httpStatus = httpStatus;
    this.kind = kind;
  }

  /** The stable id, {@code err-narthex-...}. */
  public String id() {
    return id;
  }

  /** The HTTP status of the answer carrying the id: 4xx for a client fault, 5xx for a server fault. */
  public int httpStatus() {
    return httpStatus;
  }

  public Kind kind() {
    return kind;
  }

  /** Whether the client must change its request (a 4xx), rather than retry or wait for an operator (a 5xx). */
  public boolean clientFault() {
    return httpStatus >= 400 && httpStatus < 500;
  }

  /** {@code detail} with the id appended in parentheses, as Mimir writes its errors: {@code "... (err-narthex-x)"}. */
  public String withId(String detail) {
    return detail + " (" + id + ")";
  }

  /** {@link String#format} of the template in the root locale, with the id appended as {@link #withId} does. */
  public String format(String template, Object... args) {
    return withId(String.format(Locale.ROOT, template, args));
  }
}
