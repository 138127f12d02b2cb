package io.narthex.distributor;

import java.util.Locale;

/** Stable ids of write-path errors, documented in docs/errors.md. */
enum ValidationError {
  MISSING_METRIC_NAME("err-narthex-missing-metric-name"),
  INVALID_METRIC_NAME("err-narthex-metric-name-invalid"),
  INVALID_LABEL("err-narthex-label-invalid"),
  INVALID_LABEL_VALUE("err-narthex-label-value-invalid"),
  DUPLICATE_LABEL_NAMES("err-narthex-duplicate-label-names"),
  LABELS_NOT_SORTED("err-narthex-labels-not-sorted"),
  LABEL_NAME_TOO_LONG("err-narthex-label-name-too-long"),
  LABEL_VALUE_TOO_LONG("err-narthex-label-value-too-long"),
  MAX_LABEL_NAMES_PER_SERIES("err-narthex-max-label-names-per-series"),
  TOO_FAR_IN_FUTURE("err-narthex-too-far-in-future"),
  NATIVE_HISTOGRAM_UNSUPPORTED("err-narthex-native-histograms-unsupported"),
  SAMPLE_OUT_OF_ORDER("err-narthex-sample-out-of-order"),
  SAMPLE_DUPLICATE_TIMESTAMP("err-narthex-sample-duplicate-timestamp"),
  SAMPLE_OUT_OF_BOUNDS("err-narthex-sample-out-of-bounds"),
  SAMPLE_TIMESTAMP_TOO_OLD("err-narthex-sample-timestamp-too-old"),
  MAX_WRITE_MESSAGE_SIZE("err-narthex-distributor-max-write-message-size"),
  SERIES_TOO_LARGE("err-narthex-series-too-large"),
  MAX_INFLIGHT_PUSH_REQUESTS("err-narthex-distributor-max-inflight-push-requests"),
  MAX_INFLIGHT_PUSH_REQUESTS_BYTES("err-narthex-distributor-max-inflight-push-requests-bytes"),
  TENANT_MAX_INGESTION_RATE("err-narthex-tenant-max-ingestion-rate"),
  MAX_SERIES_PER_USER("err-narthex-max-series-per-user"),
  MAX_SERIES_PER_METRIC("err-narthex-max-series-per-metric");

  private final String id;

  ValidationError(String id) {
    this.id = id;
  }

  String id() {
    return id;
  }

  /** The message with its id appended in parentheses, as Mimir writes them. */
  String format(String template, Object... args) {
    return String.format(Locale.ROOT, template, args) + " (" + id + ")";
  }
}
