package io.narthex.ingester;

import io.narthex.ingester.client.WireTimeSeries;
import io.narthex.tsdb.head.CanonicalLabelBytes;
import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.labels.Labels;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * How the apply path finds a series read in place in the head: the {@link io.narthex.tsdb.head.SeriesIdentity} of a
 * {@link WireTimeSeries}'s labels, the same identity {@link WireTimeSeries#identityLow()} and
 * {@link WireTimeSeries#identityHigh()} give and that the head computes from {@link Labels}, its canonical bytes put
 * together by {@link CanonicalLabelBytes} and both hashes taken once per series. Labels that are all ASCII, nearly
 * every label, are valid UTF-8 without a further check; others are checked as before, so a label set that is not
 * valid UTF-8 (whose {@code 0xff} bytes could spell another label set's canonical bytes) is refused alike.
 *
 * <p>Not thread-safe: one per applying thread, {@link #reset} per series.
 */
final class WireSeriesKey implements Head.LabelsKey {
  private final CanonicalLabelBytes canonical = new CanonicalLabelBytes();
  private WireTimeSeries wire;
  private boolean hashed;
  private long low;
  private long high;

  /** Keys the series {@code wire} has just read; its identity is computed when first asked for. */
  WireSeriesKey reset(WireTimeSeries wire) {
    this.wire = wire;
    hashed = false;
    return this;
  }

  /** Keys the series {@code wire} has just read, whose identity this key gave before: not hashed again. */
  WireSeriesKey reset(WireTimeSeries wire, long identityLow, long identityHigh) {
    this.wire = wire;
    low = identityLow;
    high = identityHigh;
    hashed = true;
    return this;
  }

  /** @throws IllegalArgumentException when a name or value is not valid UTF-8 */
  @Override
  public long identityLow() {
    hash();
    return low;
  }

  /** @throws IllegalArgumentException when a name or value is not valid UTF-8 */
  @Override
  public long identityHigh() {
    hash();
    return high;
  }

  private void hash() {
    if (hashed) {
      return;
    }
    byte[] buf = wire.buffer();
    canonical.clear();
    for (int i = 0; i < wire.labelCount(); i++) {
      canonical.add(buf, wire.nameOffset(i), wire.nameLength(i));
      canonical.add(buf, wire.valueOffset(i), wire.valueLength(i));
    }
    if (!canonical.ascii()) {
      checkUtf8(buf);
    }
    low = canonical.low();
    high = canonical.high();
    hashed = true;
  }

  private void checkUtf8(byte[] buf) {
    for (int i = 0; i < wire.labelCount(); i++) {
      if (!isValidUtf8(buf, wire.nameOffset(i), wire.nameLength(i))
          || !isValidUtf8(buf, wire.valueOffset(i), wire.valueLength(i))) {
        throw new IllegalArgumentException("label " + i + " is not valid UTF-8");
      }
    }
  }

  /** The JDK decoder's judgement, as protobuf's proto3 string check; only for labels that are not all ASCII. */
  private static boolean isValidUtf8(byte[] buf, int offset, int length) {
    try {
      StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(buf, offset, length));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  /** The label set, checked as {@link WireTimeSeries#toLabels()} checks it. */
  @Override
  public Labels toLabels() {
    return wire.toLabels();
  }
}
