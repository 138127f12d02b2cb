package io.narthex.blocks;

import java.util.Locale;

/**
 * A block upload request the client must fix: the message names what was wrong and ends with the stable error
 * id in parentheses, as our write-path errors do; {@link #httpStatus()} is the answer's status.
 */
public final class BlockUploadException extends Exception {
  /** Why a request was rejected: the stable error id, the HTTP status, and the metrics' reason label. */
  public enum Reason {
    DISABLED("err-narthex-block-upload-disabled", 400, "disabled"),
    INVALID_BLOCK_ID("err-narthex-block-upload-invalid-block-id", 400, "invalid_block_id"),
    BLOCK_EXISTS("err-narthex-block-upload-block-exists", 409, "block_exists"),
    NOT_STARTED("err-narthex-block-upload-not-started", 404, "not_started"),
    VALIDATION_IN_PROGRESS("err-narthex-block-upload-validation-in-progress", 400, "validation_in_progress"),
    TOO_MANY_VALIDATIONS("err-narthex-block-upload-too-many-validations", 429, "too_many_validations"),
    INVALID_META("err-narthex-block-upload-invalid-meta", 400, "invalid_meta"),
    META_TOO_LARGE("err-narthex-block-upload-meta-too-large", 413, "meta_too_large"),
    TOO_FAR_IN_FUTURE("err-narthex-block-upload-too-far-in-future", 400, "too_far_in_future"),
    INVALID_FILE_PATH("err-narthex-block-upload-invalid-file-path", 400, "invalid_file_path"),
    EMPTY_FILE("err-narthex-block-upload-empty-file", 400, "empty_file"),
    LENGTH_REQUIRED("err-narthex-block-upload-length-required", 411, "length_required"),
    UNEXPECTED_FILE("err-narthex-block-upload-unexpected-file", 400, "unexpected_file"),
    BLOCK_TOO_LARGE("err-narthex-block-upload-block-too-large", 413, "block_too_large"),
    INVALID_BLOCK("err-narthex-block-upload-invalid-block", 400, "invalid_block"),
    MAX_LABEL_NAMES_PER_SERIES("err-narthex-block-upload-max-label-names-per-series", 400,
        "max_label_names_per_series");

    private final String id;
    private final int httpStatus;
    private final String metricLabel;

    Reason(String id, int httpStatus, String metricLabel) {
      this.id = id;
      this.httpStatus = httpStatus;
      this.metricLabel = metricLabel;
    }

    public String id() {
      return id;
    }

    public int httpStatus() {
      return httpStatus;
    }

    public String metricLabel() {
      return metricLabel;
    }
  }

  private final Reason reason;
  private final String detail;

  BlockUploadException(Reason reason, String detail) {
    super(detail + " (" + reason.id() + ")");
    this.reason = reason;
    this.detail = detail;
  }

  static BlockUploadException of(Reason reason, String template, Object... args) {
    return new BlockUploadException(reason, String.format(Locale.ROOT, template, args));
  }

  public Reason reason() {
    return reason;
  }

  public int httpStatus() {
    return reason.httpStatus();
  }

  /** The message without the error id. */
  public String detail() {
    return detail;
  }
}
