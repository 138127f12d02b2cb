package io.narthex.tsdb.block;

import io.narthex.tsdb.chunk.XorChunk;
import java.io.IOException;
import java.util.Arrays;

/**
 * Chunk references and chunk records of a block's {@code chunks/} segments (Prometheus
 * {@code tsdb/docs/format/chunks.md}): reference = {@code segmentIndex << 32 | offset}, segment index 0 naming
 * {@code chunks/000001}; record = {@code uvarint len | encoding (1) | data (len) | CRC32C(encoding, data)}.
 */
final class ChunkRefs {
  static final int SEGMENT_HEADER_LEN = ChunkSegmentWriter.HEADER_SIZE;
  /** Enough for the length uvarint and the encoding byte of any chunk. */
  static final int RECORD_PREFIX_MAX = 10 + 1;

  private ChunkRefs() {}

  static int segment(long ref) {
    return (int) (ref >>> 32);
  }

  static long offset(long ref) {
    return ref & 0xffffffffL;
  }

  /** {@code chunks/000001} for segment 0: the number is one more than the segment, at least six digits. */
  static String fileName(int segment) {
    // Not String.format: this runs for every batch of chunk reads, where Formatter took 0.7 % of a query profile.
    long number = segment + 1L;
    if (number <= 0) {
      return String.format("chunks/%06d", number);
    }
    String digits = Long.toString(number);
    return "chunks/" + "000000".substring(Math.min(6, digits.length())) + digits;
  }

  static String describe(long ref) {
    return "chunk ref " + ref + " (" + fileName(segment(ref)) + " offset " + offset(ref) + ")";
  }

  /** Size of the record at the start of {@code slice}, or -1 when the slice is too short to hold its length. */
  static long recordLength(ByteSlice slice) throws CorruptBlockException {
    DecBuf d = slice.decoder("");
    long len;
    try {
      len = d.uvarint();
    } catch (CorruptBlockException e) {
      if (slice.length() >= 10) {
        throw new CorruptBlockException("bad chunk length");
      }
      return -1;
    }
    return (d.position() - slice.offset()) + 1 + len + 4;
  }

  /**
   * Checks the CRC and encoding of the whole record in {@code slice} and returns the XOR data.
   *
   * @throws CorruptBlockException on a checksum mismatch or truncated record
   * @throws IOException on an encoding other than XOR (native histograms are not supported)
   */
  static byte[] xorData(ByteSlice slice, long ref) throws IOException {
    DecBuf d = slice.decoder("record");
    int len;
    int from;
    try {
      len = d.uvarintInt();
      from = d.position();
      d.skip(1 + len + 4);
    } catch (CorruptBlockException e) {
      // The chunk is named only when it fails: a name built for every chunk read cost 2 % of a 24h query's CPU.
      throw new CorruptBlockException(describe(ref) + ": " + e.getMessage());
    }
    byte[] a = slice.array();
    if (DecBuf.crc32c(a, from, 1 + len) != DecBuf.be32(a, from + 1 + len)) {
      throw new CorruptBlockException(describe(ref) + ": checksum (crc32c) mismatch");
    }
    int encoding = a[from] & 0xff;
    if (encoding != XorChunk.ENCODING) {
      String kind = switch (encoding) {
        case 2 -> " (native histogram)";
        case 3 -> " (native float histogram)";
        default -> "";
      };
      throw new IOException(describe(ref) + ": unsupported chunk encoding " + encoding + kind
          + "; only XOR float chunks (encoding 1) are supported");
    }
    if (len < 2) {
      throw new CorruptBlockException(describe(ref) + ": XOR chunk of " + len + " bytes, shorter than its header");
    }
    return Arrays.copyOfRange(a, from + 1, from + 1 + len);
  }
}
