/**
 * The native task driver: runs each task as an OCI container with runc, under conmon as its
 * per-container shim, on an overlay root filesystem, with secure defaults (see {@link dev.gantry.agent.driver.runc.OciSpec}).
 *
 * <p>Host requirements: root, conmon 2.x, runc with the CVE-2024-21626 fix (upstream 1.1.12+, or a
 * distribution backport such as Debian 12's 1.1.5+ds1-1+deb12u1). For production use a runc with
 * the November 2025 container-escape fixes (CVE-2025-31133, CVE-2025-52565, CVE-2025-52881:
 * upstream 1.2.8 / 1.3.3 or later); Debian 12's 1.1.5 does not have them. cgroup v1 is tested;
 * cgroup v2 is read through {@link dev.gantry.agent.driver.runc.Cgroups} but not yet tested here.
 */
package dev.gantry.agent.driver.runc;
