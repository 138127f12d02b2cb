package io.narthex.template;

import java.util.List;

/**
 * The parse tree, node for node as Go's text/template/parse: {@code toString} writes a node back as template source,
 * the way Go does in the {@code at <...>} part of execution errors. {@code pos} is the char offset in the template.
 */
sealed interface Node {
  int pos();

  record ListNode(int pos, List<Node> nodes) implements Node {
    @Override
    public String toString() {
      StringBuilder out = new StringBuilder();
      for (Node n : nodes) {
        out.append(n);
      }
      return out.toString();
    }
  }

  record TextNode(int pos, String text) implements Node {
    @Override
    public String toString() {
      return text;
    }
  }

  record ActionNode(int pos, int line, PipeNode pipe) implements Node {
    @Override
    public String toString() {
      return "{{" + pipe + "}}";
    }
  }

  record PipeNode(int pos, int line, boolean isAssign, List<VariableNode> decl, List<CommandNode> cmds)
      implements Node {
    @Override
    public String toString() {
      StringBuilder out = new StringBuilder();
      if (!decl.isEmpty()) {
        for (int i = 0; i < decl.size(); i++) {
          out.append(i > 0 ? ", " : "").append(decl.get(i));
        }
        out.append(isAssign ? " = " : " := ");
      }
      for (int i = 0; i < cmds.size(); i++) {
        out.append(i > 0 ? " | " : "").append(cmds.get(i));
      }
      return out.toString();
    }
  }

  record CommandNode(int pos, List<Node> args) implements Node {
    @Override
    public String toString() {
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < args.size(); i++) {
        Node arg = args.get(i);
        out.append(i > 0 ? " " : "");
        out.append(arg instanceof PipeNode ? "(" + arg + ")" : arg.toString());
      }
      return out.toString();
    }
  }

  record IdentifierNode(int pos, String ident) implements Node {
    @Override
    public String toString() {
      return ident;
    }
  }

  /** {@code $x} or {@code $x.Field.Key}: ident holds the variable name, then the field names. */
  record VariableNode(int pos, List<String> ident) implements Node {
    @Override
    public String toString() {
      return String.join(".", ident);
    }
  }

  record DotNode(int pos) implements Node {
    @Override
    public String toString() {
      return ".";
    }
  }

  record NilNode(int pos) implements Node {
    @Override
    public String toString() {
      return "nil";
    }
  }

  /** {@code .Field.Key}: ident holds the field names without dots. */
  record FieldNode(int pos, List<String> ident) implements Node {
    @Override
    public String toString() {
      return "." + String.join(".", ident);
    }
  }

  /** Fields after a term that is not dot or a variable, such as {@code (query "up").Labels}. */
  record ChainNode(int pos, Node node, List<String> field) implements Node {
    @Override
    public String toString() {
      String base = node instanceof PipeNode ? "(" + node + ")" : node.toString();
      return base + "." + String.join(".", field);
    }
  }

  record BoolNode(int pos, boolean value) implements Node {
    @Override
    public String toString() {
      return Boolean.toString(value);
    }
  }

  /** A number or char constant: {@code value} is a Long (Go int) or a Double (Go float64), as Go's idealConstant. */
  record NumberNode(int pos, String text, Object value) implements Node {
    @Override
    public String toString() {
      return text;
    }
  }

  record StringNode(int pos, String quoted, String text) implements Node {
    @Override
    public String toString() {
      return quoted;
    }
  }

  enum BranchKind {
    IF, RANGE, WITH;

    String keyword() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  record BranchNode(BranchKind kind, int pos, int line, PipeNode pipe, ListNode list, ListNode elseList)
      implements Node {
    @Override
    public String toString() {
      String out = "{{" + kind.keyword() + " " + pipe + "}}" + list;
      if (elseList != null) {
        out += "{{else}}" + elseList;
      }
      return out + "{{end}}";
    }
  }

  record TemplateNode(int pos, int line, String name, PipeNode pipe) implements Node {
    @Override
    public String toString() {
      return pipe == null ? "{{template " + GoStrings.quote(name) + "}}"
          : "{{template " + GoStrings.quote(name) + " " + pipe + "}}";
    }
  }

  record BreakNode(int pos, int line) implements Node {
    @Override
    public String toString() {
      return "{{break}}";
    }
  }

  record ContinueNode(int pos, int line) implements Node {
    @Override
    public String toString() {
      return "{{continue}}";
    }
  }

  /** {@code {{end}}} and {@code {{else}}}: only while parsing, never in a finished tree. */
  record EndNode(int pos) implements Node {
    @Override
    public String toString() {
      return "{{end}}";
    }
  }

  record ElseNode(int pos, int line) implements Node {
    @Override
    public String toString() {
      return "{{else}}";
    }
  }
}
