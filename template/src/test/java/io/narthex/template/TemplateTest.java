package io.narthex.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Go text/template semantics (https://pkg.go.dev/text/template): what each construct renders and how it fails. */
class TemplateTest {
  private static String render(String text, Object data) throws TemplateException {
    return Template.parse("t", text, FunctionMap.builtins()).execute(data);
  }

  private static String render(String text, Object data, TemplateOptions options) throws TemplateException {
    return Template.parse("t", text, FunctionMap.builtins(), options).execute(data);
  }

  private static String failure(String text, Object data) {
    try {
      render(text, data);
    } catch (TemplateException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected " + text + " to fail");
  }

  private record Alert(Map<String, String> labels, double value) {}

  @Test
  void rendersTextFieldsAndVariables() throws TemplateException {
    Alert alert = new Alert(Map.of("job", "api"), 1.5);
    assertThat(render("job {{ .Labels.job }} at {{ .Value }}; {{ $x := .Labels }}{{ $x.job }} {{ $.Value }}", alert))
        .isEqualTo("job api at 1.5; api 1.5");
  }

  @Test
  void trimMarkersDropTheWhiteSpaceOnTheirSide() throws TemplateException {
    assertThat(render("a  \n {{- \"b\" -}} \n  c {{ \"d\" }} e", null)).isEqualTo("abc d e");
    // "{{-3}}" is the number -3, not a trim marker: the marker needs a space after it.
    assertThat(render("x {{-3}}", null)).isEqualTo("x -3");
  }

  @Test
  void commentsRenderNothingAndMayTrim() throws TemplateException {
    assertThat(render("a {{/* note */}} b {{- /* trimmed */ -}} c", null)).isEqualTo("a  bc");
  }

  @Test
  void ifElseIfElseChooseTheFirstTrueBranchByGoTruthiness() throws TemplateException {
    String text = "{{ if . }}yes{{ else }}no{{ end }}";
    assertThat(render(text, "")).isEqualTo("no");
    assertThat(render(text, 0L)).isEqualTo("no");
    assertThat(render(text, 0.0)).isEqualTo("no");
    assertThat(render(text, List.of())).isEqualTo("no");
    assertThat(render(text, Map.of())).isEqualTo("no");
    assertThat(render(text, null)).isEqualTo("no");
    assertThat(render(text, Double.NaN)).isEqualTo("yes");
    assertThat(render(text, "x")).isEqualTo("yes");
    String chain = "{{ if eq . 1 }}one{{ else if eq . 2 }}two{{ else }}many{{ end }}";
    assertThat(render(chain, 2L)).isEqualTo("two");
    assertThat(render(chain, 7L)).isEqualTo("many");
  }

  @Test
  void withSetsDotAndElseWithFallsThrough() throws TemplateException {
    Map<String, Object> data = Map.of("a", "", "b", "bee");
    assertThat(render("{{ with .a }}A{{ . }}{{ else with .b }}B{{ . }}{{ else }}none{{ end }}", data))
        .isEqualTo("Bbee");
  }

  @Test
  void rangeVisitsMapKeysInSortedOrderWithIndexAndElementVariables() throws TemplateException {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("zone", "z1");
    labels.put("app", "web");
    assertThat(render("{{ range $k, $v := . }}{{ $k }}={{ $v }};{{ end }}", labels)).isEqualTo("app=web;zone=z1;");
    assertThat(render("{{ range $i, $v := . }}{{ $i }}:{{ $v }} {{ end }}", List.of("a", "b"))).isEqualTo("0:a 1:b ");
    assertThat(render("{{ range $v := . }}{{ $v }}{{ end }}", List.of("a", "b"))).isEqualTo("ab");
    assertThat(render("{{ range . }}{{ . }}{{ else }}empty{{ end }}", List.of())).isEqualTo("empty");
  }

  @Test
  void breakAndContinueControlTheInnermostRange() throws TemplateException {
    String text = "{{ range . }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ if eq . 4 }}{{ break }}{{ end }}{{ . }}{{ end }}";
    assertThat(render(text, List.of(1L, 2L, 3L, 4L, 5L))).isEqualTo("13");
  }

  @Test
  void variablesDeclaredInsideABlockEndWithIt() throws TemplateException {
    assertThat(render("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ $y := 3 }}{{ end }}{{ $x }}", null)).isEqualTo("2");
    assertThat(failure("{{ if true }}{{ $y := 3 }}{{ end }}{{ $y }}", null))
        .isEqualTo("template: t:1: undefined variable \"$y\"");
  }

  @Test
  void defineTemplateAndBlockRunWithTheirOwnDot() throws TemplateException {
    String text = "{{ define \"item\" }}<{{ . }}>{{ end }}{{ range . }}{{ template \"item\" . }}{{ end }}"
        + "{{ block \"tail\" \"t\" }}[{{ . }}]{{ end }}";
    assertThat(render(text, List.of("a", "b"))).isEqualTo("<a><b>[t]");
  }

  @Test
  void pipelinesPassTheValueAsTheLastArgument() throws TemplateException {
    assertThat(render("{{ \"x\" | printf \"%s-%s\" \"a\" }}", null)).isEqualTo("a-x");
    assertThat(render("{{ (printf \"%d\" 3) | len }} {{ (index . 0).k }}", List.of(Map.of("k", "v"))))
        .isEqualTo("1 v");
  }

  @Test
  void literalsOfEveryKind() throws TemplateException {
    assertThat(render("{{ \"a\\tb\" }}|{{ `raw\\n` }}|{{ 'a' }}|{{ 0x1F }}|{{ 1e3 }}|{{ 2.50 }}|{{ true }}|{{ -7 }}", null))
        .isEqualTo("a\tb|raw\\n|97|31|1000|2.5|true|-7");
  }

  @Test
  void builtinsBehaveAsGos() throws TemplateException {
    assertThat(render("{{ len . }} {{ index . 1 }} {{ slice . 1 3 }} {{ len \"héllo\" }}", List.of("a", "b", "c")))
        .isEqualTo("3 b [b c] 6");
    assertThat(render("{{ and 1 0 2 }} {{ or 0 \"\" 3 }} {{ not 0 }} {{ and 1 2 }}", null)).isEqualTo("0 3 true 2");
    assertThat(render("{{ eq 1 2 1 }} {{ ne \"a\" \"b\" }} {{ lt 1.5 2.5 }} {{ ge \"b\" \"a\" }}", null))
        .isEqualTo("true true true true");
    assertThat(render("{{ html \"<a href='x'>&\" }} {{ js \"it's <b>\" }} {{ urlquery \"a b&c=d\" }}", null))
        .isEqualTo("&lt;a href=&#39;x&#39;&gt;&amp; it\\'s \\u003Cb\\u003E a+b%26c%3Dd");
    assertThat(render("{{ print 1 2 \"a\" \"b\" 3 }}|{{ println 1 \"x\" }}", null)).isEqualTo("1 2ab3|1 x\n");
  }

  @Test
  void andOrStopEvaluatingOnceTheResultIsKnown() throws TemplateException {
    // index out of range would fail if evaluated.
    assertThat(render("{{ or 1 (index . 9) }}{{ and 0 (index . 9) }}", List.of())).isEqualTo("10");
  }

  @Test
  void missingKeyFollowsTheMissingKeyOption() throws TemplateException {
    Map<String, String> labels = Map.of("job", "api");
    assertThat(render("[{{ .instance }}]", labels)).isEqualTo("[<no value>]");
    assertThat(render("[{{ .instance }}]", labels,
        TemplateOptions.DEFAULTS.withMissingKey(TemplateOptions.MissingKey.ZERO))).isEqualTo("[]");
    assertThatThrownBy(() -> render("{{ .instance }}", labels,
        TemplateOptions.DEFAULTS.withMissingKey(TemplateOptions.MissingKey.ERROR)))
        .hasMessage("template: t:1:3: executing \"t\" at <.instance>: map has no entry for key \"instance\"");
  }

  @Test
  void parseErrorsHaveGosMessages() {
    assertThat(failure("{{ foo }}", null)).isEqualTo("template: t:1: function \"foo\" not defined");
    assertThat(failure("{{ .x }", null)).isEqualTo("template: t:1: unexpected \"}\" in operand");
    assertThat(failure("a\n{{ if . }}b", null)).isEqualTo("template: t:2: unexpected EOF");
    assertThat(failure("{{ end }}", null)).isEqualTo("template: t:1: unexpected {{end}}");
    assertThat(failure("{{ if }}{{ end }}", null)).isEqualTo("template: t:1: missing value for if");
    assertThat(failure("{{ $x }}", null)).isEqualTo("template: t:1: undefined variable \"$x\"");
    assertThat(failure("{{ \"abc }}", null)).isEqualTo("template: t:1: unterminated quoted string");
    assertThat(failure("x {{ .a", null)).isEqualTo("template: t:1: unclosed action");
    assertThat(failure("{{ break }}", null)).isEqualTo("template: t:1: {{break}} outside {{range}}");
    assertThat(failure("{{ 3k }}", null)).isEqualTo("template: t:1: bad number syntax: \"3k\"");
    assertThat(failure("{{ . | 3 }}", null)).isEqualTo("template: t:1: non executable command in pipeline stage 2");
    assertThat(failure("{{ (1 }}", null)).isEqualTo("template: t:1: unclosed left paren");
    assertThat(failure("{{ template . }}", null)).isEqualTo("template: t:1: unexpected <.> in template clause");
  }

  @Test
  void aNameDefinedTwiceInOneTextIsAnErrorButAnotherTextMayRedefineIt() throws TemplateException {
    assertThat(failure("{{ define \"a\" }}1{{ end }}{{ block \"a\" . }}2{{ end }}", null))
        .isEqualTo("template: t:1: template: multiple definition of template \"a\"");
    Template set = Template.parse("one", "{{ define \"a\" }}1{{ end }}", FunctionMap.builtins());
    assertThat(set.withText("two", "{{ define \"a\" }}2{{ end }}{{ template \"a\" }}").execute(null)).isEqualTo("2");
    assertThat(set.withText("two", "{{ define \"a\" }} {{ end }}{{ template \"a\" }}").execute(null)).isEqualTo("1");
  }

  @Test
  void lexerRejectsWhatGosRejects() {
    assertThat(failure("{{ $$x }}", null)).isEqualTo("template: t:1: bad character U+0024 '$'");
    assertThat(failure("{{ 1.5-2 }}", null)).isEqualTo("template: t:1: bad number syntax: \"1.5-2\"");
    assertThat(failure("{{ ) }}", null)).isEqualTo("template: t:1: unexpected \")\" in command");
  }

  @Test
  void nilReachesBuiltinsAsTheInvalidValue() throws TemplateException {
    assertThat(render("{{ and nil 1 }}|{{ or nil }}|{{ not nil }}|{{ eq nil 1 }}|{{ print nil }}|{{ html nil }}", null))
        .isEqualTo("<no value>|<no value>|true|false|<nil>|&lt;no value&gt;");
    assertThat(failure("{{ len nil }}", null)).endsWith("error calling len: reflect: call of reflect.Value.Type on zero Value");
    assertThat(failure("{{ index 1.5 nil }}", null)).endsWith("error calling index: can't index item of type float64");
  }

  @Test
  void errorsNameTheNodeEvaluatedLast() {
    // As Go's: the range's value came from "%d" and 3, the wrong-typed value from the argument "x".
    assertThat(failure("{{ range printf \"%d\" 3 }}{{ end }}", null))
        .isEqualTo("template: t:1:21: executing \"t\" at <3>: range can't iterate over 3");
    FunctionMap upper = FunctionMap.builtins().with("up", List.of(ArgType.STRING), args -> "")
        .with("id", List.of(ArgType.ANY), args -> List.of());
    assertThatThrownBy(() -> Template.parse("t", "{{ up (id \"x\") }}", upper).execute(null))
        .hasMessage("template: t:1:10: executing \"t\" at <\"x\">: wrong type for value; expected string; got []interface {}");
  }

  @Test
  void comparingUncomparableValuesFailsAsGos() {
    Map<String, Object> data = Map.of("m", Map.of("a", "b"), "s", new Sample(Map.of(), 1));
    assertThat(failure("{{ eq .m .s }}", data)).endsWith("error calling eq: non-comparable types map[a:b]: "
        + "map[string]string, *template.sample: &{map[] 1}");
    assertThat(failure("{{ eq .m .m }}", data)).endsWith("error calling eq: non-comparable type map[a:b]: map[string]string");
    assertThat(failure("{{ index .s 1 }}", data)).endsWith("error calling index: can't index item of type template.sample");
  }

  @Test
  void executionErrorsNameTheLineByteColumnAndNode() {
    assertThat(failure("line one\n  {{ index . 5 }}", List.of("a")))
        .isEqualTo("template: t:2:5: executing \"t\" at <index . 5>: error calling index: index out of range: 5");
    assertThat(failure("{{ lt 1 2.5 }}", null))
        .isEqualTo("template: t:1:3: executing \"t\" at <lt 1 2.5>: error calling lt: incompatible types for comparison");
    assertThat(failure("{{ .Value.x }}", new Alert(Map.of(), 1)))
        .isEqualTo("template: t:1:9: executing \"t\" at <.Value.x>: can't evaluate field x in type float64");
    assertThat(failure("{{ template \"nope\" }}", null))
        .isEqualTo("template: t:1:12: executing \"t\" at <{{template \"nope\"}}>: template \"nope\" not defined");
    assertThat(failure("{{ len 3 }}", null))
        .isEqualTo("template: t:1:3: executing \"t\" at <len 3>: error calling len: len of type int");
  }

  @Test
  void errorContextIsTheWholeNodeHoweverLong() {
    // As promtool 2.42 writes it: no cut at 20 chars.
    assertThat(failure("{{ index . \"a\" \"bbbbbbbbbbbbbbbbbb\" }}", List.of()))
        .startsWith("template: t:1:3: executing \"t\" at <index . \"a\" \"bbbbbbbbbbbbbbbbbb\">: error calling index:");
  }

  @Test
  void rejectsTemplateAboveTheSizeLimit() {
    TemplateOptions small = new TemplateOptions(TemplateOptions.MissingKey.DEFAULT, 10, 100, 100, 10);
    assertThatThrownBy(() -> Template.parse("t", "01234567890", FunctionMap.builtins(), small))
        .isInstanceOf(TemplateException.class)
        .hasMessage("template: t: template is 11 bytes, above the limit of 10 bytes");
  }

  @Test
  void stopsWritingAtTheOutputLimit() {
    TemplateOptions small = new TemplateOptions(TemplateOptions.MissingKey.DEFAULT, 1000, 5, 1000, 10);
    assertThatThrownBy(() -> render("{{ range . }}abc{{ end }}", List.of(1L, 2L), small))
        .hasMessageEndingWith("output is larger than the limit of 5 bytes");
  }

  @Test
  void stopsRangeLoopsAtTheIterationLimit() {
    TemplateOptions small = new TemplateOptions(TemplateOptions.MissingKey.DEFAULT, 1000, 1000, 3, 10);
    assertThatThrownBy(() -> render("{{ range . }}{{ range . }}{{ end }}{{ end }}", List.of(1L, 2L), small))
        .hasMessageEndingWith("range ran more than the limit of 3 iterations");
  }

  @Test
  void stopsTemplateCallsThatFanOutAtTheStepLimit() {
    // 2^40 calls within the depth limit, writing nothing and ranging over nothing.
    String fanOut = "{{define \"a\"}}{{if lt (len .) 40}}{{template \"a\" (printf \"%sx\" .)}}"
        + "{{template \"a\" (printf \"%sx\" .)}}{{end}}{{end}}{{template \"a\" \"\"}}";
    assertThatThrownBy(() -> render(fanOut, null))
        .hasMessageEndingWith("execution ran more than the limit of 1000000 steps (range iterations, template and "
            + "function calls)");
  }

  @Test
  void stopsIntermediateStringsAtTheOutputLimit() {
    String doubling = "{{$x := \"ab\"}}" + "{{$x = printf \"%s%s\" $x $x}}".repeat(40) + "{{len $x}}";
    assertThatThrownBy(() -> render(doubling, null))
        .hasMessageEndingWith("error calling printf: result is larger than the limit of 1048576 bytes");
  }

  @Test
  void stopsRecursiveTemplatesAtTheDepthLimit() {
    assertThatThrownBy(() -> render("{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}", null))
        .hasMessageEndingWith("exceeded maximum template depth (200)");
  }

  @Test
  void rejectsExpressionsAndBlocksNestedTooDeeply() {
    String parens = "{{ " + "(".repeat(101) + "1" + ")".repeat(101) + " }}";
    assertThatThrownBy(() -> render(parens, null)).hasMessage("template: t:1: max expression depth exceeded");
    String blocks = "{{ if 1 }}".repeat(101) + "{{ end }}".repeat(101);
    assertThatThrownBy(() -> render(blocks, null)).hasMessage("template: t:1: max expression depth exceeded");
  }

  /** A Go map type with methods, as the Alertmanager's KV. */
  private static final class Kv extends java.util.TreeMap<String, String> implements GoMethods, GoStringer {
    Kv(Map<String, String> entries) {
      super(entries);
    }

    @Override
    public GoMethod goMethod(String name) {
      return switch (name) {
        case "Names" -> GoMethod.of(args -> List.copyOf(keySet()));
        case "Without" -> new GoMethod(List.of(ArgType.STRING), null, args -> {
          Kv copy = new Kv(this);
          copy.remove((String) args.get(0));
          return copy;
        });
        default -> null;
      };
    }

    @Override
    public String goString() {
      return String.join(", ", entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
    }
  }

  @Test
  void methodsComeBeforeMapKeysTakeArgumentsFromDotAndStringersPrintThemselves() throws TemplateException {
    Map<String, Object> data = Map.of("kv", new Kv(Map.of("Names", "key", "a", "1", "b", "2")), "drop", "a");
    assertThat(render("{{ .kv.Names }}|{{ (.kv.Without .drop).Names }}|{{ .kv.a }}|{{ .kv }}|{{ printf \"%s\" .kv }}",
        data)).isEqualTo("[Names a b]|[Names b]|1|Names=key, a=1, b=2|Names=key, a=1, b=2");
    assertThat(failure("{{ .kv.Without }}", data))
        .isEqualTo("template: t:1:6: executing \"t\" at <.kv.Without>: wrong number of args for Without: want 1 got 0");
  }

  @Test
  void runtimeFunctionsReplaceTheParsedOnesBody() throws TemplateException {
    FunctionMap parseTime = FunctionMap.builtins().with("ts", List.of(), args -> 0L);
    Template template = Template.parse("t", "{{ ts }}", parseTime);
    assertThat(template.executeTemplate("t", null, FunctionMap.builtins().with("ts", List.of(), args -> 42L)))
        .isEqualTo("42");
  }

  @Test
  void functionArgumentsAreCheckedAgainstTheirGoTypes() {
    FunctionMap upper = FunctionMap.builtins().with("up", List.of(ArgType.STRING), args -> "");
    assertThatThrownBy(() -> Template.parse("t", "{{ up 3 }}", upper).execute(null))
        .hasMessage("template: t:1:6: executing \"t\" at <3>: expected string; found 3");
    assertThatThrownBy(() -> Template.parse("t", "{{ 1.5 | up }}", upper).execute(null))
        .hasMessage("template: t:1:9: executing \"t\" at <up>: wrong type for value; expected string; got float64");
    assertThatThrownBy(() -> Template.parse("t", "{{ up \"a\" \"b\" }}", upper).execute(null))
        .hasMessage("template: t:1:3: executing \"t\" at <up>: wrong number of args for up: want 1 got 2");
  }
}
