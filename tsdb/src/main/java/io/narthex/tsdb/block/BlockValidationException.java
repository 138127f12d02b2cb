package io.narthex.tsdb.block;

/** A block that fails {@link BlockReader#validate}; the message names the first problem found. */
public final class BlockValidationException extends Exception {
  public BlockValidationException(String message) {
    super(message);
  }
}
