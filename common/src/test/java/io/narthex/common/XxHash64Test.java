package io.narthex.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class XxHash64Test {
  /** Expected values: XXH64 (seed 0) of Debian's libxxhash 0.8.1, called through Python's ctypes. */
  @Test
  void hashesAsTheReferenceXxh64ForEveryTailAndStripeLength() {
    byte[] hundred = new byte[100];
    for (int i = 0; i < hundred.length; i++) {
      hundred[i] = (byte) i;
    }
    assertThat(XxHash64.hash(new byte[0])).isEqualTo(0xef46db3751d8e999L);
    assertThat(XxHash64.hash(bytes("a"))).isEqualTo(0xd24ec4f1a98c6e5bL);
    assertThat(XxHash64.hash(bytes("abc"))).isEqualTo(0x44bc2cf5ad770999L);
    assertThat(XxHash64.hash(bytes("Nobody inspects the spammish repetition"))).isEqualTo(0xfbcea83c8a378bf1L);
    assertThat(XxHash64.hash(hundred)).isEqualTo(0x6ac1e58032166597L);
    assertThat(XxHash64.hash(bytes("abcdef"), 3)).isEqualTo(0x44bc2cf5ad770999L);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
