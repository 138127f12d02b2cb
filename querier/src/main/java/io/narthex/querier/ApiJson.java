package io.narthex.querier;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.narthex.common.GoFloat;
import io.narthex.promql.Matrix;
import io.narthex.promql.QueryResult;
import io.narthex.promql.QueryStats;
import io.narthex.promql.RangeSeries;
import io.narthex.promql.Sample;
import io.narthex.promql.Scalar;
import io.narthex.promql.StringValue;
import io.narthex.promql.Value;
import io.narthex.promql.Vector;
import io.narthex.tsdb.labels.Labels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.List;

/** JSON bodies of the Prometheus HTTP API v1, with its number formatting. */
final class ApiJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private ApiJson() {}

  /**
   * A sample value as Prometheus writes it (util/jsonutil MarshalValue): Go's {@code strconv.FormatFloat} with the
   * shortest digits, {@code 'e'} below 1e-6 and from 1e21 in magnitude, else {@code 'f'}; NaN, +Inf, -Inf.
   */
  static String formatValue(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == 0) {
      return Double.doubleToRawLongBits(v) == 0 ? "0" : "-0";
    }
    double abs = Math.abs(v);
    // Prometheus's jsonutil.MarshalValue: exponent form below 1e-6 and from 1e21, shortest digits either way.
    if (abs < 1e-6 || abs >= 1e21) {
      return GoFloat.formatE(v);
    }
    if (v == Math.rint(v) && abs < 1e15) {
      return Long.toString((long) v);
    }
    if (abs >= 1e-3 && abs < 1e7) {
      // Java writes these plainly, with the shortest digits that read back (JDK 19+): Go's 'f' form exactly. Far
      // cheaper than GoFloat's BigDecimal path, which took 6 % of the 24 h dashboard's query profile.
      return Double.toString(v);
    }
    return GoFloat.formatF(v);
  }

  /** Writes a timestamp as Prometheus does: Unix seconds, with up to three decimals. */
  static void writeTimestamp(JsonGenerator json, long timestampMs) throws IOException {
    if (timestampMs % 1000 == 0) {
      json.writeNumber(timestampMs / 1000);
    } else {
      json.writeNumber(BigDecimal.valueOf(timestampMs, 3).stripTrailingZeros());
    }
  }

  /** What the {@code stats} parameter asks for, as Prometheus reads it. */
  enum StatsMode {
    NONE,
    SUMMARY,
    ALL;

    static StatsMode of(String parameter) {
      if (parameter == null || parameter.isEmpty()) {
        return NONE;
      }
      return parameter.equals("all") ? ALL : SUMMARY;
    }
  }

  /** A query answer; {@code storageWarnings} come first in {@code warnings}, then the engine's. */
  static byte[] success(QueryResult result, List<String> storageWarnings, StatsMode statsMode) {
    if (!storageWarnings.isEmpty()) {
      List<String> warnings = new java.util.ArrayList<>(storageWarnings);
      warnings.addAll(result.warnings());
      result = new QueryResult(result.value(), warnings, result.infos(), result.stats());
    }
    return success(result, statsMode);
  }

  static byte[] success(QueryResult result) {
    return success(result, StatsMode.NONE);
  }

  static byte[] success(QueryResult result, StatsMode statsMode) {
    return write(json -> {
      json.writeStringField("status", "success");
      json.writeObjectFieldStart("data");
      Value value = result.value();
      switch (value) {
        case Vector vector -> {
          json.writeStringField("resultType", "vector");
          json.writeArrayFieldStart("result");
          for (Sample sample : vector.samples()) {
            json.writeStartObject();
            writeMetric(json, sample.labels());
            json.writeArrayFieldStart("value");
            writeTimestamp(json, sample.timestampMs());
            json.writeString(formatValue(sample.value()));
            json.writeEndArray();
            json.writeEndObject();
          }
          json.writeEndArray();
        }
        case Matrix matrix -> {
          json.writeStringField("resultType", "matrix");
          json.writeArrayFieldStart("result");
          for (RangeSeries series : matrix.series()) {
            json.writeStartObject();
            writeMetric(json, series.labels());
            json.writeArrayFieldStart("values");
            long[] timestamps = series.timestampsMs();
            double[] values = series.values();
            for (int i = 0; i < timestamps.length; i++) {
              json.writeStartArray();
              writeTimestamp(json, timestamps[i]);
              json.writeString(formatValue(values[i]));
              json.writeEndArray();
            }
            json.writeEndArray();
            json.writeEndObject();
          }
          json.writeEndArray();
        }
        case Scalar scalar -> {
          json.writeStringField("resultType", "scalar");
          json.writeArrayFieldStart("result");
          writeTimestamp(json, scalar.timestampMs());
          json.writeString(formatValue(scalar.value()));
          json.writeEndArray();
        }
        case StringValue string -> {
          json.writeStringField("resultType", "string");
          json.writeArrayFieldStart("result");
          writeTimestamp(json, string.timestampMs());
          json.writeString(string.value());
          json.writeEndArray();
        }
      }
      if (statsMode != StatsMode.NONE) {
        writeStats(json, result.stats(), statsMode == StatsMode.ALL);
      }
      json.writeEndObject();
      writeStrings(json, "warnings", result.warnings());
      writeStrings(json, "infos", result.infos());
    });
  }

  static byte[] seriesList(List<Labels> series) {
    return write(json -> {
      json.writeStringField("status", "success");
      json.writeArrayFieldStart("data");
      for (Labels labels : series) {
        json.writeStartObject();
        labels.forEach((name, value) -> {
          try {
            json.writeStringField(name, value);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
        json.writeEndObject();
      }
      json.writeEndArray();
    });
  }

  static byte[] stringList(List<String> strings) {
    return write(json -> {
      json.writeStringField("status", "success");
      json.writeArrayFieldStart("data");
      for (String s : strings) {
        json.writeString(s);
      }
      json.writeEndArray();
    });
  }

  /** Any other {@code data} object, written by the caller. */
  static byte[] data(JsonBody body) {
    return write(json -> {
      json.writeStringField("status", "success");
      json.writeFieldName("data");
      body.write(json);
    });
  }

  static byte[] error(String errorType, String message) {
    return write(json -> {
      json.writeStringField("status", "error");
      json.writeStringField("errorType", errorType);
      json.writeStringField("error", message);
    });
  }

  /** The {@code data.stats} object of Prometheus's API: timings in seconds and sample counts. */
  private static void writeStats(JsonGenerator json, QueryStats stats, boolean perStep) throws IOException {
    json.writeObjectFieldStart("stats");
    json.writeObjectFieldStart("timings");
    json.writeNumberField("evalTotalTime", stats.evalTotalTimeSeconds());
    json.writeNumberField("resultSortTime", stats.resultSortTimeSeconds());
    json.writeNumberField("queryPreparationTime", stats.queryPreparationTimeSeconds());
    json.writeNumberField("innerEvalTime", stats.innerEvalTimeSeconds());
    json.writeNumberField("execQueueTime", stats.execQueueTimeSeconds());
    json.writeNumberField("execTotalTime", stats.execTotalTimeSeconds());
    json.writeEndObject();
    json.writeObjectFieldStart("samples");
    if (perStep) {
      json.writeArrayFieldStart("totalQueryableSamplesPerStep");
      long[] timestamps = stats.perStepTimestampsMs();
      long[] samples = stats.perStepSamples();
      for (int i = 0; timestamps != null && i < timestamps.length; i++) {
        json.writeStartArray();
        writeTimestamp(json, timestamps[i]);
        json.writeNumber(samples[i]);
        json.writeEndArray();
      }
      json.writeEndArray();
    }
    json.writeNumberField("totalQueryableSamples", stats.totalQueryableSamples());
    json.writeNumberField("peakSamples", stats.peakSamples());
    json.writeEndObject();
    json.writeEndObject();
  }

  private static void writeMetric(JsonGenerator json, Labels labels) throws IOException {
    json.writeObjectFieldStart("metric");
    for (int i = 0; i < labels.size(); i++) {
      json.writeStringField(labels.name(i), labels.value(i));
    }
    json.writeEndObject();
  }

  private static void writeStrings(JsonGenerator json, String field, List<String> strings) throws IOException {
    if (strings == null || strings.isEmpty()) {
      return;
    }
    json.writeArrayFieldStart(field);
    for (String s : strings) {
      json.writeString(s);
    }
    json.writeEndArray();
  }

  private static byte[] write(JsonBody body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator json = FACTORY.createGenerator(out)) {
      json.writeStartObject();
      body.write(json);
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  @FunctionalInterface
  interface JsonBody {
    void write(JsonGenerator json) throws IOException;
  }
}
