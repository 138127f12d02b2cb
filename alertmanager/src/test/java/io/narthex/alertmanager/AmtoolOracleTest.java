package io.narthex.alertmanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.narthex.alertmanager.ConfigCorpus.Case;
import io.narthex.alertmanager.ConfigCorpus.Expect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's {@code amtool check-config} (Alertmanager 0.25) as the oracle of Narthex's validation: over the corpus,
 * Narthex accepts exactly what amtool accepts, except Mimir's forbidden fields (amtool accepts them, Narthex refuses
 * them naming the field) and fields newer than 0.25 (amtool refuses them as unknown, Narthex accepts them).
 */
class AmtoolOracleTest {
  private static final Pattern RESULT = Pattern.compile(
      "Checking '([^']+)'\\s+(SUCCESS|FAILED)((?:(?!Checking ')[\\s\\S])*)");

  @TempDir Path directory;

  @Test
  void corpusCoversEveryKindOfCase() {
    assertThat(ConfigCorpus.CASES).hasSizeGreaterThanOrEqualTo(30);
    assertThat(ConfigCorpus.CASES.stream().map(Case::expect).distinct()).containsExactlyInAnyOrder(Expect.values());
  }

  @Test
  void narthexAcceptsTheValidCasesAndRefusesTheInvalidOnes() {
    for (Case c : ConfigCorpus.CASES) {
      Throwable error = catchThrowable(() -> AlertmanagerConfig.parse(c.yaml()));
      switch (c.expect()) {
        case VALID, NEWER_THAN_0_25 -> assertThat(error).as(c.name()).isNull();
        case INVALID -> assertThat(error).as(c.name()).isInstanceOf(InvalidConfigException.class)
            .matches(e -> !((InvalidConfigException) e).forbidden(), "not a Mimir refusal");
        case FORBIDDEN_BY_MIMIR -> assertThat(error).as(c.name()).isInstanceOf(InvalidConfigException.class)
            .matches(e -> ((InvalidConfigException) e).forbidden(), "a Mimir refusal")
            .hasMessageContaining(c.field());
      }
    }
  }

  @Test
  void amtoolAgreesWithNarthexOnEveryCase() throws Exception {
    OracleAlertmanager.assumeAmtoolInstalled();
    List<Path> files = new ArrayList<>();
    Map<String, Case> byFile = new HashMap<>();
    for (int i = 0; i < ConfigCorpus.CASES.size(); i++) {
      Path file = directory.resolve("case-" + i + ".yml");
      Files.writeString(file, ConfigCorpus.CASES.get(i).yaml());
      files.add(file);
      byFile.put(file.toString(), ConfigCorpus.CASES.get(i));
    }
    // One amtool run checks every file and prints one line per file.
    List<String> args = new ArrayList<>(List.of("check-config"));
    files.forEach(f -> args.add(f.toString()));
    String output = OracleAlertmanager.amtool(args);
    Map<String, String> verdicts = new HashMap<>();
    Matcher m = RESULT.matcher(output);
    while (m.find()) {
      verdicts.put(m.group(1), m.group(2) + m.group(3));
    }
    assertThat(verdicts).as(output).hasSize(files.size());
    for (Map.Entry<String, Case> entry : byFile.entrySet()) {
      Case c = entry.getValue();
      String verdict = verdicts.get(entry.getKey());
      switch (c.expect()) {
        case VALID, FORBIDDEN_BY_MIMIR -> assertThat(verdict).as(c.name() + "\n" + c.yaml()).startsWith("SUCCESS");
        case INVALID -> assertThat(verdict).as(c.name() + "\n" + c.yaml()).startsWith("FAILED");
        case NEWER_THAN_0_25 -> assertThat(verdict).as(c.name()).startsWith("FAILED").contains("not found in type");
      }
    }
  }

  @Test
  void msteamsNeedsItsWebhookUrl() {
    assertThatThrownBy(() -> AlertmanagerConfig.parse("route:\n  receiver: r\nreceivers:\n- name: r\n"
        + "  msteams_configs: [{title: t}]\n"))
        .hasMessage("one of webhook_url or webhook_url_file must be configured (receivers[0].msteams_configs[0])");
  }
}
