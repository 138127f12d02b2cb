package io.narthex.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module edges of the build against the table of allowed ones in docs/architecture.md (section Modules), as
 * Kafka's import-control.xml does for packages: a forbidden edge, in a pom or in the code, fails the build.
 */
class ModuleEdgesTest {
  private static final Path ROOT = Path.of("..");
  private static final Pattern BACKTICKED = Pattern.compile("`([a-z0-9-]+)`");
  private static final Pattern POM_MODULE = Pattern.compile("<module>([^<]+)</module>");
  private static final Pattern POM_DEPENDENCY = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);
  private static final Pattern ARTIFACT = Pattern.compile("<artifactId>narthex-([a-z0-9-]+)</artifactId>");
  private static final Pattern SCOPE = Pattern.compile("<scope>([a-z]+)</scope>");
  private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
  private static final Pattern JAVA_PACKAGE_OPTION = Pattern.compile("option java_package = \"([\\w.]+)\"");
  /** A qualified Narthex name in code: the package, then a type (capitalized). */
  private static final Pattern REFERENCE = Pattern.compile("\\bio\\.narthex\\.((?:[a-z0-9_]+\\.)*[a-z0-9_]+)\\.[A-Z]");

  private record Allowed(Set<String> main, Set<String> test) {}

  private record Declared(Set<String> main, Set<String> test) {}

  @Test
  void docsListEveryModuleOfTheBuildOnce() throws IOException {
    assertThat(allowed().keySet()).as("rows of the module table in docs/architecture.md")
        .containsExactlyInAnyOrderElementsOf(modules());
  }

  @Test
  void pomsDeclareOnlyAllowedModules() throws IOException {
    Map<String, Allowed> allowed = allowed();
    List<String> forbidden = new ArrayList<>();
    for (String module : modules()) {
      Declared declared = declared(module);
      Allowed rule = allowed.get(module);
      for (String dependency : declared.main()) {
        if (!rule.main().contains(dependency)) {
          forbidden.add(module + "/pom.xml -> " + dependency);
        }
      }
      for (String dependency : declared.test()) {
        if (!rule.main().contains(dependency) && !rule.test().contains(dependency)) {
          forbidden.add(module + "/pom.xml -> " + dependency + " (test)");
        }
      }
    }
    assertThat(forbidden).as("module edges not allowed by docs/architecture.md").isEmpty();
  }

  @Test
  void codeNamesOnlyModulesItsPomDeclaresAndTheDocsAllow() throws IOException {
    Map<String, String> ownerByPackage = ownerByPackage();
    Map<String, Allowed> allowed = allowed();
    List<String> forbidden = new ArrayList<>();
    for (String module : modules()) {
      Declared declared = declared(module);
      Allowed rule = allowed.get(module);
      for (String sourceSet : List.of("main", "test")) {
        boolean test = sourceSet.equals("test");
        for (Path file : javaFiles(ROOT.resolve(module).resolve("src").resolve(sourceSet).resolve("java"))) {
          for (String used : modulesNamedIn(file, ownerByPackage)) {
            boolean isAllowed = used.equals(module) || rule.main().contains(used) || test && rule.test().contains(used);
            boolean isDeclared = used.equals(module) || declared.main().contains(used)
                || test && declared.test().contains(used);
            if (!isAllowed || !isDeclared) {
              forbidden.add(ROOT.relativize(file) + " -> " + used
                  + (isAllowed ? " (allowed, but not declared in " + module + "/pom.xml)" : " (not allowed)"));
            }
          }
        }
      }
    }
    assertThat(forbidden).as("module edges in code, against docs/architecture.md and the poms").isEmpty();
  }

  /** The table between the module-edges markers of docs/architecture.md, by module. */
  private static Map<String, Allowed> allowed() throws IOException {
    String doc = Files.readString(ROOT.resolve("docs/architecture.md"));
    String table = doc.substring(doc.indexOf("<!-- module-edges:begin -->"), doc.indexOf("<!-- module-edges:end -->"));
    Map<String, Allowed> allowed = new LinkedHashMap<>();
    for (String line : table.lines().toList()) {
      String[] cells = line.split("\\|", -1);
      if (cells.length != 5 || !cells[1].strip().startsWith("`")) {
        continue;
      }
      String module = backticked(cells[1]).getFirst();
      Allowed previous = allowed.put(module,
          new Allowed(new TreeSet<>(backticked(cells[2])), new TreeSet<>(backticked(cells[3]))));
      assertThat(previous).as("second row for " + module).isNull();
    }
    return allowed;
  }

  private static List<String> backticked(String cell) {
    List<String> names = new ArrayList<>();
    Matcher m = BACKTICKED.matcher(cell);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static List<String> modules() throws IOException {
    List<String> modules = new ArrayList<>();
    Matcher m = POM_MODULE.matcher(Files.readString(ROOT.resolve("pom.xml")));
    while (m.find()) {
      modules.add(m.group(1));
    }
    return modules;
  }

  /** The module's Narthex dependencies: compile scope, and test scope (test-jars included). */
  private static Declared declared(String module) throws IOException {
    String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
    Set<String> main = new TreeSet<>();
    Set<String> test = new TreeSet<>();
    Matcher dependency = POM_DEPENDENCY.matcher(pom.substring(pom.indexOf("</parent>")));
    while (dependency.find()) {
      Matcher artifact = ARTIFACT.matcher(dependency.group(1));
      if (artifact.find()) {
        Matcher scope = SCOPE.matcher(dependency.group(1));
        (scope.find() && scope.group(1).equals("test") ? test : main).add(artifact.group(1));
      }
    }
    return new Declared(main, test);
  }

  /** Every Java package of the build, main and test, and the proto java_packages, to the module that has it. */
  private static Map<String, String> ownerByPackage() throws IOException {
    Map<String, Set<String>> owners = new TreeMap<>();
    for (String module : modules()) {
      Path src = ROOT.resolve(module).resolve("src");
      for (Path file : javaFiles(src)) {
        Matcher m = PACKAGE.matcher(read(file));
        if (m.find()) {
          owners.computeIfAbsent(m.group(1), p -> new TreeSet<>()).add(module);
        }
      }
      Path protos = src.resolve("main").resolve("proto");
      if (Files.isDirectory(protos)) {
        try (Stream<Path> files = Files.list(protos)) {
          for (Path proto : files.filter(f -> f.toString().endsWith(".proto")).toList()) {
            Matcher m = JAVA_PACKAGE_OPTION.matcher(read(proto));
            if (m.find()) {
              owners.computeIfAbsent(m.group(1), p -> new TreeSet<>()).add(module);
            }
          }
        }
      }
    }
    Map<String, String> ownerByPackage = new HashMap<>();
    owners.forEach((pkg, modules) -> {
      assertThat(modules).as("modules holding package " + pkg + " (a package lives in one module)").hasSize(1);
      ownerByPackage.put(pkg, modules.iterator().next());
    });
    return ownerByPackage;
  }

  /** The modules whose packages the file names, by the longest package prefix of each qualified name. */
  private static Set<String> modulesNamedIn(Path file, Map<String, String> ownerByPackage) {
    String code = PACKAGE.matcher(read(file)).replaceFirst("");
    Set<String> used = new TreeSet<>();
    Matcher m = REFERENCE.matcher(code);
    while (m.find()) {
      String pkg = "io.narthex." + m.group(1);
      while (!ownerByPackage.containsKey(pkg) && pkg.lastIndexOf('.') > 0) {
        pkg = pkg.substring(0, pkg.lastIndexOf('.'));
      }
      String owner = ownerByPackage.get(pkg);
      if (owner != null) {
        used.add(owner);
      }
    }
    return used;
  }

  private static List<Path> javaFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
