package dev.gantry.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JoinTokenTest {
  private static final String FP = "ab".repeat(32);

  @Test
  void aNewTokenCarriesTheFingerprintAndAFreshSecret() {
    JoinToken token = JoinToken.create(FP.toUpperCase());
    assertThat(token.encoded()).matches("gantry-join-v1\\.(ab){32}\\.[A-Za-z0-9_-]{43}");
    assertThat(token.caFingerprint()).isEqualTo(FP);
    assertThat(token.toString()).isEqualTo("gantry-join-v1." + FP + ".****").doesNotContain(token.secret());
    assertThat(JoinToken.create(FP).secret()).isNotEqualTo(token.secret());
    assertThatThrownBy(() -> JoinToken.create("abc")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> JoinToken.create(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aTokenReadsBackAsPastedWithSpaceAroundIt() {
    JoinToken token = JoinToken.create(FP);
    JoinToken read = JoinToken.parse("  " + token.encoded() + "\n");
    assertThat(read.encoded()).isEqualTo(token.encoded());
    assertThat(read.caFingerprint()).isEqualTo(FP);
    assertThat(read.secret()).isEqualTo(token.secret());
    String upper = "gantry-join-v1." + FP.toUpperCase() + "." + token.secret();
    assertThat(JoinToken.parse(upper).caFingerprint()).isEqualTo(FP);
  }

  @Test
  void theSecretIsComparedAndStoredHashed() throws Exception {
    JoinToken token = JoinToken.create(FP);
    assertThat(token.secretHash())
        .isEqualTo(MessageDigest.getInstance("SHA-256").digest(token.secret().getBytes(StandardCharsets.US_ASCII)));
    assertThat(token.matches(token.secret())).isTrue();
    assertThat(token.matches(JoinToken.create(FP).secret())).isFalse();
    assertThat(token.matches(token.secret().substring(1))).isFalse();
    assertThat(token.matches("")).isFalse();
    assertThat(token.matches(null)).isFalse();
    JoinToken presented = JoinToken.parse(token.encoded());
    assertThat(presented.matchesHash(token.secretHash())).isTrue();
    assertThat(JoinToken.create(FP).matchesHash(token.secretHash())).isFalse();
    assertThat(presented.matchesHash(new byte[0])).isFalse();
    assertThat(presented.matchesHash(null)).isFalse();
  }

  @Test
  void malformedTokensAreRefusedSayingWhy() {
    String secret = JoinToken.create(FP).secret();
    assertMalformed(null, "no join token given");
    assertMalformed("", "the join token is empty");
    assertMalformed(" \n\t ", "the join token is empty");
    assertMalformed("SWMTKN-1-abc", "is not a Gantry join token");
    assertMalformed("gantry-join-v2." + FP + "." + secret, "of a version this Gantry does not read");
    assertMalformed("gantry-join-v1", "it has 1 parts");
    assertMalformed("gantry-join-v1." + FP, "it has 2 parts");
    assertMalformed("gantry-join-v1." + FP + "." + secret + ".x", "it has 4 parts");
    assertMalformed("gantry-join-v1.." + FP + "." + secret, "it has 4 parts");
    assertMalformed("gantry-join-v1." + FP + "." + secret + ".", "it has 4 parts");
    assertMalformed("gantry-join-v1." + "zz".repeat(32) + "." + secret, "CA fingerprint is not 64 hex digits");
    assertMalformed("gantry-join-v1." + FP.substring(1) + "." + secret, "CA fingerprint is not 64 hex digits");
    assertMalformed("gantry-join-v1." + FP + "." + secret.substring(1), "secret is not 32 bytes");
    assertMalformed("gantry-join-v1." + FP + "." + secret + "A", "secret is not 32 bytes");
    assertMalformed("gantry-join-v1." + FP + "." + secret.substring(0, 42) + "+", "secret is not 32 bytes");
    // 43 base64 characters carry 258 bits: one whose 2 spare bits are set is not what create() writes.
    String spareBits = secret.substring(0, 42) + "B";
    if (!spareBits.equals(secret)) {
      assertMalformed("gantry-join-v1." + FP + "." + spareBits, "secret is not 32 bytes");
    }
    assertMalformed("gantry-join-v1." + FP + " ." + secret, "other than printable ASCII (at position 79)");
    assertMalformed("x".repeat(1024 * 1024), "too long (1048576 characters");
    assertMalformed("gantry-join-v1." + FP + "." + secret + "\u0000", "other than printable ASCII");
    assertMalformed("gantry-join-v1." + FP + ".\uD800" + secret.substring(1), "other than printable ASCII");
  }

  @Test
  void noInputEndsInAnyOtherException() {
    Random random = new Random(14);
    String valid = JoinToken.create(FP).encoded();
    for (int i = 0; i < 5000; i++) {
      String input;
      if (i % 2 == 0) {
        char[] chars = new char[random.nextInt(300)];
        for (int j = 0; j < chars.length; j++) {
          chars[j] = (char) (i % 4 == 0 ? random.nextInt(0x10000) : 0x20 + random.nextInt(0x5f));
        }
        input = new String(chars);
      } else {
        char[] chars = valid.toCharArray();
        chars[random.nextInt(chars.length)] = (char) random.nextInt(0x80);
        input = new String(chars);
      }
      try {
        JoinToken.parse(input);
      } catch (IllegalArgumentException expected) {
        assertThat(expected.getMessage()).isNotBlank();
      } catch (RuntimeException e) {
        fail("parse threw " + e + " for input #" + i);
      }
    }
  }

  private static void assertMalformed(String input, String message) {
    var thrown = assertThatThrownBy(() -> JoinToken.parse(input))
        .as(input == null ? "null" : input.length() > 200 ? input.substring(0, 40) + "..." : input)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
    if (input != null) {
      for (String part : List.of(input.split("\\."))) {
        if (part.length() >= 20) {
          thrown.hasMessageNotContaining(part);
        }
      }
    }
  }
}
