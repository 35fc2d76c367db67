package dev.gantry.agent.driver.runc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;

/**
 * The default seccomp profile: a deny-list (default ALLOW) of syscalls that a container has no
 * business making: kernel modules, kexec, mounts, namespaces, keyrings, BPF, tracing, clocks,
 * swap, reboot, io_uring. Denied calls fail with EPERM; clone3 fails with ENOSYS so that libc
 * falls back to clone, where namespace flags are checkable. Only the native architecture is
 * listed, so 32-bit syscalls on x86_64 hit the bad-arch action instead of bypassing the list.
 *
 * <p>Why a deny-list and not Docker's allow-list: it is short enough to review and does not break
 * workloads on syscalls newer than the list. A Docker-like allow-list is the next step.
 */
public final class SeccompProfile {
    static final List<String> DENIED = List.of(
            "acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "create_module", "delete_module",
            "finit_module", "fsconfig", "fsmount", "fsopen", "fspick", "get_kernel_syms", "init_module",
            "io_uring_enter", "io_uring_register", "io_uring_setup", "ioperm", "iopl", "kexec_file_load",
            "kexec_load", "keyctl", "lookup_dcookie", "mount", "mount_setattr", "move_mount", "name_to_handle_at",
            "nfsservctl", "open_by_handle_at", "open_tree", "perf_event_open", "pivot_root", "process_vm_readv",
            "process_vm_writev", "ptrace", "query_module", "quotactl", "quotactl_fd", "reboot", "request_key",
            "setns", "settimeofday", "stime", "swapoff", "swapon", "_sysctl", "sysfs", "syslog", "umount",
            "umount2", "unshare", "uselib", "userfaultfd", "ustat", "vhangup");

    /** clone(2) flags that create namespaces; clone is denied when any of them is set. */
    static final long[] CLONE_NAMESPACE_FLAGS = {
            0x00020000L /* NEWNS */, 0x02000000L /* NEWCGROUP */, 0x04000000L /* NEWUTS */,
            0x08000000L /* NEWIPC */, 0x10000000L /* NEWUSER */, 0x20000000L /* NEWPID */, 0x40000000L /* NEWNET */};

    private static final int EPERM = 1;
    private static final int ENOSYS = 38;

    private SeccompProfile() {
    }

    public static ObjectNode build(String osArch) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode seccomp = f.objectNode();
        seccomp.put("defaultAction", "SCMP_ACT_ALLOW");
        seccomp.putArray("architectures").add(scmpArch(osArch));
        ArrayNode rules = seccomp.putArray("syscalls");

        ObjectNode deny = rules.addObject();
        ArrayNode names = deny.putArray("names");
        DENIED.forEach(names::add);
        deny.put("action", "SCMP_ACT_ERRNO");
        deny.put("errnoRet", EPERM);

        ObjectNode clone3 = rules.addObject();
        clone3.putArray("names").add("clone3");
        clone3.put("action", "SCMP_ACT_ERRNO");
        clone3.put("errnoRet", ENOSYS);

        // clone's flags are argument 0 on x86_64 and arm64 (s390 differs; not supported here).
        for (long flag : CLONE_NAMESPACE_FLAGS) {
            ObjectNode r = rules.addObject();
            r.putArray("names").add("clone");
            r.put("action", "SCMP_ACT_ERRNO");
            r.put("errnoRet", EPERM);
            ObjectNode arg = r.putArray("args").addObject();
            arg.put("index", 0);
            arg.put("value", flag);
            arg.put("valueTwo", flag);
            arg.put("op", "SCMP_CMP_MASKED_EQ");
        }
        return seccomp;
    }

    static String scmpArch(String osArch) {
        return switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "SCMP_ARCH_X86_64";
            case "aarch64", "arm64" -> "SCMP_ARCH_AARCH64";
            case "ppc64le" -> "SCMP_ARCH_PPC64LE";
            case "riscv64" -> "SCMP_ARCH_RISCV64";
            default -> throw new IllegalArgumentException("no seccomp architecture for " + osArch);
        };
    }
}
