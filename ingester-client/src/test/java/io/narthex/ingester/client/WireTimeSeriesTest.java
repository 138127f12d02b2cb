package io.narthex.ingester.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UnknownFieldSet;
import io.narthex.proto.ingester.PushRequest;
import io.narthex.proto.ingester.ShardLogEntry;
import io.narthex.proto.prompb.Exemplar;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.Sample;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.tsdb.head.Head;
import io.narthex.tsdb.head.MemSeries;
import io.narthex.tsdb.head.SeriesIdentity;
import io.narthex.tsdb.labels.Labels;
import org.junit.jupiter.api.Test;

class WireTimeSeriesTest {
  private static TimeSeries series(String... namesAndValues) {
    TimeSeries.Builder b = TimeSeries.newBuilder();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      b.addLabels(Label.newBuilder().setName(namesAndValues[i]).setValue(namesAndValues[i + 1]));
    }
    return b.build();
  }

  private static WireTimeSeries read(TimeSeries series) {
    byte[] bytes = series.toByteArray();
    byte[] padded = new byte[bytes.length + 7];
    System.arraycopy(bytes, 0, padded, 3, bytes.length);
    return new WireTimeSeries().reset(padded, 3, bytes.length);
  }

  @Test
  void identityIsTheDecodedLabelSetsForAsciiAndNonAsciiValues() {
    for (String[] pairs : new String[][] {
        {"__name__", "up", "job", "node"},
        {"__name__", "m", "path", "/caf\u00e9/\u65e5\u672c", "zone", "eu"},
        {"__name__", "emoji", "v", "\uD83D\uDE00"}}) {
      WireTimeSeries wire = read(series(pairs));
      Labels labels = Labels.fromSortedPairs(pairs);
      byte[] canonical = SeriesIdentity.canonical(labels);
      assertThat(wire.identityLow()).isEqualTo(SeriesIdentity.low(canonical, 0, canonical.length));
      assertThat(wire.identityHigh()).isEqualTo(SeriesIdentity.high(canonical, 0, canonical.length));
      assertThat(wire.identityHigh()).isNotEqualTo(wire.identityLow());
      assertThat(wire.toLabels()).isEqualTo(labels);
      String[] changed = pairs.clone();
      changed[changed.length - 1] = changed[changed.length - 1] + "x";
      assertThat(read(series(changed)).identityLow()).isNotEqualTo(wire.identityLow());
    }
  }

  @Test
  void theHeadFindsBySeriesIdentityTheSeriesItCreatedFromLabelsAndBack() {
    Head head = new Head();
    MemSeries fromLabels = head.getOrCreate(Labels.of("__name__", "a", "x", "\u00e9"));
    assertThat(head.getOrCreate(read(series("__name__", "a", "x", "\u00e9")))).isSameAs(fromLabels);
    MemSeries fromWire = head.getOrCreate(read(series("__name__", "b", "x", "1")));
    assertThat(fromWire.labels()).isEqualTo(Labels.of("__name__", "b", "x", "1"));
    assertThat(head.getOrCreate(Labels.of("__name__", "b", "x", "1"))).isSameAs(fromWire);
    // Names and values are told apart by the separator, not by their concatenation.
    assertThat(head.getOrCreate(read(series("__name__", "b", "x1", "1")))).isNotSameAs(fromWire);
    assertThat(head.numSeries()).isEqualTo(3);
  }

  @Test
  void invalidUtf8IsRefusedRatherThanGivenAnIdentityItsLabelsWouldNotHave() {
    byte[] bytes = series("__name__", "a", "x", "\u00e9").toByteArray();
    bytes[bytes.length - 1] = 0x41;
    Head head = new Head();
    assertThatThrownBy(() -> head.getOrCreate(new WireTimeSeries().reset(bytes, 0, bytes.length)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UTF-8");
    assertThat(head.numSeries()).isZero();
    // Not even an existing series whose canonical bytes the invalid ones spell.
    head.getOrCreate(Labels.of("__name__", "x", "a", "b", "c", "d"));
    byte[] spelled = series("__name__", "x", "a", "b?c?d").toByteArray();
    for (int i = 0; i < spelled.length; i++) {
      if (spelled[i] == '?') {
        spelled[i] = (byte) 0xff;
      }
    }
    assertThatThrownBy(() -> head.getOrCreate(new WireTimeSeries().reset(spelled, 0, spelled.length)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UTF-8");
  }

  @Test
  void samplesExemplarsAndUnknownFieldsAreReadAsProtobufDoes() {
    TimeSeries series = series("__name__", "m", "a", "1").toBuilder()
        .addSamples(Sample.newBuilder().setTimestamp(1_700_000_000_000L).setValue(1.5))
        .addSamples(Sample.newBuilder().setTimestamp(-5).setValue(Double.NaN))
        .addSamples(Sample.newBuilder())
        .addExemplars(Exemplar.newBuilder().setValue(3))
        .setUnknownFields(UnknownFieldSet.newBuilder()
            .addField(9, UnknownFieldSet.Field.newBuilder().addVarint(42).addFixed32(7).build()).build())
        .build();
    WireTimeSeries wire = read(series);
    assertThat(wire.labelCount()).isEqualTo(2);
    assertThat(wire.name(1)).isEqualTo("a");
    assertThat(wire.value(1)).isEqualTo("1");
    assertThat(wire.nameIs(0, "__name__")).isTrue();
    assertThat(wire.sampleCount()).isEqualTo(3);
    assertThat(wire.timestampMs(0)).isEqualTo(1_700_000_000_000L);
    assertThat(wire.sampleValue(0)).isEqualTo(1.5);
    assertThat(wire.timestampMs(1)).isEqualTo(-5);
    assertThat(wire.sampleValue(1)).isNaN();
    assertThat(wire.timestampMs(2)).isZero();
    assertThat(wire.exemplarCount()).isEqualTo(1);
    assertThat(wire.histogramCount()).isZero();
  }

  @Test
  void labelsPrometheusDoesNotWriteAreReadAsProtobufReadsThem() throws Exception {
    String longValue = "v".repeat(200); // a two-byte length
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    com.google.protobuf.CodedOutputStream out = com.google.protobuf.CodedOutputStream.newInstance(bytes);
    // Value before name; a name alone; an unknown field inside a label; a long value.
    byte[][] labelFields = {
        concat(field(2, "up"), field(1, "__name__")),
        field(1, "empty"),
        concat(field(1, "j"), field(7, "x"), field(2, "node")),
        concat(field(1, "long"), field(2, longValue)),
    };
    for (byte[] label : labelFields) {
      out.writeByteArray(1, label);
    }
    out.flush();
    byte[] encoded = bytes.toByteArray();
    TimeSeries parsed = TimeSeries.parseFrom(encoded);
    WireTimeSeries wire = new WireTimeSeries().reset(encoded, 0, encoded.length);
    assertThat(wire.labelCount()).isEqualTo(parsed.getLabelsCount()).isEqualTo(4);
    for (int i = 0; i < 4; i++) {
      assertThat(wire.name(i)).isEqualTo(parsed.getLabels(i).getName());
      assertThat(wire.value(i)).isEqualTo(parsed.getLabels(i).getValue());
    }
    // The long value's length byte is not ASCII: no verdict from the one pass, each value is checked instead.
    assertThat(wire.labelsAreAscii()).isFalse();
    assertThat(read(series("__name__", "m", "a", "1")).labelsAreAscii()).isTrue();
    assertThat(read(series("__name__", "m", "a", "caf\u00e9")).labelsAreAscii()).isFalse();
    assertThat(read(series()).labelsAreAscii()).isTrue();
  }

  private static byte[] field(int number, String value) {
    byte[] utf8 = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] out = new byte[com.google.protobuf.CodedOutputStream.computeByteArraySize(number, utf8)];
    try {
      com.google.protobuf.CodedOutputStream.newInstance(out).writeByteArray(number, utf8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  @Test
  void truncatedBytesAreRejectedNamingTheFault() {
    byte[] bytes = series("__name__", "m").toBuilder()
        .addSamples(Sample.newBuilder().setTimestamp(1).setValue(1)).build().toByteArray();
    assertThatThrownBy(() -> new WireTimeSeries().reset(bytes, 0, bytes.length - 3))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed TimeSeries");
  }

  @Test
  void unsortedLabelsAreRefusedWhenMaterialized() {
    assertThatThrownBy(() -> read(series("b", "1", "a", "2")).toLabels())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not sorted");
  }

  @Test
  void builtEntryParsesAsTheShardLogEntryItStandsFor() throws Exception {
    TimeSeries a = series("__name__", "a").toBuilder().addSamples(Sample.newBuilder().setTimestamp(1)).build();
    TimeSeries b = series("__name__", "b", "x", "y");
    byte[] ab = a.toByteArray();
    byte[] padded = new byte[ab.length + 4];
    System.arraycopy(ab, 0, padded, 4, ab.length);
    PushEntryBuilder builder = new PushEntryBuilder("tenant-\u00e9");
    int expected = builder.sizeWith(ab.length);
    builder.add(padded, 4, ab.length);
    byte[] bb = b.toByteArray();
    builder.add(bb, 0, bb.length);
    byte[] entry = builder.build();
    assertThat(expected).isLessThan(builder.sizeWith(0));
    ShardLogEntry parsed = ShardLogEntry.parseFrom(entry);
    assertThat(parsed.getEntryCase()).isEqualTo(ShardLogEntry.EntryCase.SNAPPY_PUSH);
    byte[] compressed = parsed.getSnappyPush().toByteArray();
    assertThat(PushRequest.parseFrom(PushEntryBuilder.decompress(compressed, 0, compressed.length)))
        .isEqualTo(PushRequest.newBuilder().setTenant("tenant-\u00e9").addTimeseries(a).addTimeseries(b).build());
    assertThatThrownBy(() -> PushEntryBuilder.decompress(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}, 0, 4))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void randomSeriesReadAsProtobufReadsThemAndCorruptBytesOnlyEverFailAsMalformed() {
    java.util.Random random = new java.util.Random(7);
    WireTimeSeries wire = new WireTimeSeries();
    for (int round = 0; round < 2_000; round++) {
      TimeSeries.Builder builder = TimeSeries.newBuilder();
      for (int l = random.nextInt(14); l > 0; l--) {
        builder.addLabels(Label.newBuilder().setName("n" + random.nextInt(1000))
            .setValue(random.nextInt(5) == 0 ? "\u00e9\u4e2d" + random.nextInt() : Integer.toString(random.nextInt())));
      }
      for (int n = random.nextInt(300); n > 0; n--) {
        Sample.Builder sample = Sample.newBuilder();
        if (random.nextBoolean()) {
          sample.setTimestamp(random.nextInt(3) == 0 ? random.nextLong() : 1_700_000_000_000L + random.nextInt());
        }
        if (random.nextBoolean()) {
          sample.setValue(random.nextInt(4) == 0 ? Double.longBitsToDouble(random.nextLong()) : random.nextDouble());
        }
        builder.addSamples(sample);
      }
      if (random.nextInt(4) == 0) {
        builder.addExemplars(Exemplar.newBuilder().setValue(1));
      }
      TimeSeries series = builder.build();
      byte[] bytes = series.toByteArray();
      wire.reset(bytes, 0, bytes.length);
      assertThat(wire.labelCount()).isEqualTo(series.getLabelsCount());
      for (int l = 0; l < series.getLabelsCount(); l++) {
        assertThat(wire.name(l)).isEqualTo(series.getLabels(l).getName());
        assertThat(wire.value(l)).isEqualTo(series.getLabels(l).getValue());
      }
      assertThat(wire.sampleCount()).isEqualTo(series.getSamplesCount());
      for (int n = 0; n < series.getSamplesCount(); n++) {
        assertThat(wire.timestampMs(n)).isEqualTo(series.getSamples(n).getTimestamp());
        assertThat(Double.doubleToRawLongBits(wire.sampleValue(n)))
            .isEqualTo(Double.doubleToRawLongBits(series.getSamples(n).getValue()));
      }
      assertThat(wire.exemplarCount()).isEqualTo(series.getExemplarsCount());
      if (bytes.length > 0) {
        byte[] corrupt = bytes.clone();
        corrupt[random.nextInt(corrupt.length)] = (byte) random.nextInt();
        int length = random.nextBoolean() ? corrupt.length : random.nextInt(corrupt.length);
        try {
          wire.reset(corrupt, 0, length);
          new WireFields(corrupt, 0, length, 5);
        } catch (IllegalArgumentException expected) {
          // Malformed is the only way corrupt bytes may fail.
        }
      }
    }
  }
}
