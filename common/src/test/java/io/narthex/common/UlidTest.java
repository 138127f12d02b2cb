package io.narthex.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class UlidTest {
  @Test
  void generatesCrockfordBase32SortedByTime() {
    Random random = new Random(1);
    String previous = "";
    for (long t : new long[] {0, 1, 31, 32, 1_000_000, 1_700_000_000_000L, 1_700_000_000_001L, (1L << 48) - 1}) {
      String ulid = Ulid.generate(t, random);
      assertThat(ulid).hasSize(26).matches("[0-7][0-9A-HJKMNP-TV-Z]{25}");
      assertThat(Ulid.timestampMs(ulid)).isEqualTo(t);
      assertThat(Ulid.isCanonical(ulid)).isTrue();
      assertThat(ulid).isGreaterThan(previous);
      previous = ulid;
    }
    assertThat(Ulid.generate(0, new Random(1))).startsWith("0000000000");
    assertThat(Ulid.generate()).isNotEqualTo(Ulid.generate());
    assertThatThrownBy(() -> Ulid.generate(1L << 48, random)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void acceptsEitherCaseButCallsOnlyUpperCaseCanonical() {
    String ulid = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    assertThat(Ulid.isValid(ulid)).isTrue();
    assertThat(Ulid.isValid(ulid.toLowerCase())).isTrue();
    assertThat(Ulid.isCanonical(ulid.toLowerCase())).isFalse();
  }

  @Test
  void rejectsWrongLengthForeignLettersAndValuesAbove128Bits() {
    assertThat(Ulid.isValid(null)).isFalse();
    assertThat(Ulid.isValid("01ARZ3NDEKTSV4RRFFQ69G5FA")).isFalse();
    assertThat(Ulid.isValid("01ARZ3NDEKTSV4RRFFQ69G5FAU")).isFalse();
    assertThat(Ulid.isValid("81ARZ3NDEKTSV4RRFFQ69G5FAV")).isFalse();
    assertThat(Ulid.isValid("../../../../../../etc/pass")).isFalse();
  }
}
