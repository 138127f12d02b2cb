package io.narthex.blocks;

import io.narthex.common.ErrorId;
import java.util.Locale;

/**
 * A block upload request the client must fix: the message names what was wrong and ends with the stable error
 * id in parentheses, as our write-path errors do; {@link #httpStatus()} is the answer's status.
 */
public final class BlockUploadException extends Exception {
  /** Why a request was rejected: its registered error id (which gives the HTTP status), and the metrics' label. */
  public enum Reason {
    DISABLED(ErrorId.BLOCK_UPLOAD_DISABLED, "disabled"),
    INVALID_BLOCK_ID(ErrorId.BLOCK_UPLOAD_INVALID_BLOCK_ID, "invalid_block_id"),
    BLOCK_EXISTS(ErrorId.BLOCK_UPLOAD_BLOCK_EXISTS, "block_exists"),
    NOT_STARTED(ErrorId.BLOCK_UPLOAD_NOT_STARTED, "not_started"),
    VALIDATION_IN_PROGRESS(ErrorId.BLOCK_UPLOAD_VALIDATION_IN_PROGRESS, "validation_in_progress"),
    TOO_MANY_VALIDATIONS(ErrorId.BLOCK_UPLOAD_TOO_MANY_VALIDATIONS, "too_many_validations"),
    INVALID_META(ErrorId.BLOCK_UPLOAD_INVALID_META, "invalid_meta"),
    META_TOO_LARGE(ErrorId.BLOCK_UPLOAD_META_TOO_LARGE, "meta_too_large"),
    TOO_FAR_IN_FUTURE(ErrorId.BLOCK_UPLOAD_TOO_FAR_IN_FUTURE, "too_far_in_future"),
    INVALID_FILE_PATH(ErrorId.BLOCK_UPLOAD_INVALID_FILE_PATH, "invalid_file_path"),
    EMPTY_FILE(ErrorId.BLOCK_UPLOAD_EMPTY_FILE, "empty_file"),
    LENGTH_REQUIRED(ErrorId.BLOCK_UPLOAD_LENGTH_REQUIRED, "length_required"),
    UNEXPECTED_FILE(ErrorId.BLOCK_UPLOAD_UNEXPECTED_FILE, "unexpected_file"),
    BLOCK_TOO_LARGE(ErrorId.BLOCK_UPLOAD_BLOCK_TOO_LARGE, "block_too_large"),
    INVALID_BLOCK(ErrorId.BLOCK_UPLOAD_INVALID_BLOCK, "invalid_block"),
    MAX_LABEL_NAMES_PER_SERIES(ErrorId.BLOCK_UPLOAD_MAX_LABEL_NAMES_PER_SERIES, "max_label_names_per_series");

    private final ErrorId errorId;
    private final String metricLabel;

    Reason(ErrorId errorId, String metricLabel) {
      this.errorId = errorId;
      this.metricLabel = metricLabel;
    }

    public ErrorId errorId() {
      return errorId;
    }

    public String id() {
      return errorId.id();
    }

    public int httpStatus() {
      return errorId.httpStatus();
    }

    public String metricLabel() {
      return metricLabel;
    }
  }

  private final Reason reason;
  private final String detail;

  BlockUploadException(Reason reason, String detail) {
    super(reason.errorId().withId(detail));
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
