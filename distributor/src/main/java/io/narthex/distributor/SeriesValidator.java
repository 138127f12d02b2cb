package io.narthex.distributor;

import io.narthex.common.ErrorId;
import io.narthex.ingester.client.WireTimeSeries;
import io.narthex.proto.prompb.Label;
import io.narthex.proto.prompb.TimeSeries;
import io.narthex.tsdb.labels.Labels;
import java.util.Arrays;
import java.util.List;

/**
 * Checks one series' label set as Mimir's distributor does: a valid metric name, valid and unique label names in
 * sorted order, and lengths within {@link ValidationLimits}. Empty label values are dropped, as Prometheus treats
 * them as absent. Names follow Prometheus's legacy charset: metric names {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, label
 * names {@code [a-zA-Z_][a-zA-Z0-9_]*}.
 */
final class SeriesValidator {
  private final ValidationLimits limits;

  SeriesValidator(ValidationLimits limits) {
    this.limits = limits;
  }

  /** The series with empty label values dropped, or the same object when none were. */
  static TimeSeries dropEmptyLabelValues(TimeSeries series) {
    boolean anyEmpty = false;
    for (int i = 0; i < series.getLabelsCount(); i++) {
      if (series.getLabels(i).getValue().isEmpty()) {
        anyEmpty = true;
        break;
      }
    }
    if (!anyEmpty) {
      return series;
    }
    TimeSeries.Builder builder = series.toBuilder().clearLabels();
    for (Label label : series.getLabelsList()) {
      if (!label.getValue().isEmpty()) {
        builder.addLabels(label);
      }
    }
    return builder.build();
  }

  /**
   * Whether the encoded series can be stored exactly as sent: every check of {@link #validate} passes, no label value
   * is empty, values are valid UTF-8, and there are no exemplars, no native histograms and no sample past
   * {@code maxTimestampMs}. Label names are compared as bytes, which orders the legacy charset as strings do.
   * False sends the series down the decoding path, which names the fault.
   */
  boolean isClean(WireTimeSeries series, long maxTimestampMs) {
    int count = series.labelCount();
    if (count == 0 || count > limits.maxLabelNamesPerSeries() || series.exemplarCount() > 0
        || series.histogramCount() > 0) {
      return false;
    }
    byte[] buf = series.buffer();
    boolean ascii = series.labelsAreAscii();
    boolean hasMetricName = false;
    for (int i = 0; i < count; i++) {
      int nameOffset = series.nameOffset(i);
      int nameLength = series.nameLength(i);
      int valueOffset = series.valueOffset(i);
      int valueLength = series.valueLength(i);
      if (valueLength == 0 || valueLength > limits.maxLabelValueLength() || nameLength > limits.maxLabelNameLength()
          || (!ascii && !WireTimeSeries.isValidUtf8(buf, valueOffset, valueLength))) {
        return false;
      }
      if (series.nameIs(i, Labels.METRIC_NAME)) {
        hasMetricName = true;
        if (!isLegacyName(buf, valueOffset, valueLength, true)) {
          return false;
        }
      } else if (!isLegacyName(buf, nameOffset, nameLength, false)) {
        return false;
      }
      if (i > 0 && Arrays.compareUnsigned(buf, series.nameOffset(i - 1),
          series.nameOffset(i - 1) + series.nameLength(i - 1), buf, nameOffset, nameOffset + nameLength) >= 0) {
        return false;
      }
    }
    if (!hasMetricName) {
      return false;
    }
    for (int i = 0; i < series.sampleCount(); i++) {
      if (series.timestampMs(i) > maxTimestampMs) {
        return false;
      }
    }
    return true;
  }

  private static boolean isLegacyName(byte[] buf, int offset, int length, boolean metricName) {
    int first = metricName ? METRIC_FIRST : LABEL_FIRST;
    int next = metricName ? METRIC_NEXT : LABEL_NEXT;
    if (length == 0 || (NAME_CHARS[buf[offset] & 0xff] & first) == 0) {
      return false;
    }
    for (int i = offset + 1; i < offset + length; i++) {
      if ((NAME_CHARS[buf[i] & 0xff] & next) == 0) {
        return false;
      }
    }
    return true;
  }

  private static final byte LABEL_FIRST = 1;
  private static final byte LABEL_NEXT = 2;
  private static final byte METRIC_FIRST = 4;
  private static final byte METRIC_NEXT = 8;
  /** Per byte: which of the four positions it may take; ':' only in metric names. */
  private static final byte[] NAME_CHARS = new byte[256];

  static {
    for (int c = 0; c < 256; c++) {
      boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
      boolean digit = c >= '0' && c <= '9';
      int flags = (letter ? LABEL_FIRST | LABEL_NEXT | METRIC_FIRST | METRIC_NEXT : 0)
          | (digit ? LABEL_NEXT | METRIC_NEXT : 0) | (c == ':' ? METRIC_FIRST | METRIC_NEXT : 0);
      NAME_CHARS[c] = (byte) flags;
    }
  }

  /**
   * A message with a stable error id when a label name or value of the encoded series is not valid UTF-8 (which
   * protobuf requires of strings), or null when all are valid. Invalid bytes print as U+FFFD, as in Mimir's
   * message.
   */
  static String invalidUtf8(WireTimeSeries series) {
    for (int i = 0; i < series.labelCount(); i++) {
      byte[] buf = series.buffer();
      boolean nameValid = WireTimeSeries.isValidUtf8(buf, series.nameOffset(i), series.nameLength(i));
      if (nameValid && WireTimeSeries.isValidUtf8(buf, series.valueOffset(i), series.valueLength(i))) {
        continue;
      }
      List<Label> labels = new java.util.ArrayList<>(series.labelCount());
      String metricName = "";
      for (int j = 0; j < series.labelCount(); j++) {
        labels.add(Label.newBuilder().setName(series.name(j)).setValue(series.value(j)).build());
        if (series.nameIs(j, Labels.METRIC_NAME)) {
          metricName = series.value(j);
        }
      }
      return nameValid
          ? ErrorId.INVALID_LABEL_VALUE.format(
              "received a series with an invalid UTF-8 value in label '%s': '%s' metric: '%s'",
              truncate(series.name(i)), truncate(series.value(i)), truncate(metricName))
          : ErrorId.INVALID_LABEL.format(
              "received a series with an invalid label: '%s' series: '%s'", truncate(series.name(i)),
              describe(labels));
    }
    return null;
  }

  /** A message with a stable error id when the label set is invalid, or null when it is valid. */
  String validate(TimeSeries series) {
    List<Label> labels = series.getLabelsList();
    String metricName = null;
    for (Label label : labels) {
      if (label.getName().equals(Labels.METRIC_NAME)) {
        metricName = label.getValue();
        break;
      }
    }
    if (metricName == null || metricName.isEmpty()) {
      return ErrorId.MISSING_METRIC_NAME.format(
          "received a series without metric name, series: '%s'", describe(labels));
    }
    if (!Labels.isValidMetricName(metricName)) {
      return ErrorId.INVALID_METRIC_NAME.format(
          "received a series with invalid metric name: '%s'", truncate(metricName));
    }
    if (labels.size() > limits.maxLabelNamesPerSeries()) {
      return ErrorId.MAX_LABEL_NAMES_PER_SERIES.format(
          "received a series whose number of labels exceeds the limit (actual: %d, limit: %d) series: '%s'",
          labels.size(), limits.maxLabelNamesPerSeries(), describe(labels));
    }
    String previousName = null;
    for (Label label : labels) {
      String name = label.getName();
      if (!name.equals(Labels.METRIC_NAME) && !Labels.isValidLabelName(name)) {
        return ErrorId.INVALID_LABEL.format(
            "received a series with an invalid label: '%s' series: '%s'", truncate(name), describe(labels));
      }
      if (name.length() > limits.maxLabelNameLength()) {
        return ErrorId.LABEL_NAME_TOO_LONG.format(
            "received a series whose label name length exceeds the limit, label: '%s' series: '%s'",
            truncate(name), describe(labels));
      }
      if (label.getValue().length() > limits.maxLabelValueLength()) {
        return ErrorId.LABEL_VALUE_TOO_LONG.format(
            "received a series whose label value length exceeds the limit, value: '%s' (truncated) label name: '%s'"
                + " series: '%s'",
            truncate(label.getValue()), name, describe(labels));
      }
      if (previousName != null) {
        int cmp = previousName.compareTo(name);
        if (cmp == 0) {
          return ErrorId.DUPLICATE_LABEL_NAMES.format(
              "received a series with duplicate label name, label: '%s' series: '%s'", name, describe(labels));
        }
        if (cmp > 0) {
          return ErrorId.LABELS_NOT_SORTED.format(
              "received a series where the label names are not sorted, label: '%s' comes after '%s' series: '%s'",
              name, previousName, describe(labels));
        }
      }
      previousName = name;
    }
    return null;
  }

  /** The series as Prometheus prints it, {@code name{a="1", b="2"}}, cut at 200 characters. */
  static String describe(List<Label> labels) {
    StringBuilder sb = new StringBuilder();
    for (Label label : labels) {
      if (label.getName().equals(Labels.METRIC_NAME)) {
        sb.append(label.getValue());
      }
    }
    sb.append('{');
    boolean first = true;
    for (Label label : labels) {
      if (label.getName().equals(Labels.METRIC_NAME)) {
        continue;
      }
      if (!first) {
        sb.append(", ");
      }
      first = false;
      sb.append(label.getName()).append("=\"");
      Labels.escape(label.getValue(), sb);
      sb.append('"');
    }
    return truncate(sb.append('}').toString());
  }

  private static String truncate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }
}
