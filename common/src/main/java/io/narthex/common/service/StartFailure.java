package io.narthex.common.service;

import java.io.IOException;

/** The error of a component whose start failed part-way, after what it had opened is closed. */
public final class StartFailure {
  private StartFailure() {}

  /**
   * Closes {@code opened} and returns an {@link IOException} for the caller to throw: {@code what}, then the cause (its
   * own cause where it wraps one, as Ratis's exit exception wraps the bind error). A failure to close is added as
   * suppressed, so the start's error is the one reported.
   */
  public static IOException closing(AutoCloseable opened, String what, Throwable cause) {
    Throwable reason = cause.getCause() == null ? cause : cause.getCause();
    IOException error = new IOException(what + ": " + reason, cause);
    try {
      opened.close();
    } catch (Exception closing) {
      error.addSuppressed(closing);
    }
    return error;
  }
}
