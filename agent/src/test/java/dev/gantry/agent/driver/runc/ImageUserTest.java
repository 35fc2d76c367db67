package dev.gantry.agent.driver.runc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageUserTest {
    private static final String PASSWD = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:App:/home/app:/bin/sh\n";
    private static final String GROUP = "root:x:0:\nstaff:x:50:app\n";

    @Test
    void emptyMeansRoot() {
        assertThat(ImageUser.resolve("", PASSWD, GROUP)).isEqualTo(new ImageUser(0, 0, "/root"));
        assertThat(ImageUser.resolve(null, "", "")).isEqualTo(ImageUser.ROOT);
    }

    @Test
    void numericIds() {
        assertThat(ImageUser.resolve("1000", PASSWD, GROUP)).isEqualTo(new ImageUser(1000, 1001, "/home/app"));
        assertThat(ImageUser.resolve("1000:7", PASSWD, GROUP)).isEqualTo(new ImageUser(1000, 7, "/home/app"));
        assertThat(ImageUser.resolve("4242", PASSWD, GROUP)).isEqualTo(new ImageUser(4242, 0, "/"));
    }

    @Test
    void namesResolveInTheImage() {
        assertThat(ImageUser.resolve("app", PASSWD, GROUP)).isEqualTo(new ImageUser(1000, 1001, "/home/app"));
        assertThat(ImageUser.resolve("app:staff", PASSWD, GROUP)).isEqualTo(new ImageUser(1000, 50, "/home/app"));
        assertThatThrownBy(() -> ImageUser.resolve("nobody", PASSWD, GROUP)).hasMessageContaining("'nobody' not found");
        assertThatThrownBy(() -> ImageUser.resolve("app:wheel", PASSWD, GROUP)).hasMessageContaining("'wheel' not found");
    }

    @Test
    void doesNotFollowSymlinksOutOfTheRootfs(@TempDir Path rootfs) throws IOException {
        Files.createDirectories(rootfs.resolve("etc"));
        Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("/etc/passwd"));
        assertThatThrownBy(() -> ImageUser.resolve("root", rootfs)).hasMessageContaining("not found");
        assertThat(ImageUser.resolve("0", rootfs)).isEqualTo(new ImageUser(0, 0, "/"));
    }
}
