package dev.gantry.agent.driver.runc;

import java.util.Collection;
import java.util.Locale;

/** Linux capabilities with their bit numbers (linux/capability.h), for specs and for reading CapEff masks. */
public enum Capability {
    CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID, KILL, SETGID, SETUID, SETPCAP, LINUX_IMMUTABLE,
    NET_BIND_SERVICE, NET_BROADCAST, NET_ADMIN, NET_RAW, IPC_LOCK, IPC_OWNER, SYS_MODULE, SYS_RAWIO,
    SYS_CHROOT, SYS_PTRACE, SYS_PACCT, SYS_ADMIN, SYS_BOOT, SYS_NICE, SYS_RESOURCE, SYS_TIME,
    SYS_TTY_CONFIG, MKNOD, LEASE, AUDIT_WRITE, AUDIT_CONTROL, SETFCAP, MAC_OVERRIDE, MAC_ADMIN, SYSLOG,
    WAKE_ALARM, BLOCK_SUSPEND, AUDIT_READ, PERFMON, BPF, CHECKPOINT_RESTORE;

    /** Bit number in the kernel's capability masks (the enum order follows the kernel's numbering). */
    public int bit() {
        return ordinal();
    }

    /** The name runc expects, e.g. {@code CAP_NET_RAW}. */
    public String ociName() {
        return "CAP_" + name();
    }

    /** Accepts {@code NET_RAW}, {@code net_raw} and {@code CAP_NET_RAW}. */
    public static Capability parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT);
        if (n.startsWith("CAP_")) n = n.substring(4);
        try {
            return valueOf(n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown capability: " + name);
        }
    }

    /** The mask as /proc/PID/status prints it (CapEff etc.). */
    public static long mask(Collection<Capability> caps) {
        long m = 0;
        for (Capability c : caps) m |= 1L << c.bit();
        return m;
    }
}
