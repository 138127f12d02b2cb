package io.narthex.ruler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The YAML of rule groups: strict reading, and writing that reads back to the same strings. */
class RuleYamlTest {
  @Test
  void writtenGroupsReadBackWithEveryStringIntact() {
    List<String> tricky = List.of("yes", "no", "on", "off", "true", "null", "~", "1e3", "0x1F", "012", "1_000",
        "- a", "a: b", "a #b", "#x", "*x", "&x", "!x", "@x", "`x", "%x", "{a}", "[a]", "|", ">", "?", " lead",
        "trail ", "multi\nline", "tab\tx", "'q'", "\"dq\"", "{{ $labels.instance }}", "ünï", "");
    Map<String, String> annotations = new LinkedHashMap<>();
    for (int i = 0; i < tricky.size(); i++) {
      annotations.put("a" + i, tricky.get(i));
    }
    RuleGroup group = new RuleGroup("g", "1m", null, null, null, null, null, Map.of("team", "012"),
        List.of(new Rule(null, "A", "up{job=\"x: y\"} == 0 # c", "5m", null, Map.of("sev", "yes"), annotations)));
    RuleGroup read = RuleYaml.group(RuleYaml.write(group));
    assertThat(read.rules().get(0).annotations()).isEqualTo(annotations);
    assertThat(read).isEqualTo(group);
  }

  @Test
  void rejectsAFieldRepeatedInTheSameMapping() {
    assertThatThrownBy(() -> RuleYaml.group("name: a\nname: b\nrules: []\n".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
  }

  @Test
  void rejectsAnUnknownFieldOfARuleNamingWhereItIs() {
    assertThatThrownBy(() -> RuleYaml.group("name: a\nrules:\n  - record: r\n    expr: up\n    fo: 5m\n"
        .getBytes(StandardCharsets.UTF_8))).hasMessage("field fo not found, at rules[0].fo");
  }
}
