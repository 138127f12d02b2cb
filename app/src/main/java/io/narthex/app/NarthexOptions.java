package io.narthex.app;

import io.narthex.common.TenantResolver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Every setting of a Narthex process. Flags mirror Mimir's names (both {@code -flag} and {@code --flag} work) and
 * each option's {@code descriptionKey} is its YAML path in {@code --config.file}, also mirroring Mimir's. Flags
 * override the file; the file overrides the defaults, which run one process on local disk.
 */
@Command(
    name = "narthex",
    mixinStandardHelpOptions = true,
    versionProvider = NarthexOptions.VersionProvider.class,
    description = "Narthex: a horizontally scalable, multi-tenant long-term store for Prometheus metrics.",
    showDefaultValues = true,
    sortOptions = false)
public final class NarthexOptions {
  /** The components a process can run. */
  public enum Target {
    ALL,
    DISTRIBUTOR,
    INGESTER,
    QUERIER,
    STORE_GATEWAY,
    COMPACTOR,
    RULER,
    ALERTMANAGER
  }

  @Option(names = {"--config.file", "-config.file"}, paramLabel = "<file>",
      description = "YAML configuration file")
  String configFile;

  // Read before the other flags, by YamlDefaults.expandEnvOf, as the file gives their defaults.
  @Option(names = {"--config.expand-env", "-config.expand-env"}, defaultValue = "false", arity = "0..1",
      fallbackValue = "true",
      description = "replace `${VAR}`, `$VAR` and `${VAR:default}` in `--config.file` with environment variables "
          + "before parsing it, as Mimir: an unset variable is empty, `default` stands for an unset or empty one, "
          + "and `$` has no escape (`$$` is empty too)")
  boolean expandEnv;

  /** {@link #configFile} as read and checked; null without one. */
  ConfigFile config;

  @Option(names = {"--target", "-target"}, descriptionKey = "target", split = ",", defaultValue = "all",
      converter = TargetConverter.class,
      description = "comma-separated components to run: `all`, `distributor`, `ingester`, `querier`, "
          + "`store-gateway`, `compactor`, `ruler`, `alertmanager`")
  List<Target> targets = new ArrayList<>(List.of(Target.ALL));

  @Mixin public ServerOptions server = new ServerOptions();
  @Mixin public IngesterOptions ingester = new IngesterOptions();
  @Mixin public IngesterClientOptions ingesterClient = new IngesterClientOptions();
  @Mixin public DistributorOptions distributor = new DistributorOptions();
  @Mixin public LimitsOptions limits = new LimitsOptions();
  @Mixin public QuerierOptions querier = new QuerierOptions();
  @Mixin public TenantFederationOptions tenantFederation = new TenantFederationOptions();
  @Mixin public BucketOptions bucket = new BucketOptions();
  @Mixin public StoreGatewayOptions storeGateway = new StoreGatewayOptions();
  @Mixin public CompactorOptions compactor = new CompactorOptions();
  @Mixin public RulerOptions ruler = new RulerOptions();
  @Mixin public AlertmanagerOptions alertmanager = new AlertmanagerOptions();
  @Mixin public RuntimeConfigOptions runtimeConfig = new RuntimeConfigOptions();

  @Option(names = {"--auth.multitenancy-enabled", "-auth.multitenancy-enabled"},
      descriptionKey = "multitenancy_enabled", defaultValue = "true", arity = "0..1", fallbackValue = "true",
      description = "require `X-Scope-OrgID`; when false every request is tenant `anonymous`")
  public boolean multitenancyEnabled = true;

  @Option(names = {"--auth.tenant-from-basic-auth", "-auth.tenant-from-basic-auth"},
      descriptionKey = "auth.tenant_from_basic_auth", defaultValue = "false", arity = "0..1", fallbackValue = "true",
      description = "a request without `X-Scope-OrgID` takes its tenant from its HTTP basic-auth user name, checked "
          + "as the header is; the password is ignored (authentication is the proxy's job). A header and a "
          + "different user name get 400 `err-narthex-tenant-header-and-basic-auth-differ`. As hosted Mimir "
          + "gateways; Mimir itself has no such flag")
  public boolean tenantFromBasicAuth = false;

  /** How every HTTP endpoint tells a request's tenant, from {@code -auth.*}. */
  public TenantResolver tenantResolver() {
    return new TenantResolver(multitenancyEnabled, tenantFromBasicAuth);
  }


  @Option(names = {"--http.prometheus-http-prefix", "-http.prometheus-http-prefix"},
      descriptionKey = "api.prometheus_http_prefix", defaultValue = "/prometheus",
      description = "path prefix of the Prometheus HTTP API")
  public String prometheusHttpPrefix = "/prometheus";

  /**
   * Parses flags the way {@code bin/narthex} does, reading {@code --config.file} when given.
   *
   * @throws CommandLine.ParameterException on an unknown flag, a bad value or an unreadable config file
   */
  public static NarthexOptions parse(String... args) {
    return parse(System.getenv(), args);
  }

  /** {@link #parse(String...)} with {@code env} as the environment {@code --config.expand-env} reads. */
  static NarthexOptions parse(java.util.Map<String, String> env, String... args) {
    NarthexOptions options = new NarthexOptions();
    CommandLine commandLine = commandLine(options, args, env);
    commandLine.parseArgs(args);
    return options;
  }

  static CommandLine commandLine(NarthexOptions options, String[] args) {
    return commandLine(options, args, System.getenv());
  }

  /** The command line for {@code args}, its defaults from their config file, expanded from {@code env} if asked. */
  static CommandLine commandLine(NarthexOptions options, String[] args, java.util.Map<String, String> env) {
    // picocli would resolve ${NAME} in the file's values (its defaults) from system properties and the environment,
    // with or without --config.expand-env; Mimir leaves them as written.
    CommandLine commandLine = new CommandLine(options).setInterpolateVariables(false);
    YamlDefaults defaults = new YamlDefaults(YamlDefaults.configFileOf(args),
        YamlDefaults.expandEnvOf(args) ? env : null, commandLine);
    options.config = defaults.config();
    commandLine.setDefaultValueProvider(defaults);
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    return commandLine;
  }

  /** The YAML paths of every option. */
  static Set<String> yamlKeys() {
    return YamlDefaults.yamlKeys(new CommandLine(new NarthexOptions()));
  }

  /** Flags renamed to Mimir's names, still accepted, with the name that replaced them. */
  static final java.util.Map<String, String> DEPRECATED_FLAGS = java.util.Map.of(
      "ingester.node-id", "-ingester.ring.instance-id",
      "ingester.replication-factor", "-ingester.ring.replication-factor",
      "store-gateway.instance-id", "-store-gateway.sharding-ring.instance-id",
      "compactor.instance-id", "-compactor.ring.instance-id");

  /** A warning for each deprecated flag name in {@code args}. */
  static List<String> deprecationWarnings(String... args) {
    List<String> out = new ArrayList<>();
    for (String arg : args) {
      String name = arg.replaceFirst("^--?", "").replaceFirst("=.*$", "");
      String replacement = arg.startsWith("-") ? DEPRECATED_FLAGS.get(name) : null;
      if (replacement != null) {
        out.add("flag -" + name + " is deprecated and will be removed, use " + replacement);
      }
    }
    return out;
  }

  /** The targets, with {@code all} expanded. */
  public Set<Target> components() {
    EnumSet<Target> out = EnumSet.noneOf(Target.class);
    for (Target target : targets) {
      if (target == Target.ALL) {
        out.addAll(EnumSet.of(Target.DISTRIBUTOR, Target.INGESTER, Target.QUERIER, Target.STORE_GATEWAY,
            Target.COMPACTOR, Target.RULER, Target.ALERTMANAGER));
      } else {
        out.add(target);
      }
    }
    return out;
  }

  /** Accepts target names in any case. */
  static final class TargetConverter implements CommandLine.ITypeConverter<Target> {
    @Override
    public Target convert(String value) {
      try {
        return Target.valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(
            "unknown target '" + value + "': expected all, distributor, ingester, querier, store-gateway, compactor, "
                + "ruler or alertmanager");
      }
    }
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"narthex " + Version.VERSION};
    }
  }
}
