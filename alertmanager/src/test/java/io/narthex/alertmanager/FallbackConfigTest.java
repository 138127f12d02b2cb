package io.narthex.alertmanager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FallbackConfigTest {
  @TempDir Path directory;

  @Test
  void withoutAFileTheFallbackIsMimirsEmptyReceiver() {
    AlertmanagerConfig fallback = FallbackConfig.load("");
    assertThat(fallback.route().receiver()).isEqualTo("empty-receiver");
    assertThat(fallback.receivers()).singleElement().satisfies(r -> {
      assertThat(r.name()).isEqualTo("empty-receiver");
      assertThat(r.integrations()).isEmpty();
    });
  }

  @Test
  void aFileIsReadAndMayUseFieldsRefusedToTenants() throws Exception {
    Path file = directory.resolve("fallback.yaml");
    Files.writeString(file, "route: {receiver: ops}\nreceivers:\n- name: ops\n  webhook_configs:\n"
        + "  - url: 'http://hook/'\n    http_config: {bearer_token_file: /run/secrets/token}\n");
    assertThat(FallbackConfig.load(file.toString()).route().receiver()).isEqualTo("ops");
  }

  @Test
  void anInvalidFileStopsTheStartNamingTheFile() throws Exception {
    Path file = directory.resolve("bad.yaml");
    Files.writeString(file, "route: {receiver: nobody}\nreceivers: [{name: ops}]\n");
    assertThatThrownBy(() -> FallbackConfig.load(file.toString()))
        .hasMessage("unable to load fallback config \"" + file + "\": undefined receiver \"nobody\" used in route "
            + "(route)");
    assertThatThrownBy(() -> FallbackConfig.load(directory.resolve("missing.yaml").toString()))
        .hasMessageStartingWith("unable to read fallback config");
  }
}
