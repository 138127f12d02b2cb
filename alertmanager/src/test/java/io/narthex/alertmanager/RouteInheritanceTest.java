package io.narthex.alertmanager;

import static org.assertj.core.api.Assertions.assertThat;

import io.narthex.alertmanager.dispatch.DispatchRoute;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child route's empty {@code receiver} and empty {@code group_by} list inherit the parent's, as Alertmanager
 * 0.25's {@code NewRoute} treats them ({@code cr.Receiver != ""}, {@code cr.GroupBy != nil}); Debian's
 * {@code amtool config routes test} is the oracle for the receiver.
 */
class RouteInheritanceTest {
  private static final String CONFIG = """
      route:
        receiver: root
        group_by: [team]
        routes:
          - receiver: ""
            matchers: ['x="1"']
            group_by: []
            routes:
              - matchers: ['y="1"']
                receiver: leaf
      receivers:
        - name: root
        - name: leaf
      """;

  @TempDir Path directory;

  @Test
  void emptyReceiverAndEmptyGroupByInheritTheParents() {
    DispatchRoute root = DispatchRoute.root(AlertmanagerConfig.parse(CONFIG));
    List<DispatchRoute> matched = root.match(Map.of("x", "1", "team", "a", "other", "b"));
    assertThat(matched).hasSize(1);
    assertThat(matched.get(0).receiver()).isEqualTo("root");
    assertThat(matched.get(0).groupLabels(Map.of("x", "1", "team", "a", "other", "b"))).containsOnlyKeys("team");
    assertThat(root.match(Map.of("x", "1", "y", "1")).get(0).receiver()).isEqualTo("leaf");
  }

  @Test
  void routeIdIsItsKeyAndItsPositionAmongItsSiblings() {
    DispatchRoute leaf = DispatchRoute.root(AlertmanagerConfig.parse(CONFIG)).match(Map.of("x", "1", "y", "1"))
        .getFirst();
    assertThat(leaf.key()).isEqualTo("{}/{x=\"1\"}/{y=\"1\"}");
    assertThat(leaf.id()).isEqualTo("{}/{x=\"1\"}/{y=\"1\"}/0");
  }

  @Test
  void amtoolRoutesTheSameWay() throws IOException, InterruptedException {
    Path amtool = Path.of("/usr/bin/amtool");
    Assumptions.assumeTrue(Files.isExecutable(amtool), "Debian's amtool (prometheus-alertmanager) is not installed");
    Path file = directory.resolve("alertmanager.yml");
    Files.writeString(file, CONFIG);
    DispatchRoute root = DispatchRoute.root(AlertmanagerConfig.parse(CONFIG));
    for (List<String> labels : List.of(List.of("x=1"), List.of("x=1", "y=1"), List.of("z=1"))) {
      Process p = new ProcessBuilder(concat(List.of(amtool.toString(), "config", "routes", "test",
          "--config.file=" + file), labels)).redirectErrorStream(false).start();
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
      String expected = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      Map<String, String> map = new java.util.HashMap<>();
      labels.forEach(l -> map.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
      assertThat(String.join(",", root.match(map).stream().map(DispatchRoute::receiver).toList()))
          .as("receiver for %s", labels).isEqualTo(expected);
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new java.util.ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
