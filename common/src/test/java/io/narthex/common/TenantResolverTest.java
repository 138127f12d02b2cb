package io.narthex.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class TenantResolverTest {
  private static final TenantResolver FROM_BASIC_AUTH = new TenantResolver(true, true);

  /** {@code Authorization: Basic ...} for the user and password, as Prometheus's {@code basic_auth} sends it. */
  static String basicAuth(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void takesTheTenantFromTheHeaderAlone() {
    assertThat(FROM_BASIC_AUTH.resolve("team-x", null)).isEqualTo("team-x");
    assertThat(TenantResolver.DEFAULT.resolve("team-x", basicAuth("team-y", "pw"))).isEqualTo("team-x");
  }

  @Test
  void takesTheTenantFromTheBasicAuthUserNameIgnoringThePassword() {
    assertThat(FROM_BASIC_AUTH.resolve(null, basicAuth("team-x", "anything"))).isEqualTo("team-x");
    assertThat(FROM_BASIC_AUTH.resolve("", "basic " + basicAuth("team-x", "a:b").substring(6))).isEqualTo("team-x");
  }

  @Test
  void ignoresBasicAuthUnlessEnabledAndOtherSchemes() {
    assertThatThrownBy(() -> TenantResolver.DEFAULT.resolve(null, basicAuth("team-x", "pw")))
        .isInstanceOf(Tenant.InvalidTenantException.class).hasMessage("no org id");
    assertThatThrownBy(() -> FROM_BASIC_AUTH.resolve(null, "Bearer abc")).hasMessage("no org id");
    assertThatThrownBy(() -> FROM_BASIC_AUTH.resolve(null, basicAuth("", "pw"))).hasMessage("no org id");
    assertThat(FROM_BASIC_AUTH.resolve("team-x", "Bearer abc")).isEqualTo("team-x");
    assertThat(TenantResolver.ANONYMOUS.resolve("team-x", basicAuth("team-y", "pw"))).isEqualTo(Tenant.ANONYMOUS);
  }

  @Test
  void acceptsHeaderAndBasicAuthNamingTheSameTenant() {
    assertThat(FROM_BASIC_AUTH.resolve("team-x", basicAuth("team-x", "pw"))).isEqualTo("team-x");
  }

  @Test
  void rejectsHeaderAndBasicAuthNamingDifferentTenantsWith400NamingBoth() {
    assertThatThrownBy(() -> FROM_BASIC_AUTH.resolve("team-y", basicAuth("team-x", "pw")))
        .isInstanceOfSatisfying(Tenant.InvalidTenantException.class,
            e -> assertThat(e.httpStatus()).isEqualTo(400))
        .hasMessage("the X-Scope-OrgID header names tenant 'team-y' but the basic-auth user name is 'team-x'; "
            + "send one of them, or the same tenant in both (err-narthex-tenant-header-and-basic-auth-differ)");
  }

  @Test
  void rejectsMalformedBasicCredentialsWith400() {
    assertThatThrownBy(() -> FROM_BASIC_AUTH.resolve(null, "Basic %%%"))
        .isInstanceOfSatisfying(Tenant.InvalidTenantException.class,
            e -> assertThat(e.httpStatus()).isEqualTo(400))
        .hasMessageStartingWith("the Authorization header's Basic credentials are not valid base64")
        .hasMessageEndingWith("(err-narthex-malformed-basic-auth)");
    String noColon = "Basic " + Base64.getEncoder().encodeToString("team-x".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> FROM_BASIC_AUTH.resolve("team-x", noColon))
        .hasMessage("the Authorization header's Basic credentials have no ':' between user name and password"
            + " (err-narthex-malformed-basic-auth)");
  }

  @Test
  void checksTheUserNameAsAHeaderTenantWithTheSameMessages() {
    for (String invalid : new String[] {"..", "a/b", "a".repeat(151), "a|b"}) {
      assertThatThrownBy(() -> FROM_BASIC_AUTH.resolve(null, basicAuth(invalid, "pw"))).as(invalid)
          .isInstanceOfSatisfying(Tenant.InvalidTenantException.class,
              e -> assertThat(e.httpStatus()).isEqualTo(401))
          .hasMessage(messageOf(() -> Tenant.resolve(invalid, true)));
    }
  }

  @Test
  void federatesAUserNameAsTheHeaderSortedAndDeduplicated() {
    assertThat(FROM_BASIC_AUTH.resolveFederated(null, basicAuth("b|a|b", "pw"))).containsExactly("a", "b");
    assertThat(FROM_BASIC_AUTH.resolveFederated("b|a", null)).containsExactly("a", "b");
    assertThat(FROM_BASIC_AUTH.resolveFederated("team-x", null)).containsExactly("team-x");
    assertThatThrownBy(() -> FROM_BASIC_AUTH.resolveFederated(null, basicAuth("a|", "pw"))).hasMessage("no org id");
    assertThatThrownBy(() -> FROM_BASIC_AUTH.resolveFederated("a|b", basicAuth("b|a", "pw")))
        .hasMessageEndingWith("(err-narthex-tenant-header-and-basic-auth-differ)");
  }

  @Test
  void resolvesNothingForARequestNamingNoTenant() {
    assertThat(FROM_BASIC_AUTH.resolveIfNamed(null, null)).isNull();
    assertThat(FROM_BASIC_AUTH.resolveIfNamed(null, basicAuth("team-x", "pw"))).isEqualTo("team-x");
    assertThat(TenantResolver.ANONYMOUS.resolveIfNamed(null, null)).isEqualTo(Tenant.ANONYMOUS);
  }

  private static String messageOf(Runnable call) {
    try {
      call.run();
    } catch (Tenant.InvalidTenantException e) {
      return e.getMessage();
    }
    throw new AssertionError("no exception");
  }
}
