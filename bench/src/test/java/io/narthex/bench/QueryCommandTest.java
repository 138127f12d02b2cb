package io.narthex.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class QueryCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void readsPeakSamplesFromTheStatsOfAnAnswer() throws Exception {
    String data = "{\"resultType\":\"matrix\",\"result\":[],\"stats\":{\"timings\":{\"evalTotalTime\":0.1},"
        + "\"samples\":{\"totalQueryableSamples\":10,\"peakSamples\":538}}}";
    assertThat(QueryCommand.peakSamples(JSON.readTree(data))).isEqualTo(538);
  }

  @Test
  void reportsMinusOneWhenTheAnswerHasNoPeakSamples() throws Exception {
    assertThat(QueryCommand.peakSamples(JSON.readTree("{\"resultType\":\"vector\",\"result\":[]}"))).isEqualTo(-1);
  }
}
