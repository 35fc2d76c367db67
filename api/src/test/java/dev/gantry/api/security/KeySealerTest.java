package dev.gantry.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeySealerTest {
  private static final byte[] SECRET = "-----BEGIN PRIVATE KEY-----\nthe CA key\n".getBytes(StandardCharsets.US_ASCII);

  @TempDir
  Path dir;

  @Test
  void opensWhatItSealedAndNeverSealsTheSameWayTwice() {
    KeySealer sealer = KeySealer.fromKey(new byte[32]);
    byte[] a = sealer.seal(SECRET);
    byte[] b = sealer.seal(SECRET);
    assertThat(a).isNotEqualTo(b);
    assertThat(a[0]).isEqualTo((byte) 1);
    assertThat(a).hasSize(SECRET.length + 1 + 12 + 16);
    assertThat(new String(a, StandardCharsets.ISO_8859_1)).doesNotContain("the CA key");
    assertThat(sealer.open(a)).isEqualTo(SECRET);
    assertThat(sealer.open(b)).isEqualTo(SECRET);
    assertThat(sealer.open(sealer.seal(new byte[0]))).isEmpty();
  }

  @Test
  void theKeyFileIsMadeOnceOwnerOnlyAndReused() throws Exception {
    Path file = dir.resolve("state/seal.key");
    KeySealer first = KeySealer.loadOrCreate(file);
    assertThat(Files.size(file)).isEqualTo(32);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    byte[] key = Files.readAllBytes(file);
    byte[] sealed = first.seal(SECRET);

    KeySealer again = KeySealer.loadOrCreate(file);
    assertThat(Files.readAllBytes(file)).isEqualTo(key);
    assertThat(again.open(sealed)).isEqualTo(SECRET);
    assertThat(KeySealer.loadOrCreate(dir.resolve("other.key")).seal(SECRET)).isNotNull();
    try (var left = Files.list(file.getParent())) {
      assertThat(left).containsExactly(file);
    }
  }

  @Test
  void anotherKeyCannotOpenIt() throws Exception {
    byte[] sealed = KeySealer.loadOrCreate(dir.resolve("a.key")).seal(SECRET);
    KeySealer other = KeySealer.loadOrCreate(dir.resolve("b.key"));
    assertThatThrownBy(() -> other.open(sealed))
        .isInstanceOf(SealedDataException.class)
        .hasMessage("cannot be opened: it was sealed under another key, or changed");
  }

  @Test
  void anyChangedBitIsRefused() {
    KeySealer sealer = KeySealer.fromKey(filled(7));
    byte[] sealed = sealer.seal(SECRET);
    for (int i = 0; i < sealed.length; i++) {
      for (int bit = 0; bit < 8; bit += 3) {
        byte[] tampered = sealed.clone();
        tampered[i] ^= (byte) (1 << bit);
        int at = i;
        assertThatThrownBy(() -> sealer.open(tampered)).as("byte %d", at).isInstanceOf(SealedDataException.class);
      }
    }
    byte[] version2 = sealed.clone();
    version2[0] = 2;
    assertThatThrownBy(() -> sealer.open(version2)).hasMessage("is sealed data of unknown version 2 (this Gantry reads version 1)");
  }

  @Test
  void truncatedOrForeignDataIsRefused() {
    KeySealer sealer = KeySealer.fromKey(filled(1));
    byte[] sealed = sealer.seal(SECRET);
    assertThatThrownBy(() -> sealer.open(Arrays.copyOf(sealed, sealed.length - 1))).isInstanceOf(SealedDataException.class);
    assertThatThrownBy(() -> sealer.open(Arrays.copyOf(sealed, 28)))
        .isInstanceOf(SealedDataException.class).hasMessage("is not sealed data: too short (28 bytes)");
    assertThatThrownBy(() -> sealer.open(new byte[0])).isInstanceOf(SealedDataException.class);
    assertThatThrownBy(() -> sealer.open(null)).isInstanceOf(SealedDataException.class);
    assertThatThrownBy(() -> sealer.open(SECRET)).isInstanceOf(SealedDataException.class);
  }

  @Test
  void aKeyFileOfTheWrongSizeOrOpenToOthersIsRefused() throws Exception {
    Path short_ = dir.resolve("short.key");
    Files.write(short_, new byte[31]);
    Files.setPosixFilePermissions(short_, PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> KeySealer.loadOrCreate(short_))
        .isInstanceOf(IOException.class).hasMessage(short_ + " is not a sealing key: it has 31 bytes, not 32");

    Path open = dir.resolve("open.key");
    Files.write(open, new byte[32]);
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> KeySealer.loadOrCreate(open))
        .isInstanceOf(IOException.class).hasMessageContaining("may be read or written by others").hasMessageContaining("chmod 600");

    assertThatThrownBy(() -> KeySealer.fromKey(new byte[16])).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a sealing key is 32 bytes, not 16");
  }

  private static byte[] filled(int value) {
    byte[] key = new byte[32];
    Arrays.fill(key, (byte) value);
    return key;
  }
}
