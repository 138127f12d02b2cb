package io.narthex.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/errors.md and the {@link ErrorId} registry list the same ids, each in its section with its status. */
class ErrorIdDocTest {
  private static final Pattern ROW = Pattern.compile("^\\| `(err-narthex-[a-z0-9-]+)` \\|([^|]*)\\|");
  /** The section of docs/errors.md that documents each kind. */
  private static final Map<ErrorId.Kind, String> SECTION = Map.of(
      ErrorId.Kind.WRITE, "# Error ids",
      ErrorId.Kind.READ, "## Read path",
      ErrorId.Kind.TENANT, "## Tenant",
      ErrorId.Kind.BLOCK_UPLOAD, "## Block upload",
      ErrorId.Kind.RING, "## Ingester ring",
      ErrorId.Kind.LOG, "## Compactor",
      ErrorId.Kind.NOTIFICATION, "## Alertmanager receivers");

  private record Row(String section, String status) {}

  @Test
  void docsListExactlyTheRegisteredIds() throws IOException {
    Map<String, Row> rows = rows();
    assertThat(rows.keySet()).as("ids with a row in docs/errors.md")
        .containsExactlyInAnyOrderElementsOf(Arrays.stream(ErrorId.values()).map(ErrorId::id).toList());
  }

  @Test
  void docsGiveEachIdItsSectionAndStatus() throws IOException {
    Map<String, Row> rows = rows();
    for (ErrorId error : ErrorId.values()) {
      Row row = rows.get(error.id());
      if (row == null) {
        continue; // reported by docsListExactlyTheRegisteredIds
      }
      assertThat(row.section()).as("section of " + error.id()).isEqualTo(SECTION.get(error.kind()));
      if (error.kind() != ErrorId.Kind.LOG) {
        assertThat(row.status()).as("status of " + error.id()).isEqualTo(Integer.toString(error.httpStatus()));
      }
    }
  }

  @Test
  void idsAreUniqueAndClientFaultsAre4xx() {
    assertThat(Arrays.stream(ErrorId.values()).map(ErrorId::id)).doesNotHaveDuplicates()
        .allMatch(id -> id.matches("err-narthex-[a-z0-9]+(-[a-z0-9]+)*"));
    assertThat(ErrorId.MAX_WRITE_MESSAGE_SIZE.clientFault()).isTrue();
    assertThat(ErrorId.STORE_GATEWAY_UNAVAILABLE.clientFault()).isFalse();
    assertThat(ErrorId.SAMPLE_OUT_OF_ORDER.format("sample %d is old", 5))
        .isEqualTo("sample 5 is old (err-narthex-sample-out-of-order)");
  }

  /** The rows of docs/errors.md's tables whose first cell is an id, by id, with their section heading. */
  private static Map<String, Row> rows() throws IOException {
    Map<String, Row> rows = new LinkedHashMap<>();
    List<String> repeated = new ArrayList<>();
    String section = null;
    for (String line : Files.readAllLines(Path.of("..", "docs", "errors.md"))) {
      if (line.startsWith("#")) {
        section = line.strip();
        continue;
      }
      Matcher row = ROW.matcher(line);
      if (row.find() && rows.put(row.group(1), new Row(section, row.group(2).strip())) != null) {
        repeated.add(row.group(1));
      }
    }
    assertThat(repeated).as("ids with two rows in docs/errors.md").isEmpty();
    return rows;
  }
}
