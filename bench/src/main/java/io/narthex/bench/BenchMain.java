package io.narthex.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/narthex-bench}: the write and query load generators. The JMH benchmarks in this module run from the
 * same jar's default entry point ({@code java -jar bench/target/narthex-bench.jar}).
 */
@Command(name = "narthex-bench", mixinStandardHelpOptions = true,
    subcommands = {WriteCommand.class, VerifyCommand.class, QueryCommand.class, RulesCommand.class, AlertsCommand.class,
        RaftMessagesCommand.class},
    description = "Load generators for Narthex: remote-write ingest (write), PromQL queries (query) and recording"
        + " rules under ingest (rules); Raft messages per log entry (raft-messages).")
public final class BenchMain implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new BenchMain()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "expected a subcommand: write, verify, query, rules, alerts or raft-messages");
  }
}
