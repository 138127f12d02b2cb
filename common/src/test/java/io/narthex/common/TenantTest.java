package io.narthex.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TenantTest {
  @Test
  void resolvesEveryRequestToAnonymousWithoutMultitenancy() {
    assertThat(Tenant.resolve(null, false)).isEqualTo(Tenant.ANONYMOUS);
    assertThat(Tenant.resolve("../x", false)).isEqualTo(Tenant.ANONYMOUS);
  }

  @Test
  void acceptsMimirsCharacterSetUpTo150Characters() {
    assertThat(Tenant.resolve("team-a_1.prod!*'()", true)).isEqualTo("team-a_1.prod!*'()");
    assertThat(Tenant.isValid("a".repeat(Tenant.MAX_LENGTH))).isTrue();
  }

  @Test
  void rejectsMissingFederatedLongDotAndPathLikeIds() {
    assertThatThrownBy(() -> Tenant.resolve(null, true)).isInstanceOf(Tenant.InvalidTenantException.class)
        .hasMessage("no org id");
    assertThatThrownBy(() -> Tenant.resolve("a|b", true)).hasMessageContaining("multiple org ids");
    assertThatThrownBy(() -> Tenant.resolve("a".repeat(151), true)).hasMessageContaining("too long");
    assertThatThrownBy(() -> Tenant.resolve("..", true)).hasMessageContaining("'.' or '..'");
    assertThatThrownBy(() -> Tenant.resolve("a/b", true)).hasMessageContaining("unsupported character '/'");
    for (String invalid : new String[] {"", ".", "..", "a/b", "a\\b", "a|b", "a b", "a".repeat(151)}) {
      assertThat(Tenant.isValid(invalid)).as(invalid).isFalse();
    }
  }
}
