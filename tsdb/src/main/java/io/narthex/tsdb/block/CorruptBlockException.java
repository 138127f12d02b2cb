package io.narthex.tsdb.block;

import java.io.IOException;

/** A block file whose bytes do not parse as Prometheus's format: a bad magic, length, checksum or reference. */
final class CorruptBlockException extends IOException {
  CorruptBlockException(String message) {
    super(message);
  }
}
